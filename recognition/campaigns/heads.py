"""A campaign's head: what reads of its standings need of it, read with two small queries and kept
in each process for ``CAMPAIGN_RECHECK_SECONDS``.

Standings are read far more often than a campaign changes: readers of the API's standings take the
head instead of the whole campaign, so that a process reads a campaign's state about once a second
however many people look. A change (new standings stored, a launch, an edit of its teams) reaches
those readers within those seconds. The access rules of :mod:`recognition.campaigns.access` take a
head or a :class:`~recognition.campaigns.models.Campaign` alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, select

from core.cache import forget_kept, kept_results
from core.extensions import db
from recognition.campaigns.models import Campaign, campaign_teams

CAMPAIGN_HEADS = "campaign_heads"
CAMPAIGN_HEADS_KEPT = 256


@dataclass(frozen=True)
class CampaignHead:
    id: int
    status: str
    created_by_id: int | None
    inputs_version: int
    standings_version: int
    standings_computed_at: datetime | None
    team_ids: frozenset[int]

    @property
    def standings_fresh(self) -> bool:
        return self.standings_version == self.inputs_version


@lru_cache(maxsize=None)
def _head_statements():
    campaign = Campaign.__table__.c
    head = select(campaign.id, campaign.status, campaign.created_by_id, campaign.inputs_version,
                  campaign.standings_version, campaign.standings_computed_at).where(campaign.id == bindparam("id"))
    teams = select(campaign_teams.c.team_id).where(campaign_teams.c.campaign_id == bindparam("id"))
    return head, teams


def campaign_head(campaign_id: int) -> CampaignHead | None:
    """The campaign's head, or ``None`` when there is no such campaign (kept, see the module)."""
    seconds = float(current_app.config["CAMPAIGN_RECHECK_SECONDS"])
    if seconds <= 0:
        return _read_head(campaign_id)
    kept = kept_results(CAMPAIGN_HEADS, max_entries=CAMPAIGN_HEADS_KEPT, max_age=seconds)
    return kept.get_or_make(campaign_id, lambda: _read_head(campaign_id))


def forget_campaign_head(campaign_id: int) -> None:
    """This process stored new standings: its readers take them at once (others within the window)."""
    forget_kept(CAMPAIGN_HEADS, campaign_id)


def _read_head(campaign_id: int) -> CampaignHead | None:
    head, teams = _head_statements()
    connection = db.session.connection()
    row = connection.execute(head, {"id": campaign_id}).first()
    if row is None:
        return None
    return CampaignHead(*row, frozenset(connection.execute(teams, {"id": campaign_id}).scalars()))
