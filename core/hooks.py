"""Points where later areas extend the platform without the platform importing them."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import Flask, current_app

from core.models import Person

ME_FIELDS = "bravo.me_fields"
DEMO_LOADERS = "bravo.demo_loaders"
OWN_DATA = "bravo.own_data"


def add_me_fields(app: Flask, contributor: Callable[[Person], dict[str, Any]]) -> None:
    """Let an area add fields to ``GET /api/v1/me`` (recognition adds points and budget)."""
    app.extensions.setdefault(ME_FIELDS, []).append(contributor)


def me_fields(person: Person) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for contributor in current_app.extensions.get(ME_FIELDS, []):
        extra.update(contributor(person))
    return extra


def add_own_data(app: Flask, section: str, builder: Callable[[Person], Any]) -> None:
    """Let an area add a section to a person's own-data export: what it keeps about them, as JSON values.

    A builder returns only what that person may already read in the app (their shared coaching, their own
    private notes), never another person's private records.
    """
    app.extensions.setdefault(OWN_DATA, []).append((section, builder))


def own_data_sections(person: Person) -> dict[str, Any]:
    return {section: builder(person) for section, builder in current_app.extensions.get(OWN_DATA, [])}


def add_demo_loader(app: Flask, loader: Callable[[], list[str]]) -> None:
    """Let an area add to ``flask demo``; a loader is idempotent and returns lines to print."""
    app.extensions.setdefault(DEMO_LOADERS, []).append(loader)


def demo_loaders() -> list[Callable[[], list[str]]]:
    return current_app.extensions.get(DEMO_LOADERS, [])


EVENT_HANDLERS = "bravo.event_handlers"


def on_event(app: Flask, event: str, handler: Callable[..., None]) -> None:
    """Subscribe a later area to an event of an earlier one (digests to ``awards.published``...).

    Handlers run inside the emitting transaction: they should only record work (e.g. delivery rows
    for the scheduler to send), never talk to the network.
    """
    app.extensions.setdefault(EVENT_HANDLERS, {}).setdefault(event, []).append(handler)


def emit_event(event: str, **payload: Any) -> None:
    for handler in current_app.extensions.get(EVENT_HANDLERS, {}).get(event, []):
        handler(**payload)


KPI_SERIES = "bravo.kpi_series"


def provide_kpi_series(app: Flask,
                       series: Callable[[Person, str, date, date], Iterable[tuple[date, float]]]) -> None:
    """Let the area that keeps KPIs answer :func:`kpi_series` (coaching's closed loop shows it)."""
    app.extensions[KPI_SERIES] = series


def kpi_series(agent: Person, metric_slug: str, start: date, end: date) -> list[tuple[date, float]] | None:
    """The agent's daily values of a metric from ``start`` to ``end`` (inclusive) as ``(day, value)`` pairs,
    oldest first; ``None`` while no area provides KPIs."""
    series = current_app.extensions.get(KPI_SERIES)
    return None if series is None else list(series(agent, metric_slug, start, end))
