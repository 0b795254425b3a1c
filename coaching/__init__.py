"""Private growth: coaching entries, follow-ups, the monitoring roster, one-to-ones, journal, timeline.

Nothing here is public: every read goes through ``coaching.access``.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from coaching import models  # noqa: F401  (the tables join the metadata)
    from coaching.api import blp as api
    from coaching.demo import load_coaching_demo
    from coaching.forms import LABELS
    from coaching.own_data import coaching_data
    from coaching.panels import coaching_panel
    from coaching.views import bp, growth_bp, journal_bp, one_to_ones_bp
    from core.api import register_api_blueprint
    from core.home.panels import add_home_panel
    from core.hooks import add_demo_loader, add_own_data
    from core.navigation import NavItem, add_nav_item

    for blueprint in (bp, one_to_ones_bp, journal_bp, growth_bp):
        app.register_blueprint(blueprint)
    register_api_blueprint(api)
    add_demo_loader(app, load_coaching_demo)
    add_home_panel(app, coaching_panel)
    add_own_data(app, "coaching", coaching_data)
    add_nav_item(app, NavItem("coaching.index", _l("Coaching"), "supervisor", order=40, also=(
        "coaching.new_entry", "coaching.edit_entry", "coaching.roster_page", "coaching.overview",
        "coaching.disputes")))
    add_nav_item(app, NavItem("coaching.mine", _l("My coaching"), order=41, also=("growth.my_growth",)))
    add_nav_item(app, NavItem("one_to_ones.meetings", _l("One-to-ones"), order=42,
                              also=("one_to_ones.new_meeting", "one_to_ones.meeting")))
    add_nav_item(app, NavItem("journal.journal", _l("Journal"), order=43))
    app.jinja_env.globals["coaching_labels"] = LABELS  # also inside imported macros
