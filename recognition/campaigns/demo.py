"""`flask demo` for campaigns: five KPIs, a running "3·15 service guarantee" campaign for the Shanghai
teams with its brief, five dimensions, 30 days of KPIs, nominations, acknowledgements and a wallboard.

Deterministic (a seeded generator; dates relative to today) and idempotent: KPIs are defined when
missing, and the campaign with its data is made only once. The wallboard link's token is derived
from the instance's secret key, so every run prints the same link.
"""
from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from core.clock import org_timezone, utcnow
from core.extensions import db
from core.models import Person
from core.services import person_by_username, require_person, team_by_name
from recognition.campaigns import kpis, services, wallboards
from recognition.campaigns.models import Campaign, Wallboard
from recognition.campaigns.services import CampaignSpec, DimensionSpec, RequirementSpec, SourceSpec
from recognition.campaigns.standings import compute_standings

SEED = 315
KPI_DAYS = 30
CAMPAIGN_NAME = "3·15 service guarantee"
CAMPAIGN_NAME_ZH = "3·15 消费者权益日服务保障"
TEAMS = ("Shanghai Care 1", "Shanghai Care 2")
DEMO_AGENT = "agent"  # the README's demo agent (see core/demo.py)

# slug, English name, Chinese name, unit, aggregate, direction
DEMO_METRICS = [
    ("csat", "Customer satisfaction", "客户满意度", "%", "rate", "higher_better"),
    ("aht", "Average handling time", "平均处理时长", "s", "mean", "lower_better"),
    ("first_contact_resolution", "First contact resolution", "首次解决率", "%", "rate", "higher_better"),
    ("attitude_complaints", "Attitude complaints", "服务态度投诉率", "%", "rate", "lower_better"),
    ("calls_handled", "Calls handled", "接听量", "calls", "sum", "higher_better"),
]

REQUIREMENTS = [
    RequirementSpec("If a customer rejects the explanation three times, hand the call over to the team lead. "
                    "/ 客户三次不接受解释时，立即转交组长处理。"),
    RequirementSpec("Keep attitude complaints below 1.5 % of calls. / 服务态度投诉低于来电量的 1.5%。",
                    "attitude_complaints", 0.015, "lower_better"),
    RequirementSpec("Customer satisfaction at least 90 %. / 客户满意度不低于 90%。", "csat", 0.90, "higher_better"),
    RequirementSpec("Average handling time at most 6 minutes: never rush a customer to get there. "
                    "/ 平均处理时长不超过 6 分钟，但绝不催促客户。", "aht", 360, "lower_better"),
    RequirementSpec("Resolve at least 75 % of calls at first contact; when you cannot, call back the same day. "
                    "/ 首次解决率不低于 75%；无法当场解决的，当天回电。", "first_contact_resolution", 0.75,
                    "higher_better"),
]

DIMENSIONS = [
    DimensionSpec("Customer satisfaction / 客户满意度", 3, SourceSpec("metric", "csat", min_volume=60)),
    DimensionSpec("First contact resolution / 首次解决", 2,
                  SourceSpec("metric", "first_contact_resolution", min_volume=300)),
    DimensionSpec("Courtesy: fewest attitude complaints / 服务态度", 2,
                  SourceSpec("metric", "attitude_complaints", min_volume=300)),
    DimensionSpec("Help given to peers / 帮助队友", 1, SourceSpec("kudos", value="helped-a-teammate")),
    DimensionSpec("Problems raised early / 及早预警", 1, SourceSpec("nominations")),
]

NOMINATIONS = [
    ("supervisor", "li.na", "Spotted the duplicate-charge pattern on day one and told the lead before lunch. "
                            "/ 第一天就发现重复扣款的规律，午饭前上报组长。"),
    ("supervisor", "zhou.jie", "Flagged the wrong refund hotline in the SMS template. / 发现短信模板中的退款热线写错了。"),
    ("liu.yang", "guo.jing", "Raised the app login error after the second caller. / 第二位客户来电后就上报了App登录故障。"),
    ("liu.yang", "lin.xue", "Noticed the promotion price missing in billing before anyone was overcharged. "
                           "/ 及早发现促销价未同步到计费系统，没有客户被多收费。"),
]


def load_metrics() -> int:
    added = 0
    for slug, name_en, name_zh, unit, aggregate, direction in DEMO_METRICS:
        if kpis.metric_by_slug(slug) is None:
            kpis.create_metric_definition(slug, name_en=name_en, name_zh=name_zh, unit=unit, aggregate=aggregate,
                                          direction=direction, actor=None)
            added += 1
    return added


