"""The points ledger: append-only, balanced against the giving budgets, and mirrored by the tallies."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from recognition import services
from recognition.ledger import level_for, rebuild_tallies
from recognition.models import GivingSpend, Kudos, PointsEntry, TeamTally
from tests.kudos_fixtures import (  # noqa: F401
    assert_books_balance, give, stored_tallies, value, without_zeros,
)


@pytest.fixture
def crowd(make_team, make_person):
    admin = make_person("moderator", role="admin")
    teams = [make_team("North"), make_team("South")]
    people = [make_person(f"c{i}", team=teams[i % 2], role="supervisor" if i == 0 else "agent")
              for i in range(8)]
    return admin, teams, people


def test_books_balance_after_a_random_mix_of_gives_retracts_and_hides(crowd, give):
    admin, teams, people = crowd
    rng = random.Random(20261110)
    moment = datetime(2026, 10, 20, 1, 0, tzinfo=timezone.utc)
    given: list[Kudos] = []
    refused = Counter()
    for _step in range(160):
        moment += timedelta(minutes=rng.choice([3, 7, 45, 300, 900]))
        action = rng.random()
        try:
            if action < 0.7 or not given:
                giver = rng.choice(people)
                if rng.random() < 0.2:
                    given.append(give(giver, team=rng.choice(teams), points=rng.randint(0, 40), at=moment))
                else:
                    others = rng.sample([p for p in people if p is not giver], rng.randint(1, 3))
                    given.append(give(giver, *others, points=rng.randint(0, 60), at=moment))
            elif action < 0.85:
                kudos = given[-1] if rng.random() < 0.7 else rng.choice(given)
                services.retract_kudos(kudos, actor=kudos.giver, now=moment)
            else:
                services.hide_kudos(rng.choice(given), actor=admin, reason="test", now=moment)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            refused[error.code] += 1
    kinds = set(db.session.execute(select(PointsEntry.kind).distinct()).scalars())
    assert {"kudos", "kudos_retracted", "kudos_hidden"} <= kinds
    assert refused["over_budget"] and refused["pair_cap"] and refused["retract_window_closed"]
    assert_books_balance()

    tallies_before = stored_tallies()
    spend_before = spend_by_giver_and_month()
    rebuild_tallies()
    services.rebuild_giving_spend()
    db.session.commit()
    assert tuple(map(without_zeros, stored_tallies())) == tuple(map(without_zeros, tallies_before))
    assert without_zeros(spend_by_giver_and_month()) == without_zeros(spend_before)


def spend_by_giver_and_month() -> Counter:
    rows = db.session.execute(select(GivingSpend)).scalars()
    return Counter({(row.giver_id, row.month_key): row.spent for row in rows})


def test_a_reversal_lands_in_the_period_of_the_kudos_it_reverses(crowd, give):
    _admin, _teams, people = crowd
    giver, receiver = people[1], people[2]
    sunday_night = datetime(2026, 11, 29, 15, 55, tzinfo=timezone.utc)  # 23:55 Sunday in Shanghai
    kudos = give(giver, receiver, points=10, at=sunday_night)
    services.retract_kudos(kudos, actor=giver, now=sunday_night + timedelta(minutes=8))  # Monday 00:03
    db.session.commit()
    entries = db.session.execute(select(PointsEntry).order_by(PointsEntry.id)).scalars().all()
    assert [(e.kind, e.amount, e.week_key, e.month_key) for e in entries] == [
        ("kudos", 10, "2026-W48", "2026-11"),
        ("kudos_retracted", -10, "2026-W48", "2026-11"),
    ]
    assert entries[1].created_at > entries[0].created_at
    assert services.budget_spent(giver, "2026-11") == 0
    assert_books_balance()


def test_ledger_lines_carry_the_recipient_team_for_team_boards(crowd, give):
    _admin, teams, people = crowd
    give(people[1], people[2], people[4], points=10)  # c2 and c4 are in North
    assert db.session.execute(
        select(TeamTally.points).where(TeamTally.team_id == teams[0].id, TeamTally.period == "all")
    ).scalar_one() == 10


@pytest.mark.parametrize("points, level", [(0, 1), (49, 1), (50, 2), (149, 2), (150, 3), (300, 4),
                                           (600, 5), (999, 5), (1000, 6), (2000, 7), (99999, 7), (-5, 1)])
def test_levels_from_lifetime_points(points, level):
    assert level_for(points) == level
