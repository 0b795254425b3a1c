"""`flask demo`'s campaign part: a running 3·15 campaign with its brief, KPIs, nominations and a wallboard, once."""
from __future__ import annotations

from sqlalchemy import func, select

from core.clock import utcnow
from core.demo import load_core_demo
from core.extensions import db
from core.models import Person
from recognition.campaigns import access
from recognition.campaigns.demo import CAMPAIGN_NAME, DEMO_AGENT, load_campaign_demo
from recognition.campaigns.models import Acknowledgement, Campaign, MetricValue, Nomination, Wallboard
from recognition.demo import load_values


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_demo_campaign_is_running_with_its_brief_kpis_and_a_wallboard_once(app, client):
    load_core_demo()
    load_values()
    lines = load_campaign_demo()
    db.session.commit()
    campaign = db.session.execute(select(Campaign).where(Campaign.name == CAMPAIGN_NAME)).scalar_one()
    assert campaign.state_at(utcnow()) == "running" and campaign.name_zh == "3·15 消费者权益日服务保障"
    assert len(campaign.dimensions) == 5 and {d.source for d in campaign.dimensions} == {"metric", "kudos",
                                                                                          "nominations"}
    assert len(campaign.requirements) == 5 and sum(1 for r in campaign.requirements if r.metric) == 4
    kpi_rows, nominations, acknowledged = count(MetricValue), count(Nomination), count(Acknowledgement)
    assert kpi_rows > 2000 and nominations == 4 and 0 < acknowledged < 18
    demo_agent = db.session.execute(select(Person).where(Person.username == DEMO_AGENT)).scalar_one()
    assert access.is_participant(demo_agent, campaign)
    assert demo_agent.id not in set(db.session.execute(select(Acknowledgement.person_id)).scalars())  # brief to read
    assert campaign.standings_fresh and any(entry["overall"]["value"] for entry in campaign.team_progress)
    url = lines[-1].split()[-1]
    assert url.startswith("http://127.0.0.1:5000/wallboard/")
    data = client.get(url.removeprefix("http://127.0.0.1:5000") + "/data").json
    assert data["campaign"]["name"] == CAMPAIGN_NAME and len(data["top"]) == 10 and len(data["progress"]) == 4

    again = load_campaign_demo()
    db.session.commit()
    assert again[-1] == lines[-1] and "already loaded" in again[1]
    assert (count(MetricValue), count(Nomination), count(Campaign), count(Wallboard)) == (kpi_rows, nominations, 1, 1)
