"""The weekly random-monitoring roster: fair over the weeks, drawn once a week, ticked off by entries."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from coaching import roster
from coaching.models import RosterDraw
from core.extensions import db
from tests.coaching_helpers import write_entry

MONDAY = date(2025, 1, 6)


@pytest.fixture
def team(org, make_person):
    """super1's team Alpha: agent1 plus five more agents, an inactive one, and super1 (not an agent)."""
    agents = [org.agent] + [make_person(f"alpha{i}", team=org.team_a) for i in range(5)]
    gone = make_person("gone", team=org.team_a)
    gone.active = False
    db.session.commit()
    return agents


def draw(org, week, seed=0, **kwargs):
    at = datetime.combine(week, datetime.min.time(), tzinfo=timezone.utc)
    draws = roster.draw_roster(org.supervisor, week, rng=random.Random(seed), now=at, **kwargs)
    db.session.commit()
    return draws


def monitor(org, agent, day):
    at = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=8)
    return write_entry(org.supervisor, agent, kind="monitoring_random", occurred_on=day, now=at)


@pytest.mark.parametrize("monitored", [True, False], ids=["drawn-agents-monitored", "nobody-monitored"])
def test_over_a_year_everyone_is_sampled_evenly(org, team, monitored):
    counts: Counter[str] = Counter()
    for week_number in range(52):
        week = MONDAY + timedelta(weeks=week_number)
        draws = draw(org, week, seed=week_number)
        assert len(draws) == 2 and len({d.agent_id for d in draws}) == 2
        for drawn in draws:
            counts[drawn.agent.username] += 1
            if monitored:
                monitor(org, drawn.agent, week + timedelta(days=2))
    assert set(counts) == {agent.username for agent in team}, "every active agent, and only agents"
    assert sum(counts.values()) == 104
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_least_recently_monitored_first(org, team):
    week = MONDAY + timedelta(weeks=10)
    for agent in team[2:]:
        monitor(org, agent, week - timedelta(days=3))
    monitor(org, team[1], week - timedelta(weeks=5))
    drawn = [d.agent for d in draw(org, week)]
    assert drawn[0] == team[0], "never monitored comes first"
    assert drawn[1] == team[1], "then the one monitored longest ago"


def test_random_among_equals_but_reproducible_with_a_seed(app, org, team):
    picks = set()
    for seed in range(20):
        draws = roster.draw_roster(org.supervisor, MONDAY, rng=random.Random(seed), now=datetime.now(timezone.utc))
        picks.add(tuple(sorted(d.agent_id for d in draws)))
        db.session.rollback()
    assert len(picks) > 1
    first = [d.agent_id for d in draw(org, MONDAY, seed=7)]
    db.session.execute(RosterDraw.__table__.delete())
    assert [d.agent_id for d in draw(org, MONDAY, seed=7)] == first


def test_drawing_the_same_week_again_returns_the_draw(org, team):
    first = draw(org, MONDAY + timedelta(days=3), seed=1)
    again = draw(org, MONDAY, seed=99, size=5)
    assert [d.id for d in again] == [d.id for d in first]
    assert {d.week_start for d in first} == {MONDAY}
    assert db.session.execute(select(func.count()).select_from(RosterDraw)).scalar_one() == 2


def test_sample_size_comes_from_config_and_caps_at_the_team(app, org, team):
    app.config["ROSTER_SAMPLE_SIZE"] = 4
    assert len(draw(org, MONDAY)) == 4
    assert len(draw(org, MONDAY + timedelta(weeks=1), size=50)) == len(team)


def test_a_random_monitoring_entry_that_week_ticks_the_draw_off(org, team):
    draws = draw(org, MONDAY)
    first, second = (d.agent for d in draws)
    write_entry(org.supervisor, first, kind="side_by_side", occurred_on=MONDAY + timedelta(days=1),
                now=datetime(2025, 1, 8, tzinfo=timezone.utc))
    monitor(org, second, MONDAY + timedelta(days=7))  # next week: not this draw
    assert not any(d.done for d in draws)
    entry = monitor(org, first, MONDAY + timedelta(days=6))
    db.session.refresh(draws[0])
    assert draws[0].done and draws[0].entry_id == entry.id
    assert not draws[1].done
    assert db.session.execute(roster.roster_week(org.supervisor, MONDAY + timedelta(days=4))).scalars().all() == draws


def test_weeks_are_iso_weeks_in_the_organisation_time_zone(app):
    sunday_evening_utc = datetime(2025, 1, 12, 17, 0, tzinfo=timezone.utc)  # Monday 01:00 in Shanghai
    assert roster.current_week_start(sunday_evening_utc) == date(2025, 1, 13)
    app.config["TIMEZONE"] = "Europe/London"
    assert roster.current_week_start(sunday_evening_utc) == date(2025, 1, 6)
    assert roster.week_start(date(2025, 1, 1)) == date(2024, 12, 30)


def test_every_supervisor_gets_a_draw(org, team):
    results = roster.draw_all_rosters(MONDAY, rng=random.Random(3), now=datetime.now(timezone.utc))
    assert {p.username: len(d) for p, d in results.items()} == {"super1": 2, "super2": 1}
