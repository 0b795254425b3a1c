"""Language and time-zone choice, and the formatting helpers templates use."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, request, session
from flask_babel import format_datetime
from flask_login import current_user

from core.config import LOCALES

LANGUAGE_NAMES = {"en": "English", "zh_Hans_CN": "简体中文"}


def locale_from_header(header_languages) -> str | None:
    """Map browser languages (``zh-CN``, ``zh-Hans``, ``en-GB``...) to the locales Bravo speaks."""
    for language, _quality in header_languages:
        tag = language.lower().replace("_", "-")
        if tag.startswith("zh"):
            return "zh_Hans_CN"
        if tag.startswith("en"):
            return "en"
    return None


def select_locale() -> str:
    """The person's setting, else the language picked this session, else the browser, else the default."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    if request:
        chosen = session.get("locale")
        if chosen in LOCALES:
            return chosen
        from_header = locale_from_header(request.accept_languages)
        if from_header:
            return from_header
    return current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["TIMEZONE"]


def datetime_filter(value: datetime | None, format: str = "medium") -> str:
    """A moment in the viewer's time zone and language."""
    return format_datetime(value, format) if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = datetime_filter

    @app.context_processor
    def language_context():
        from flask_babel import get_locale

        locale = get_locale()
        return {
            "language_names": LANGUAGE_NAMES,
            "current_locale": str(locale) if locale else "en",
            "html_lang": "zh-Hans-CN" if str(locale) == "zh_Hans_CN" else "en",
        }
