"""The header's navigation, by role; each area adds its own entries."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import LazyString

from core.access import has_role

NAV_ITEMS = "bravo.nav_items"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString | str
    least_role: str = "agent"
    order: int = 100
    section: str = "main"  # "main" or "admin"

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    also: tuple[str, ...] = ()  # other endpoints under this entry

    @property
    def current(self) -> bool:
        return request.endpoint == self.endpoint or request.endpoint in self.also


def add_nav_item(app: Flask, item: NavItem) -> None:
    app.extensions.setdefault(NAV_ITEMS, []).append(item)


def nav_items(person, section: str) -> list[NavItem]:
    items = [i for i in current_app.extensions.get(NAV_ITEMS, []) if i.section == section]
    return sorted((i for i in items if has_role(person, i.least_role)), key=lambda i: i.order)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    add_nav_item(app, NavItem("home.index", _l("Home"), order=0))
    add_nav_item(app, NavItem("people.people", _l("People"), "admin", order=10, section="admin",
                              also=("people.new_person", "people.edit_person")))
    add_nav_item(app, NavItem("people.teams", _l("Teams"), "admin", order=20, section="admin",
                              also=("people.new_team", "people.edit_team")))
    add_nav_item(app, NavItem("people.import_csv", _l("Import"), "admin", order=30, section="admin"))

    @app.context_processor
    def navigation_context():
        return {"nav_items": nav_items}
