"""Campaign lines for the public digests: a team's progress against its running campaigns' targets
(team aggregates only, never a person's figure) and the awards a campaign published.

Campaigns live in ``recognition.campaigns``; while that package is absent these lines are empty.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib.util import find_spec
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.models import Team
from recognition.models import Announcement
from recognition.queries import announcements


@dataclass(frozen=True)
class ProgressLine:
    """One requirement bound to a KPI: the team's aggregate against the target."""

    campaign: Any  # recognition.campaigns.models.Campaign (name_in(locale))
    requirement: str
    value: float | None
    target: float | None
    unit: str
    met: bool | None


def _campaigns_present() -> bool:
    return find_spec("recognition.campaigns") is not None


def team_progress(team: Team, *, now: datetime) -> list[ProgressLine]:
    """Progress of the team in the campaigns it runs in now, from the stored (public) computation."""
    if not _campaigns_present():
        return []
    from recognition.campaigns.models import Campaign, campaign_teams
    from recognition.campaigns.queries import brief_progress

    running = db.session.execute(
        select(Campaign).where(
            Campaign.status == "open", Campaign.starts_at <= now, Campaign.ends_at > now,
            Campaign.id.in_(select(campaign_teams.c.campaign_id).where(campaign_teams.c.team_id == team.id)),
        ).order_by(Campaign.ends_at, Campaign.id)
    ).scalars()
    lines = []
    for campaign in running:
        for entry in brief_progress(campaign, team_id=team.id):
            mine = entry["teams"][0] if entry["teams"] else {"value": None, "met": None}
            lines.append(ProgressLine(campaign, entry["text"], mine["value"], entry["target"], entry["unit"] or "",
                                      mine["met"]))
    return lines


def award_lines(award_ids: list[int], *, since: datetime) -> list[str]:
    """A line per published award, from its public announcement ("Li Na — Spring peak · Overall · No. 1")."""
    wanted = set(award_ids)
    stmt = announcements(since=since).where(Announcement.kind == "award").order_by(Announcement.id)
    lines = []
    for announcement in db.session.execute(stmt).scalars():
        params = announcement.params or {}
        if params.get("award") in wanted:
            title = str(params.get("title") or "")
            lines.append(f"{announcement.person.name} — {title}" if title else announcement.person.name)
    return lines
