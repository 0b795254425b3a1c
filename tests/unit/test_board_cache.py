"""The boards kept per process answer exactly as the database does, and cost one query while the ledger stands."""
from __future__ import annotations

import pytest
from flask import current_app

from recognition import queries, services
from tests.kudos_fixtures import NOW, count_queries, give, value  # noqa: F401


@pytest.fixture
def floor(make_team, make_person):
    north, south = make_team("North"), make_team("South")
    boss = make_person("boss", role="manager")
    people = [make_person(f"p{i}", team=north if i < 4 else south) for i in range(7)]
    return boss, people


def direct(scope, viewer, limit):
    key = queries.period_key("month", NOW)
    owner = viewer.id if scope == "people" else viewer.team_id
    return queries.board_rows(scope, "month", key, limit=limit, owner_id=owner)


def cached(scope, viewer, limit):
    board = queries.leaderboard(viewer, period="month", scope=scope, limit=limit, now=NOW)
    return board.rows, board.me


@pytest.mark.parametrize("scope", ["people", "teams"])
def test_a_kept_board_answers_as_the_database_does_after_every_change(floor, give, scope, monkeypatch):
    monkeypatch.setattr(queries, "BOARD_REBUILD_SECONDS", 0.0)  # rebuilt at every change, not read directly
    boss, people = floor
    for step, (person, amount) in enumerate([(0, 30), (1, 20), (2, 20), (5, 10), (6, 20), (3, 5), (2, 10)]):
        kudos = give(boss, people[person], points=amount)
        if step == 4:
            services.retract_kudos(kudos, actor=boss, now=NOW)
        for viewer in (people[2], people[4]):
            for limit in (1, 2, 10):
                assert cached(scope, viewer, limit) == direct(scope, viewer, limit)


def test_a_kept_board_costs_one_query_until_the_ledger_changes(floor, give):
    boss, people = floor
    give(boss, people[0], points=30)
    assert cached("people", people[1], 10)[0]  # built and kept
    with count_queries() as counter:
        rows, _me = cached("people", people[1], 10)
    assert counter[0] == 1  # the ledger's version
    give(boss, people[1], points=40)
    rows, me = cached("people", people[1], 10)
    assert [(row.key, row.points) for row in rows] == [("p1", 40), ("p0", 30)]
    assert (me.rank, me.points) == (1, 40)


def test_a_board_changing_faster_than_it_could_be_rebuilt_is_read_from_the_database(floor, give):
    boss, people = floor
    give(boss, people[0], points=30)
    cached("people", people[1], 10)  # built and kept
    kept = current_app.extensions[queries.BOARD_CACHE][("people", "month")]
    give(boss, people[1], points=40)
    rows, me = cached("people", people[1], 10)
    assert current_app.extensions[queries.BOARD_CACHE][("people", "month")] is kept  # not rebuilt
    assert [(row.key, row.points) for row in rows] == [("p1", 40), ("p0", 30)]
    assert (me.rank, me.points) == (1, 40)
