"""Campaigns' part of a person's own-data export: briefs they acknowledged, their KPIs, standings and awards.

Their own standing row is theirs to read however low it is; nominations stay with the supervisors who
wrote them until they become awards.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.clock import org_isoformat
from core.extensions import db
from core.models import Person
from recognition.campaigns.models import (
    Acknowledgement, Award, Campaign, CampaignStanding, MetricDefinition, MetricValue,
)


def _kpis(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(MetricDefinition.slug, MetricValue.day, MetricValue.value, MetricValue.numerator,
               MetricValue.denominator)
        .join(MetricDefinition, MetricDefinition.id == MetricValue.metric_id)
        .where(MetricValue.person_id == person.id).order_by(MetricValue.day, MetricDefinition.slug)
    )
    return [{"metric": slug, "date": day.isoformat(), "value": value, "numerator": numerator,
             "denominator": denominator} for slug, day, value, numerator, denominator in rows]


def _standings(person: Person) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Campaign.id, Campaign.name, CampaignStanding.rank, CampaignStanding.score,
               CampaignStanding.gap_to_next)
        .join(Campaign, Campaign.id == CampaignStanding.campaign_id)
        .where(CampaignStanding.person_id == person.id, Campaign.status != "draft")
        .order_by(Campaign.starts_at, Campaign.id)
    )
    return [{"campaign": campaign_id, "campaign_name": name, "rank": rank, "score": round(score, 2),
             "gap_to_next": None if gap is None else round(gap, 2)}
            for campaign_id, name, rank, score, gap in rows]


def campaign_data(person: Person) -> dict[str, Any]:
    acknowledged = db.session.execute(
        select(Acknowledgement).where(Acknowledgement.person_id == person.id)
        .order_by(Acknowledgement.acknowledged_at)
    ).scalars()
    awards = db.session.execute(
        select(Award).where(Award.person_id == person.id, Award.published_at.is_not(None))
        .options(joinedload(Award.campaign), joinedload(Award.dimension))
        .order_by(Award.published_at, Award.id)
    ).scalars()
    return {
        "briefs_acknowledged": [
            {"campaign": ack.campaign_id, "acknowledged_at": org_isoformat(ack.acknowledged_at)}
            for ack in acknowledged],
        "kpis": _kpis(person),
        "standings": _standings(person),
        "awards": [{"id": award.id, "campaign": award.campaign_id, "campaign_name": award.campaign.name,
                    "dimension": award.dimension.name if award.dimension else None,
                    "position": award.position,
                    "score": round(award.score, 2), "points": award.points, "citation": award.citation,
                    "published_at": org_isoformat(award.published_at)} for award in awards],
    }
