"""Service-guarantee campaigns: KPIs, briefs, weighted dimensions, standings, awards and wallboards.

Part of recognition (public praise): awards go through recognition's ledger, badges and feed.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from core.api import register_api_blueprint
    from core.bench import add_seed_step
    from core.hooks import add_demo_loader, add_own_data, on_event, provide_kpi_series
    from recognition.campaigns import models  # noqa: F401  (the tables join the metadata)
    from recognition.campaigns.api import blp as api
    from recognition.campaigns.bench import seed_campaigns
    from recognition.campaigns.cli import campaigns_cli
    from recognition.campaigns.demo import load_campaign_demo
    from recognition.campaigns.kpis import daily_series
    from recognition.campaigns.own_data import campaign_data
    from recognition.campaigns.services import on_kudos_given, on_kudos_removed
    from recognition.campaigns.kpi_views import bp as kpi_pages
    from recognition.campaigns.result_views import bp as result_pages
    from recognition.campaigns.views import bp as campaign_pages
    from recognition.campaigns.wallboard_admin_views import bp as wallboard_links
    from recognition.campaigns.wallboard_views import bp as wallboard

    for blueprint in (campaign_pages, result_pages, kpi_pages, wallboard_links, wallboard):
        app.register_blueprint(blueprint)
    register_api_blueprint(api)
    app.cli.add_command(campaigns_cli)
    add_demo_loader(app, load_campaign_demo)
    on_event(app, "kudos.given", on_kudos_given)
    on_event(app, "kudos.removed", on_kudos_removed)
    provide_kpi_series(app, daily_series)
    add_own_data(app, "campaigns", campaign_data)
    add_seed_step(app, "campaigns", seed_campaigns)
    _add_pages(app)


def _add_pages(app: Flask) -> None:
    """The home-page panel (briefs to acknowledge) and the navigation entries of the campaign pages."""
    from flask_babel import lazy_gettext as _l

    from core.home.panels import add_home_panel
    from core.navigation import NavItem, add_nav_item
    from recognition.campaigns.panels import acknowledgement_panel

    add_home_panel(app, acknowledgement_panel)
    add_nav_item(app, NavItem("campaigns.index", _l("Campaigns"), order=30, also=(
        "campaigns.new", "campaigns.detail", "campaigns.edit", "campaign_results.standings",
        "campaign_results.nominations", "campaign_results.awards")))
    add_nav_item(app, NavItem("kpis.definitions", _l("KPIs"), "manager", order=35, section="admin",
                              also=("kpis.new_definition", "kpis.edit_definition", "kpis.upload")))
    add_nav_item(app, NavItem("wallboard_links.index", _l("Wallboards"), "manager", order=36, section="admin"))
