"""Rendering a digest: ``templates/digests/email/KIND.txt`` + ``.html`` (and ``chat/KIND.md`` for chat
rooms) in the recipient's language, with absolute links back to the app (``BASE_URL``)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, get_locale

from core.config import LOCALES


@dataclass(frozen=True)
class Digest:
    """A rendered digest, ready for any channel (``markdown`` only for the ones posted to chat rooms)."""

    kind: str
    subject: str
    text: str
    html: str
    locale: str
    markdown: str = ""


def locale_of(person) -> str:
    """The language a person reads their digests in."""
    return person.locale if person is not None and person.locale in LOCALES else \
        current_app.config["DEFAULT_LOCALE"]


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    with force_locale(locale):
        yield


def app_url(endpoint: str, **values) -> str:
    """An absolute link to a page of the app, outside any request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def local_date(moment: datetime | date, tz: str) -> str:
    day = moment.astimezone(ZoneInfo(tz)).date() if isinstance(moment, datetime) else moment
    return babel_format_date(day, "medium", locale=str(get_locale()))


def local_datetime(moment: datetime, tz: str) -> str:
    """The date (medium) and the time (short) of a moment in a time zone, in the current language."""
    local = moment.astimezone(ZoneInfo(tz))
    locale = str(get_locale())
    return f"{babel_format_date(local.date(), 'medium', locale=locale)} {format_time(local.time(), 'short', locale=locale)}"


def excerpt(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def render_digest(kind: str, subject: str, *, locale: str, template: str | None = None, chat: bool = False,
                  **context) -> Digest:
    """Render the text and HTML (and chat) forms; call inside :func:`in_language`."""
    template = template or kind
    context = {"subject": subject, "app_url": app_url, "excerpt": excerpt, "locale": locale,
               "number": lambda value: format_decimal(value, "#,##0.##", locale=locale), **context}
    return Digest(
        kind=kind,
        subject=subject,
        text=_tidy(_render(f"digests/email/{template}.txt", context)) + "\n",
        html=_render(f"digests/email/{template}.html", context),
        locale=locale,
        markdown=_tidy(_render(f"digests/chat/{template}.md", context)) if chat else "",
    )


def _tidy(text: str) -> str:
    """Plain text with at most one blank line between paragraphs."""
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text).strip()


def _render(name: str, context: dict) -> str:
    # Straight from the Jinja environment: no request, so none of the pages' context processors.
    return current_app.jinja_env.get_template(name).render(context)
