"""Stored standings: computed from KPIs, kudos and nominations of the participants in the window, and
recomputed only when those inputs change."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import sqlite_write_intent
from core.extensions import db
from recognition import services as kudos_services
from recognition.campaigns import services, standings
from recognition.campaigns.models import Campaign, CampaignStanding, DimensionStanding
from recognition.campaigns.queries import brief_progress
from recognition.campaigns.services import DimensionSpec, SourceSpec
from tests.campaign_fixtures import NOW, daily, make_campaign, metrics, put_kpis, rate  # noqa: F401
from tests.kudos_fixtures import MESSAGE, value  # noqa: F401


@pytest.fixture
def floor(org, make_person, metrics, value):
    """Four agents in Alpha, two in Bravo Team; a campaign of both teams with four dimensions."""
    alpha = [org.agent] + [make_person(f"a{i}", team=org.team_a) for i in range(2, 5)]
    bravo = [org.other_agent, make_person("b2", team=org.team_b)]
    campaign = make_campaign(org.admin, [org.team_a, org.team_b], [
        DimensionSpec("Satisfaction", 2, SourceSpec("metric", "csat", min_volume=10)),
        DimensionSpec("Handling time", 1, SourceSpec("metric", "aht")),
        DimensionSpec("Peers", 1, SourceSpec("kudos", value="customer-first")),
        DimensionSpec("Raised early", 1, SourceSpec("nominations")),
    ])
    return campaign, alpha, bravo


def stored(campaign) -> dict[str, CampaignStanding]:
    from core.models import Person

    rows = db.session.execute(
        select(Person.username, CampaignStanding).join(Person, Person.id == CampaignStanding.person_id)
        .where(CampaignStanding.campaign_id == campaign.id)).all()
    return {username: standing for username, standing in rows}


def test_standings_are_computed_from_the_window_and_the_participants_only(floor, org, make_person, value):
    campaign, alpha, bravo = floor
    outsider = make_person("outsider", team=None)
    put_kpis([
        rate("agent1", "2026-03-02", "csat", 9, 10), rate("agent1", "2026-03-03", "csat", 9, 10),
        rate("a2", "2026-03-02", "csat", 19, 20),
        rate("a3", "2026-03-02", "csat", 5, 5),                                   # volume 5 < 10: ineligible
        rate("agent2", "2026-03-02", "csat", 12, 20),
        rate("agent2", "2026-02-27", "csat", 100, 100),                           # before the window
        rate("outsider", "2026-03-02", "csat", 20, 20),                           # not a participant
        daily("agent1", "2026-03-02", "aht", 300), daily("agent1", "2026-03-03", "aht", 200),
        daily("a2", "2026-03-02", "aht", 280),
    ])
    kudos_services.give_kudos(org.supervisor, value, MESSAGE, recipients=[bravo[1]], now=NOW)
    services.nominate(campaign, campaign.dimensions[3], alpha[3], nominator=org.supervisor, reason="Early!",
                      now=NOW)
    db.session.commit()
    standings.compute_standings(campaign, now=NOW)
    db.session.commit()

    rows = stored(campaign)
    assert set(rows) == {"agent1", "a2", "a3", "a4", "agent2", "b2"}  # the supervisors and outsider are not in
    cells = {(u, d.dimension_id): d for u, d in db.session.execute(
        select(CampaignStanding.person_id, DimensionStanding)
        .join(DimensionStanding, DimensionStanding.person_id == CampaignStanding.person_id)
        .where(CampaignStanding.campaign_id == campaign.id))}
    satisfaction = campaign.dimensions[0].id
    by_name = {p.username: p.id for p in alpha + bravo}
    # agent1 18/20 = 0.9, a2 0.95, agent2 12/20 = 0.6 (the February day is outside); a3 below the minimum.
    assert cells[(by_name["agent1"], satisfaction)].value == pytest.approx(0.9)
    assert cells[(by_name["agent2"], satisfaction)].value == pytest.approx(0.6)
    assert cells[(by_name["a3"], satisfaction)].eligible is False
    assert [cells[(by_name[u], satisfaction)].percentile for u in ("a2", "agent1", "agent2")] == [100.0, 50.0, 0.0]
    # Handling time: agent1 mean 250 beats a2's 280 (lower is better).
    handling = campaign.dimensions[1].id
    assert cells[(by_name["agent1"], handling)].value == 250.0
    assert cells[(by_name["agent1"], handling)].percentile == 100.0
    # Kudos counted for b2, a nomination for a4; everyone else 0 and eligible (no minimum).
    assert cells[(by_name["b2"], campaign.dimensions[2].id)].value == 1.0
    assert cells[(by_name["a4"], campaign.dimensions[3].id)].value == 1.0
    # Five of six tie at 0 kudos: (0 + 0.5 × 4) / 5 = 40. a2 (2×100 + 0 + 40 + 40)/5 = 56 ties agent1
    # (2×50 + 100 + 40 + 40)/5 = 56; a2 is higher in the heaviest dimension (satisfaction).
    assert rows["a2"].score == pytest.approx(56) and rows["agent1"].score == pytest.approx(56)
    assert (rows["a2"].rank, rows["agent1"].rank, rows["agent1"].gap_to_next) == (1, 2, 0.0)
    assert sorted(r.rank for r in rows.values()) == [1, 2, 3, 4, 5, 6]
    assert campaign.standings_version == campaign.inputs_version


def test_team_progress_against_targets_is_an_aggregate_of_teams(floor, org):
    campaign, _alpha, _bravo = floor
    put_kpis([rate("agent1", "2026-03-02", "csat", 9, 10), rate("a2", "2026-03-02", "csat", 10, 10),
              rate("agent2", "2026-03-02", "csat", 3, 4)])
    standings.compute_standings(campaign, now=NOW)
    db.session.commit()
    [progress] = brief_progress(campaign)
    assert progress["overall"] == {"value": pytest.approx(22 / 24), "met": True, "progress": 1.0}
    assert progress["teams"] == [
        {"team": "Alpha", "value": pytest.approx(0.95), "met": True, "progress": 1.0},
        {"team": "Bravo Team", "value": 0.75, "met": False, "progress": pytest.approx(0.8333)},
    ]
    assert "agent" not in str(progress)  # progress names teams, never people


@pytest.fixture
def computations(monkeypatch):
    """Count the standings calculations."""
    count = [0]
    original = standings.calculate_standings

    def counted(campaign):
        count[0] += 1
        return original(campaign)

    monkeypatch.setattr(standings, "calculate_standings", counted)
    return count


def fresh(campaign):
    return standings.ensure_fresh_for_read(db.session.get(Campaign, campaign.id), now=NOW)


def test_standings_are_recomputed_only_when_their_inputs_change(floor, org, make_person, computations,
                                                               value):
    campaign, alpha, bravo = floor
    stranger = make_person("stranger", team=None)
    fresh(campaign)
    fresh(campaign)
    assert computations[0] == 1

    def changes(action) -> bool:
        before = computations[0]
        action()
        db.session.commit()
        fresh(campaign)
        return computations[0] == before + 1

    assert changes(lambda: put_kpis([rate("agent1", "2026-03-05", "csat", 3, 4)]))
    assert changes(lambda: put_kpis([rate("agent1", "2026-03-05", "csat", 3, 4)]))      # re-sent: may differ
    assert not changes(lambda: put_kpis([rate("agent1", "2026-02-20", "csat", 3, 4)]))  # before the window
    assert not changes(lambda: put_kpis([rate("stranger", "2026-03-05", "csat", 3, 4)]))  # not a participant
    assert not changes(lambda: put_kpis([daily("agent1", "2026-03-05", "calls", 40)]))  # a KPI it does not read
    kudos = []
    assert changes(lambda: kudos.append(kudos_services.give_kudos(
        org.supervisor, value, MESSAGE, recipients=[alpha[1]], now=NOW)))
    assert not changes(lambda: kudos_services.give_kudos(org.supervisor, value, MESSAGE,
                                                         recipients=[stranger], now=NOW + timedelta(minutes=1)))
    assert not changes(lambda: kudos_services.give_kudos(org.supervisor, value, MESSAGE,
                                                         recipients=[alpha[2]], now=NOW + timedelta(days=30)))
    assert changes(lambda: kudos_services.hide_kudos(kudos[0], actor=org.admin, reason="test", now=NOW))
    assert changes(lambda: services.nominate(campaign, campaign.dimensions[3], alpha[2], nominator=org.supervisor,
                                             reason="Raised it at once.", now=NOW))
    assert not changes(lambda: None)


def test_a_published_campaign_keeps_its_standings(floor, computations):
    campaign, _alpha, _bravo = floor
    fresh(campaign)
    campaign.status = "published"
    db.session.commit()
    put_kpis([rate("agent1", "2026-03-05", "csat", 3, 4)])
    fresh(campaign)
    assert computations[0] == 1


def test_in_the_background_readers_keep_the_stored_standings_until_the_new_ones_are_in(floor, app, monkeypatch):
    campaign, _alpha, _bravo = floor
    campaign_id = campaign.id  # read now: an expired object would be refreshed in a writing transaction
    put_kpis([rate("agent1", "2026-03-05", "csat", 1, 10), rate("a2", "2026-03-05", "csat", 9, 10)])
    fresh(campaign)  # the first computation: before the read, as there is nothing stored to show
    before = campaign.standings_version
    top_before = db.session.execute(select(CampaignStanding.person_id).where(
        CampaignStanding.campaign_id == campaign.id, CampaignStanding.rank == 1)).scalar_one()

    monkeypatch.setitem(app.config, "STANDINGS_REFRESH", "background")
    release = threading.Event()
    original = standings.calculate_standings

    def slow(campaign):
        assert release.wait(10)
        return original(campaign)

    monkeypatch.setattr(standings, "calculate_standings", slow)
    put_kpis([rate("agent1", "2026-03-06", "csat", 100, 100)])
    reading = sqlite_write_intent.set(False)  # as a GET request reads
    try:
        read = fresh(campaign)
        assert read.standings_version == before and not read.standings_fresh  # served at once, as stored
        assert standings.refreshing(campaign.id)
        fresh(campaign)  # a second reader starts no second recomputation
        db.session.rollback()  # the request ends
    finally:
        sqlite_write_intent.reset(reading)
    release.set()
    deadline = time.monotonic() + 10
    while standings.refreshing(campaign_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    db.session.rollback()
    stored = db.session.get(Campaign, campaign_id)
    assert stored.standings_fresh and stored.standings_version > before
    top_after = db.session.execute(select(CampaignStanding.person_id).where(
        CampaignStanding.campaign_id == campaign_id, CampaignStanding.rank == 1)).scalar_one()
    assert top_after != top_before  # agent1's 100 % moved the top


def test_a_campaign_rests_after_a_background_recomputation(floor, app, monkeypatch):
    campaign, _alpha, _bravo = floor
    campaign_id = campaign.id
    fresh(campaign)
    monkeypatch.setitem(app.config, "STANDINGS_REFRESH", "background")
    standings.background_refreshes(app).last[campaign_id] = (time.monotonic(), 1.0)  # took 1 s, just now
    put_kpis([rate("agent1", "2026-03-06", "csat", 100, 100)])
    reading = sqlite_write_intent.set(False)
    try:
        fresh(campaign)
        assert not standings.refreshing(campaign_id)  # resting: four times the last duration
        monkeypatch.setattr(standings, "REFRESH_REST_FACTOR", 0.0)
        fresh(campaign)
        assert standings.refreshing(campaign_id)
        db.session.rollback()
    finally:
        sqlite_write_intent.reset(reading)
    deadline = time.monotonic() + 10
    while standings.refreshing(campaign_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    db.session.rollback()
    assert db.session.get(Campaign, campaign_id).standings_fresh
