"""`flask bench seed` for campaigns: six KPIs, a running campaign of about ``--campaign-participants``
agents (whole teams) with six dimensions, ``--kpi-days`` days of KPI rows for every participant (six
rows a day each), supervisor nominations and a wallboard link.

Rows go in with bulk inserts; the campaign itself goes through the service (its rules checked).
Standings are left stale on purpose: the first read computes them (the cold computation to measure,
also with ``flask campaigns standings ID --force``). The wallboard's path is printed and written
beside the tokens file (``bench/results/wallboard.txt``) for the load generator.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from core.bench import Organisation, bulk_insert
from core.clock import org_timezone
from core.extensions import db
from core.models import Person, Team
from recognition.campaigns import kpis, services, wallboards
from recognition.campaigns.demo import DEMO_METRICS
from recognition.campaigns.models import Campaign, MetricDefinition, MetricValue, Nomination
from recognition.campaigns.services import CampaignSpec, DimensionSpec, RequirementSpec, SourceSpec

EXTRA_METRIC = ("qa_score", "QA score", "质检分", "points", "mean", "higher_better")
NAME = "Bench service guarantee"


def _metrics() -> dict[str, MetricDefinition]:
    for slug, name_en, name_zh, unit, aggregate, direction in [*DEMO_METRICS, EXTRA_METRIC]:
        if kpis.metric_by_slug(slug) is None:
            kpis.create_metric_definition(slug, name_en=name_en, name_zh=name_zh, unit=unit, aggregate=aggregate,
                                          direction=direction, actor=None)
    db.session.flush()
    return {m.slug: m for m in db.session.execute(select(MetricDefinition)).scalars()}


def _teams_for(org: Organisation, participants: int) -> list[Team]:
    """Whole teams, in order, until they hold at least ``participants`` agents."""
    agents_of = {team.id: 0 for team in org.teams}
    for person in org.by_role("agent"):
        agents_of[person.team_id] += 1
    chosen, total = [], 0
    for team in org.teams:
        if total >= participants:
            break
        chosen.append(team.id)
        total += agents_of[team.id]
    return db.session.execute(select(Team).where(Team.id.in_(chosen))).scalars().all()


def _kpi_rows(org: Organisation, agent_ids: list[int], metrics: dict[str, MetricDefinition], first_day,
              days: int) -> list[dict]:
    rng, now = org.rng, org.now
    rows = []
    for person_id in agent_ids:
        skill = rng.random()
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            calls = rng.randint(30, 70)
            surveys = max(1, calls // 5)
            common = {"person_id": person_id, "day": day, "updated_at": now}
            rows += [
                {**common, "metric_id": metrics["calls_handled"].id, "value": float(calls), "numerator": None,
                 "denominator": None},
                {**common, "metric_id": metrics["aht"].id, "value": round(rng.gauss(400 - 110 * skill, 30), 1),
                 "numerator": None, "denominator": None},
                {**common, "metric_id": metrics["qa_score"].id, "value": round(rng.gauss(80 + 15 * skill, 5), 1),
                 "numerator": None, "denominator": None},
                {**common, "metric_id": metrics["csat"].id, "value": None,
                 "numerator": float(round(surveys * min(1.0, rng.gauss(0.85 + 0.1 * skill, 0.05)))),
                 "denominator": float(surveys)},
                {**common, "metric_id": metrics["first_contact_resolution"].id, "value": None,
                 "numerator": float(round(calls * min(1.0, rng.gauss(0.7 + 0.2 * skill, 0.05)))),
                 "denominator": float(calls)},
                {**common, "metric_id": metrics["attitude_complaints"].id, "value": None,
                 "numerator": float(rng.random() < 0.3 - 0.25 * skill), "denominator": float(calls)},
            ]
    return rows


def bench_wallboard_token(campaign: Campaign) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"bench-wallboard-{campaign.id}".encode(), hashlib.sha256).hexdigest()[:32]


def seed_campaigns(org: Organisation) -> list[str]:
    """The KPIs, the campaign, its KPI rows, nominations and a wallboard; returns lines to print."""
    options = org.options
    if options.campaign_participants == 0:
        return ["no campaign (--campaign-participants 0)"]
    metrics = _metrics()
    zone = org_timezone()
    today = org.now.astimezone(zone).date()
    days = max(1, options.kpi_days)
    first_day = today - timedelta(days=days - 1)
    admin = db.session.get(Person, org.by_role("admin")[0].id)
    teams = _teams_for(org, options.campaign_participants)
    spec = CampaignSpec(
        name=NAME, teams=[team.name for team in teams],
        starts_at=datetime.combine(first_day, time(0), tzinfo=zone),
        ends_at=datetime.combine(today + timedelta(days=7), time(0), tzinfo=zone),
        requirements=[
            RequirementSpec("Attitude complaints below 1.5 % of calls.", "attitude_complaints", 0.015),
            RequirementSpec("Customer satisfaction at least 90 %.", "csat", 0.9),
            RequirementSpec("QA score at least 85.", "qa_score", 85),
            RequirementSpec("Average handling time at most 6 minutes.", "aht", 360),
        ],
        dimensions=[
            DimensionSpec("Customer satisfaction", 3, SourceSpec("metric", "csat", min_volume=50)),
            DimensionSpec("First contact resolution", 2, SourceSpec("metric", "first_contact_resolution",
                                                                    min_volume=200)),
            DimensionSpec("Courtesy", 2, SourceSpec("metric", "attitude_complaints", min_volume=200)),
            DimensionSpec("Handling time", 1, SourceSpec("metric", "aht", min_volume=5)),
            DimensionSpec("Help given to peers", 1, SourceSpec("kudos")),
            DimensionSpec("Problems raised early", 1, SourceSpec("nominations")),
        ],
        top_n=3, one_per_person=True,
    )
    campaign = services.create_campaign(spec, actor=admin, now=org.now - timedelta(days=days))
    team_ids = {team.id for team in teams}
    agents = [p for p in org.by_role("agent") if p.team_id in team_ids]
    rows = _kpi_rows(org, [p.id for p in agents], metrics, first_day, days)
    bulk_insert(MetricValue.__table__, rows)
    nominations_dimension = campaign.dimensions[-1]
    nominations = []
    for team in org.teams:
        if team.id in team_ids and team.supervisors and team.members:
            members = [m for m in team.members if m in {a.id for a in agents}]
            for person_id in org.rng.sample(members, min(2, len(members))):
                nominations.append({"campaign_id": campaign.id, "dimension_id": nominations_dimension.id,
                                    "person_id": person_id, "nominated_by_id": team.supervisors[0],
                                    "reason": "Raised a problem early.", "created_at": org.now})
    bulk_insert(Nomination.__table__, nominations)
    token = bench_wallboard_token(campaign)
    wallboards.create_wallboard(actor=admin, now=org.now, campaign=campaign, label="bench", token=token)
    path = f"/wallboard/{token}/data"
    wallboard_file = Path(options.tokens_file).with_name("wallboard.txt")
    wallboard_file.parent.mkdir(parents=True, exist_ok=True)
    wallboard_file.write_text(path + "\n")
    return [
        f"campaign {campaign.id}: {len(agents)} participants in {len(teams)} teams, 6 dimensions, "
        f"{len(rows)} KPI rows over {days} days, {len(nominations)} nominations",
        f"wallboard data: {path} (also in {wallboard_file})",
        f"cold standings: flask campaigns standings {campaign.id} --force",
    ]
