"""Leaderboards: ties, the top only, one's own rank, hidden kudos, periods in the org time zone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.extensions import db
from recognition import queries, services
from recognition.badges import award_badge, register_badge_kind
from core.errors import NotFound
from recognition.queries import BoardRow, Standing
from tests.kudos_fixtures import NOW, give, value  # noqa: F401


def board(viewer, period="month", scope="people", limit=10, team=None, now=NOW):
    return queries.leaderboard(viewer, period=period, scope=scope, team=team, limit=limit, now=now)


@pytest.fixture
def floor(make_team, make_person):
    """Two teams; a supervisor with plenty of budget gives the points."""
    north, south = make_team("North"), make_team("South")
    boss = make_person("boss", role="manager")
    people = {name: make_person(name, team=north if i < 4 else south, name=f"Name {name}")
              for i, name in enumerate(["dan", "eve", "fay", "gus", "hal", "ivy"])}
    return boss, north, south, people


def points(giver, pairs, give, at=NOW):
    for person, amount in pairs:
        give(giver, person, points=amount, at=at)


def test_ties_share_a_rank_ordered_by_name(floor, give):
    boss, _n, _s, p = floor
    points(boss, [(p["gus"], 30), (p["eve"], 20), (p["dan"], 20), (p["fay"], 10)], give)
    rows = board(p["hal"]).rows
    assert rows == [
        BoardRow(1, "gus", "Name gus", 30),
        BoardRow(2, "dan", "Name dan", 20),
        BoardRow(2, "eve", "Name eve", 20),
        BoardRow(4, "fay", "Name fay", 10),
    ]


def test_top_n_only_and_no_one_without_points(floor, give):
    boss, _n, _s, p = floor
    points(boss, [(p["dan"], 40), (p["eve"], 30), (p["fay"], 20), (p["gus"], 20), (p["hal"], 10)], give)
    give(boss, p["ivy"], points=0)
    assert [(r.rank, r.key) for r in board(boss, limit=3).rows] == [(1, "dan"), (2, "eve"), (3, "fay")]
    assert [r.key for r in board(boss, limit=10).rows] == ["dan", "eve", "fay", "gus", "hal"]  # no ivy
    assert [(r.rank, r.key) for r in board(boss, limit=4).rows] == [(1, "dan"), (2, "eve"), (3, "fay"),
                                                                    (3, "gus")]


def test_my_own_rank_also_outside_the_top(floor, give):
    boss, _n, _s, p = floor
    points(boss, [(p["dan"], 40), (p["eve"], 30), (p["fay"], 30), (p["gus"], 5)], give)
    result = board(p["gus"], limit=2)
    assert [r.key for r in result.rows] == ["dan", "eve"]
    assert result.me == Standing(4, 5)
    assert board(p["fay"], limit=2).me == Standing(2, 30)
    assert board(p["ivy"]).me is None  # no points in the period
    assert board(boss).me is None


def test_hidden_kudos_leave_the_board(floor, give, make_person):
    boss, _n, _s, p = floor
    admin = make_person("mod", role="admin")
    points(boss, [(p["dan"], 10), (p["eve"], 20)], give)
    hidden = give(boss, p["dan"], points=40)
    assert board(boss).rows[0].key == "dan"
    services.hide_kudos(hidden, actor=admin, reason="not about work", now=NOW + timedelta(days=1))
    db.session.commit()
    assert [(r.key, r.points) for r in board(boss).rows] == [("eve", 20), ("dan", 10)]
    assert [(r.key, r.points) for r in board(boss, scope="teams").rows] == [("North", 30)]


def test_week_and_month_boundaries_follow_the_organisation_time_zone(floor, give):
    boss, _n, _s, p = floor
    sunday_late = datetime(2026, 11, 29, 15, 59, 59, tzinfo=timezone.utc)  # Sun 23:59:59 in Shanghai
    monday = sunday_late + timedelta(seconds=1)  # Mon 30 Nov 00:00 in Shanghai; still Sunday in UTC
    month_end = datetime(2026, 11, 30, 15, 59, 59, tzinfo=timezone.utc)  # Mon 30 Nov 23:59:59
    december = month_end + timedelta(seconds=1)  # Tue 1 Dec 00:00
    give(boss, p["dan"], points=10, at=sunday_late)
    give(boss, p["eve"], points=20, at=monday)
    give(boss, p["fay"], points=5, at=month_end)
    give(boss, p["gus"], points=7, at=december)

    assert [r.key for r in board(boss, "week", now=sunday_late).rows] == ["dan"]
    assert [r.key for r in board(boss, "week", now=monday).rows] == ["eve", "gus", "fay"]
    assert board(boss, "week", now=december).period_key == "2026-W49"
    assert [r.key for r in board(boss, "month", now=month_end).rows] == ["eve", "dan", "fay"]
    assert [r.key for r in board(boss, "month", now=december).rows] == ["gus"]
    assert board(boss, "month", now=december).period_key == "2026-12"


def test_team_board_and_my_team_standing(floor, give):
    boss, north, south, p = floor
    points(boss, [(p["dan"], 10), (p["eve"], 10), (p["hal"], 30), (p["ivy"], 5)], give)
    result = board(p["dan"], scope="teams")
    assert result.rows == [BoardRow(1, "South", "South", 35), BoardRow(2, "North", "North", 20)]
    assert result.me == Standing(2, 20)
    assert board(boss, scope="teams").me is None  # no team


def test_a_team_kudos_counts_on_the_team_board(floor, give):
    boss, north, south, p = floor
    give(boss, team=south, points=20)
    assert [(r.key, r.points) for r in board(boss, scope="teams").rows] == [("South", 20)]


def test_people_board_of_one_team(floor, give):
    boss, north, _s, p = floor
    points(boss, [(p["dan"], 10), (p["eve"], 5), (p["hal"], 30)], give)
    result = board(p["eve"], team=north)
    assert [(r.rank, r.key) for r in result.rows] == [(1, "dan"), (2, "eve")]
    assert result.me == Standing(2, 5)
    assert board(p["hal"], team=north).me is None


def test_badge_points_count_too(floor):
    _boss, _n, _s, p = floor
    register_badge_kind("test_award", "Test award", "For tests.")
    award_badge(p["ivy"], "test_award", now=NOW, points=15)
    db.session.commit()
    assert board(p["ivy"]).rows == [BoardRow(1, "ivy", "Name ivy", 15)]


def test_a_campaign_board_needs_a_started_campaign(floor):
    with pytest.raises(NotFound) as caught:
        board(floor[0], period="campaign")
    assert caught.value.field == "campaign"
