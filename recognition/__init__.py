"""Public praise: values, kudos, the points ledger, badges, leaderboards, campaigns and wallboards."""
from __future__ import annotations

from typing import Any

from flask import Flask

from core.models import Person


def me_points(person: Person) -> dict[str, Any]:
    """``GET /api/v1/me``: the caller's points balance and what is left of this month's giving budget."""
    from core.clock import utcnow
    from recognition.services import giving_budget_left, points_balance

    return {"points_balance": points_balance(person),
            "giving_budget_left": giving_budget_left(person, now=utcnow())}


def init_app(app: Flask) -> None:
    from core.api import register_api_blueprint
    from core.bench import add_seed_step
    from core.hooks import add_demo_loader, add_me_fields, add_own_data
    from recognition import models  # noqa: F401  (the tables join the metadata)
    from recognition.api import blp as api
    from recognition.bench import seed_recognition
    from recognition.demo import load_recognition_demo
    from recognition.own_data import recognition_data
    from recognition.views import bp

    from recognition import campaigns

    app.register_blueprint(bp)
    register_api_blueprint(api)
    add_me_fields(app, me_points)
    add_own_data(app, "recognition", recognition_data)
    add_demo_loader(app, load_recognition_demo)
    add_seed_step(app, "recognition", seed_recognition)
    campaigns.init_app(app)  # after recognition's demo and seed steps: campaigns count their kudos
    _add_pages(app)


def _add_pages(app: Flask) -> None:
    """The home-page panel and the navigation entries of the recognition pages."""
    from flask_babel import lazy_gettext as _l

    from core.home.panels import add_home_panel
    from core.navigation import NavItem, add_nav_item
    from recognition.panels import recognition_panel

    add_home_panel(app, recognition_panel)
    add_nav_item(app, NavItem("recognition.feed", _l("Kudos"), order=20, also=(
        "recognition.give", "recognition.kudos_page", "recognition.profile")))
    add_nav_item(app, NavItem("recognition.leaderboard", _l("Leaderboard"), order=25))
    add_nav_item(app, NavItem("recognition.values", _l("Values"), "admin", order=40, section="admin",
                              also=("recognition.new_value", "recognition.edit_value")))
    add_nav_item(app, NavItem("recognition.fairness", _l("Fairness"), "admin", order=45, section="admin"))
