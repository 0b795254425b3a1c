"""Home-page panels contributed by each area (recognition's feed, coaching's follow-ups...)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from core.models import Person

HOME_PANELS = "bravo.home_panels"


@dataclass(frozen=True)
class Panel:
    """A rendered piece of the home page; ``order`` places it."""

    html: str
    order: int = 100


def add_home_panel(app: Flask, builder: Callable[[Person], Panel | None]) -> None:
    app.extensions.setdefault(HOME_PANELS, []).append(builder)


def home_panels(person: Person) -> list[Panel]:
    panels = [builder(person) for builder in current_app.extensions.get(HOME_PANELS, [])]
    return sorted((p for p in panels if p is not None), key=lambda p: p.order)
