"""Fixtures for recognition tests; a test module imports the ones it uses."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select

from core.extensions import db
from recognition import services
from recognition.ledger import ALL_TIME_KEY
from recognition.models import KUDOS_LEDGER_KINDS, GivingSpend, Kudos, PointsEntry, PointsTally, TeamTally

# A Tuesday, mid-month, mid-week in Asia/Shanghai.
NOW = datetime(2026, 11, 10, 4, 0, tzinfo=timezone.utc)
MESSAGE = "Thank you for calming the customer whose refund failed twice."


@pytest.fixture
def value(app):
    created = services.create_value("customer-first", name_en="Customer first", name_zh="客户至上",
                                    description_en="The customer's problem is ours.",
                                    description_zh="客户的问题就是我们的问题。", actor=None)
    db.session.commit()
    return created


@pytest.fixture
def give(app, value):
    """Give kudos through the service and commit: ``give(giver, *people, points=, team=, at=)``."""

    def give_(giver, *recipients, points=0, team=None, message=MESSAGE, at=NOW, value_=None):
        kudos = services.give_kudos(giver, value_ or value, message, points, recipients=list(recipients),
                                    team=team, now=at)
        db.session.commit()
        return kudos

    return give_


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block: ``with count_queries() as counter: ...; counter[0]``."""
    counter = [0]

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        counter[0] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def forget_kept_boards() -> None:
    """Empty this process's kept boards, so that the next board read is built from the database."""
    from flask import current_app

    from recognition.queries import BOARD_CACHE

    current_app.extensions.pop(BOARD_CACHE, None)


def ledger_tallies() -> tuple[Counter, Counter]:
    """Per (owner, period, key) sums computed from the ledger itself."""
    people, teams = Counter(), Counter()
    for entry in db.session.execute(select(PointsEntry)).scalars():
        for period, key in (("week", entry.week_key), ("month", entry.month_key), ("all", ALL_TIME_KEY)):
            people[(entry.person_id, period, key)] += entry.amount
            if entry.team_id is not None:
                teams[(entry.team_id, period, key)] += entry.amount
    return people, teams


def stored_tallies() -> tuple[Counter, Counter]:
    people = Counter({(t.person_id, t.period, t.period_key): t.points
                      for t in db.session.execute(select(PointsTally)).scalars()})
    teams = Counter({(t.team_id, t.period, t.period_key): t.points
                     for t in db.session.execute(select(TeamTally)).scalars()})
    return people, teams


def without_zeros(counter: Counter) -> dict:
    return {k: v for k, v in counter.items() if v != 0}


def assert_books_balance() -> None:
    kudos_ledger = db.session.execute(
        select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(PointsEntry.kind.in_(KUDOS_LEDGER_KINDS))
    ).scalar_one()
    spent = db.session.execute(select(func.coalesce(func.sum(GivingSpend.spent), 0))).scalar_one()
    hidden = db.session.execute(
        select(func.coalesce(func.sum(Kudos.points), 0)).where(Kudos.hidden_at.is_not(None))
    ).scalar_one()
    assert kudos_ledger == spent - hidden
    from_ledger, from_tallies = ledger_tallies(), stored_tallies()
    assert without_zeros(from_tallies[0]) == without_zeros(from_ledger[0])
    assert without_zeros(from_tallies[1]) == without_zeros(from_ledger[1])