def _kpi_rows(agents: list[Person], today, rng: random.Random) -> list[dict]:
    """30 days of plausible KPIs; each agent has their own level, and one starter has few days."""
    rows = []
    for index, agent in enumerate(agents):
        skill = rng.uniform(0.0, 1.0)
        first_day = KPI_DAYS - 1 if index != len(agents) - 1 else 5  # the newest starter: 6 days only
        for offset in range(first_day, -1, -1):
            day = (today - timedelta(days=offset)).isoformat()
            calls = rng.randint(25, 45) if (today - timedelta(days=offset)).weekday() >= 5 else rng.randint(40, 70)
            surveys = max(1, calls // rng.randint(4, 7))
            satisfied = sum(rng.random() < 0.84 + 0.12 * skill for _ in range(surveys))
            resolved = sum(rng.random() < 0.66 + 0.22 * skill for _ in range(calls))
            complaints = sum(rng.random() < 0.03 - 0.026 * skill for _ in range(calls))
            rows += [
                {"username": agent.username, "date": day, "metric": "calls_handled", "value": calls},
                {"username": agent.username, "date": day, "metric": "aht",
                 "value": round(rng.gauss(400 - 110 * skill, 25))},
                {"username": agent.username, "date": day, "metric": "csat", "numerator": satisfied,
                 "denominator": surveys},
                {"username": agent.username, "date": day, "metric": "first_contact_resolution",
                 "numerator": resolved, "denominator": calls},
                {"username": agent.username, "date": day, "metric": "attitude_complaints", "numerator": complaints,
                 "denominator": calls},
            ]
    return rows


def demo_wallboard_token(campaign: Campaign) -> str:
    """The same link on every run of this instance (derived from its secret key)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"demo-wallboard-{campaign.id}".encode(), hashlib.sha256).hexdigest()[:32]


def _make_campaign(now: datetime, rng: random.Random) -> Campaign:
    zone = org_timezone()
    today = now.astimezone(zone).date()
    manager = require_person("manager")
    spec = CampaignSpec(
        name=CAMPAIGN_NAME, name_zh=CAMPAIGN_NAME_ZH,
        description="Consumer-rights week: every complaint is a chance to win a customer back. "
                    "/ 消费者权益日期间，每一次投诉都是赢回客户的机会。",
        starts_at=datetime.combine(today - timedelta(days=22), time(0), tzinfo=zone),
        ends_at=datetime.combine(today + timedelta(days=8), time(0), tzinfo=zone),
        teams=list(TEAMS), requirements=REQUIREMENTS, dimensions=DIMENSIONS, top_n=3, one_per_person=True,
    )
    campaign = services.create_campaign(spec, actor=manager, now=now - timedelta(days=23))
    agents = db.session.execute(
        select(Person).where(Person.team_id.in_([team_by_name(t).id for t in TEAMS]), Person.role == "agent")
        .order_by(Person.username)
    ).scalars().all()
    checked = kpis.check_rows(_kpi_rows(agents, today, rng), today=today)
    kpis.upsert_values(checked.rows, now=now)
    by_name = {d.name.split(" / ")[0]: d for d in campaign.dimensions}
    for supervisor, username, reason in NOMINATIONS:
        services.nominate(campaign, by_name["Problems raised early"], require_person(username),
                          nominator=require_person(supervisor), reason=reason, now=now)
    for agent in agents:
        # The README's demo agent signs in to a brief still to acknowledge; most others have read it.
        if agent.username != DEMO_AGENT and rng.random() < 0.8:
            services.acknowledge_brief(campaign, agent, now=campaign.starts_at + timedelta(hours=rng.randint(1, 48)))
    return campaign


def load_campaign_demo() -> list[str]:
    """KPIs, then (once) the running campaign; returns lines for `flask demo` to print."""
    added = load_metrics()
    lines = [f"KPIs: {len(DEMO_METRICS)} ({added} new)."]
    if person_by_username("manager") is None or any(team_by_name(t) is None for t in TEAMS):
        return lines
    now = utcnow()
    campaign = db.session.execute(select(Campaign).where(Campaign.name == CAMPAIGN_NAME)).scalar_one_or_none()
    if campaign is None:
        campaign = _make_campaign(now, random.Random(SEED))
        lines.append(f"Campaign: {CAMPAIGN_NAME} ({CAMPAIGN_NAME_ZH}), running, with {KPI_DAYS} days of KPIs.")
    else:
        lines.append(f"Campaign: {CAMPAIGN_NAME}: already loaded.")
    db.session.flush()
    if not campaign.standings_fresh:
        compute_standings(campaign, now=now)
    token = demo_wallboard_token(campaign)
    digest = wallboards.digest_of(token)
    if db.session.execute(select(Wallboard.id).where(Wallboard.digest == digest)).scalar_one_or_none() is None:
        wallboards.create_wallboard(actor=require_person("manager"), now=now, campaign=campaign,
                                    label="3·15 floor screen / 3·15 大屏", token=token)
    lines.append(f"Wallboard (no sign-in): http://127.0.0.1:5000/wallboard/{token}")
    return lines
