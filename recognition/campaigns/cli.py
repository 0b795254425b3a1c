"""`flask campaigns standings ID`: compute a campaign's stored standings now (and say how long it took)."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from recognition.campaigns.models import Campaign, CampaignStanding
from recognition.campaigns.standings import compute_standings, recompute_if_stale

campaigns_cli = AppGroup("campaigns", help="Campaigns.")


@campaigns_cli.command("standings")
@click.argument("campaign_id", type=int)
@click.option("--force", is_flag=True, help="Recompute even when the inputs have not changed.")
def standings(campaign_id: int, force: bool) -> None:
    """Recompute a campaign's standings when its inputs changed (always with --force)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(_("No campaign has the id %(id)d.", id=campaign_id))
    started = time.perf_counter()
    computed = compute_standings(campaign, now=utcnow()) if force else recompute_if_stale(campaign, now=utcnow())
    db.session.commit()
    elapsed = time.perf_counter() - started
    if computed is False:
        click.echo(_("Standings of campaign %(id)d are up to date.", id=campaign_id))
    else:
        participants = db.session.execute(select(func.count()).where(
            CampaignStanding.campaign_id == campaign_id)).scalar_one()
        click.echo(_("Standings of campaign %(id)d: %(n)d participants in %(seconds).2f s.", id=campaign_id,
                     n=participants, seconds=elapsed))
