"""Service-guarantee campaigns: KPIs, briefs, weighted dimensions, standings, awards and wallboards.

Part of recognition (public praise): awards go through recognition's ledger, badges and feed.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from core.api import register_api_blueprint
    from core.bench import add_seed_step
    from core.hooks import add_demo_loader, on_event, provide_kpi_series
    from recognition.campaigns import models  # noqa: F401  (the tables join the metadata)
    from recognition.campaigns.api import blp as api
    from recognition.campaigns.bench import seed_campaigns
    from recognition.campaigns.cli import campaigns_cli
    from recognition.campaigns.demo import load_campaign_demo
    from recognition.campaigns.kpis import daily_series
    from recognition.campaigns.services import on_kudos_given, on_kudos_removed
    from recognition.campaigns.wallboard_views import bp as wallboard

    app.register_blueprint(wallboard)
    register_api_blueprint(api)
    app.cli.add_command(campaigns_cli)
    add_demo_loader(app, load_campaign_demo)
    on_event(app, "kudos.given", on_kudos_given)
    on_event(app, "kudos.removed", on_kudos_removed)
    provide_kpi_series(app, daily_series)
    add_seed_step(app, "campaigns", seed_campaigns)
