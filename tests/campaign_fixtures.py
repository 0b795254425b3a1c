"""Set-up shared by the campaign tests: KPIs, campaigns (around a fixed clock, or around today for the
API), KPI rows, a floor of agents with ranked KPIs, and an API client per person."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from core.clock import org_timezone, utcnow
from core.extensions import db
from recognition.campaigns import kpis, services
from recognition.campaigns.services import CampaignSpec, DimensionSpec, RequirementSpec, SourceSpec
from tests.web.api_asserts import API

# Tuesday 10 March 2026, 10:00 in Asia/Shanghai; the campaign runs 1–20 March (Shanghai days).
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 10)
STARTS = datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)   # 1 March 00:00 in Shanghai
ENDS = datetime(2026, 3, 20, 16, 0, tzinfo=timezone.utc)     # 21 March 00:00 in Shanghai


@pytest.fixture
def metrics(app):
    """csat (rate, higher), aht (mean, lower), calls (sum, higher), complaints (rate, lower)."""
    made = {
        slug: kpis.create_metric_definition(slug, name_en=name, name_zh=name_zh, unit=unit, aggregate=aggregate,
                                            direction=direction, actor=None)
        for slug, name, name_zh, unit, aggregate, direction in (
            ("csat", "Customer satisfaction", "客户满意度", "%", "rate", "higher_better"),
            ("aht", "Average handling time", "平均处理时长", "s", "mean", "lower_better"),
            ("calls", "Calls handled", "接听量", "calls", "sum", "higher_better"),
            ("complaints", "Attitude complaints", "态度投诉率", "%", "rate", "lower_better"),
        )
    }
    db.session.commit()
    return made


def spec(teams, dimensions=None, requirements=None, *, starts=STARTS, ends=ENDS, top_n=3, one_per_person=False,
         **extra) -> CampaignSpec:
    return CampaignSpec(
        name="3·15 service guarantee", starts_at=starts, ends_at=ends, teams=[t.name for t in teams],
        requirements=requirements if requirements is not None else [
            RequirementSpec("Hand over to the team lead after three rejections."),
            RequirementSpec("CSAT at least 90 %.", "csat", 0.9),
        ],
        dimensions=dimensions if dimensions is not None else [
            DimensionSpec("Satisfaction", 2, SourceSpec("metric", "csat", min_volume=10)),
            DimensionSpec("Handling time", 1, SourceSpec("metric", "aht")),
        ],
        top_n=top_n, one_per_person=one_per_person, **extra,
    )


def make_campaign(actor, teams, dimensions=None, requirements=None, *, now=NOW, draft=False, **extra):
    campaign = services.create_campaign(spec(teams, dimensions, requirements, **extra), actor=actor, now=now,
                                        draft=draft)
    db.session.commit()
    return campaign


def put_kpis(rows, *, now=NOW):
    """Upsert KPI rows through the intake service; every row must be valid."""
    checked = kpis.check_rows(rows, today=now.date())
    assert checked.errors == [], checked.errors
    kpis.upsert_values(checked.rows, now=now)
    db.session.commit()


def rate(username, day, metric, numerator, denominator):
    return {"username": username, "date": day, "metric": metric, "numerator": numerator, "denominator": denominator}


def daily(username, day, metric, number):
    return {"username": username, "date": day, "metric": metric, "value": number}


# --- around today, for the API ---------------------------------------------------------------

@pytest.fixture
def api(client, token_for):
    """``api(person).post(path, json=...)``; ``api(person, scopes=("metrics",))`` for a scoped token."""

    class As:
        def __init__(self, person, scopes=()):
            self.headers = token_for(person, scopes=scopes)

        def __getattr__(self, method):
            return lambda path, **kwargs: client.open(f"{API}{path}", method=method.upper(),
                                                      headers={**self.headers, **kwargs.pop("headers", {})},
                                                      **kwargs)

    return As


def days_ago(n: int) -> str:
    return (utcnow().astimezone(org_timezone()).date() - timedelta(days=n)).isoformat()


def local_midnight(days_from_today: int) -> datetime:
    today = utcnow().astimezone(org_timezone()).date()
    return datetime.combine(today + timedelta(days=days_from_today), time(0), tzinfo=org_timezone())


DIMENSIONS = [
    DimensionSpec("Satisfaction", 2, SourceSpec("metric", "csat", min_volume=5)),
    DimensionSpec("Handling time", 1, SourceSpec("metric", "aht")),
    DimensionSpec("Raised early", 1, SourceSpec("nominations")),
]


@pytest.fixture
def floor(org, make_person, metrics):
    """Alpha: a1..a4 and agent1; Bravo Team: b1 and agent2. KPIs of the last two days rank them in that
    order: a1 first, agent1 last."""
    alpha = [make_person(f"a{i}", team=org.team_a, name=f"Alpha Agent {i}") for i in range(1, 5)]
    bravo = [make_person("b1", team=org.team_b, name="Bravo Agent 1")]
    rows = []
    for rank, person in enumerate([*alpha, *bravo, org.other_agent, org.agent]):
        for day in (1, 2):
            rows.append(rate(person.username, days_ago(day), "csat", 10 - rank, 10))
            rows.append(daily(person.username, days_ago(day), "aht", 200 + 10 * rank))
    assert kpis.intake_rows(rows, actor=None, now=utcnow()).rejected == []
    db.session.commit()
    return alpha, bravo


def running(org, **extra):
    """A campaign of Alpha and Bravo Team from 10 days ago to 10 days ahead."""
    return make_campaign(org.admin, [org.team_a, org.team_b], DIMENSIONS, starts=local_midnight(-10),
                         ends=local_midnight(10), now=utcnow(), **extra)


def ended(org, **extra):
    """A campaign of Alpha and Bravo Team that ended at midnight."""
    return make_campaign(org.admin, [org.team_a, org.team_b], DIMENSIONS, starts=local_midnight(-10),
                         ends=local_midnight(0), now=utcnow(), **extra)
