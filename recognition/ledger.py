"""The append-only points ledger, its tallies, the organisation's periods and levels.

:func:`append_to_ledger` is the only writer of :class:`PointsEntry`, :class:`PointsTally` and
:class:`TeamTally`: it appends the lines and adds them to the tallies in the caller's transaction,
with upserts that are race-free on PostgreSQL (``INSERT .. ON CONFLICT DO UPDATE SET points =
points + excluded.points``) and on SQLite (whose writers are serialised anyway).
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Insert, delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from core.clock import org_timezone
from core.extensions import db
from recognition.models import ALL_TIME_KEY, PointsEntry, PointsTally, TeamTally

# Lifetime points at which each level starts: level 1 at 0, level 2 at 50, ... level 7 at 2000.
LEVEL_THRESHOLDS = (0, 50, 150, 300, 600, 1000, 2000)


def level_for(lifetime_points: int) -> int:
    """The level (1..7) reached with this many lifetime points."""
    return max(1, bisect_right(LEVEL_THRESHOLDS, lifetime_points))


def week_key_of(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def period_keys(moment: datetime) -> tuple[str, str]:
    """The ISO week (``2026-W48``) and month (``2026-11``) of a moment, in the organisation's time zone."""
    local = moment.astimezone(org_timezone())
    return week_key_of(local.date()), local.strftime("%Y-%m")


def insert_for(dialect: str, table) -> Insert:
    """An INSERT that knows ``on_conflict_do_update``/``_do_nothing`` on the database named ``dialect``."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def dialect_insert(model) -> Insert:
    """An INSERT that knows ``on_conflict_do_update``/``_do_nothing`` on this database."""
    return insert_for(db.session.get_bind().dialect.name, model)


@dataclass(frozen=True)
class LedgerLine:
    """Points for one person; ``team_id`` is the team they count for on team boards."""

    person_id: int
    amount: int
    kind: str
    team_id: int | None = None
    kudos_id: int | None = None
    note: str = ""


def append_to_ledger(lines: Iterable[LedgerLine], *, now: datetime, week_key: str, month_key: str) -> None:
    """Append ledger lines for an event of period ``week_key``/``month_key`` and add them to the tallies."""
    lines = [line for line in lines if line.amount != 0]
    if not lines:
        return
    db.session.execute(insert(PointsEntry.__table__), [
        dict(person_id=line.person_id, team_id=line.team_id, kind=line.kind, amount=line.amount,
             kudos_id=line.kudos_id, note=line.note[:255], created_at=now, week_key=week_key,
             month_key=month_key)
        for line in lines
    ])
    periods = (("week", week_key), ("month", month_key), ("all", ALL_TIME_KEY))
    people: Counter[tuple[int, str, str]] = Counter()
    teams: Counter[tuple[int, str, str]] = Counter()
    for line in lines:
        for period, key in periods:
            people[(line.person_id, period, key)] += line.amount
            if line.team_id is not None:
                teams[(line.team_id, period, key)] += line.amount
    _add_to_tallies(PointsTally, "person_id", people)
    _add_to_tallies(TeamTally, "team_id", teams)


@lru_cache(maxsize=None)
def _tally_upsert(model, owner: str, dialect: str) -> Insert:
    """``INSERT .. ON CONFLICT DO UPDATE SET points = points + excluded.points``, built once: every kudos runs it."""
    stmt = insert_for(dialect, model.__table__)
    return stmt.on_conflict_do_update(
        index_elements=[owner, "period", "period_key"],
        set_={"points": model.__table__.c.points + stmt.excluded.points},
    )


def _add_to_tallies(model, owner: str, sums: Counter) -> None:
    if not sums:
        return
    # Sorted, so that concurrent transactions lock tally rows in the same order (no deadlock).
    rows = [{owner: who, "period": period, "period_key": key, "points": points}
            for (who, period, key), points in sorted(sums.items())]
    db.session.execute(_tally_upsert(model, owner, db.session.get_bind().dialect.name), rows)


def rebuild_tallies() -> None:
    """Recompute every tally from the ledger (after a bulk load that wrote ``points_entry`` directly)."""
    db.session.execute(delete(PointsTally))
    db.session.execute(delete(TeamTally))
    for model, owner_name in ((PointsTally, "person_id"), (TeamTally, "team_id")):
        owner = getattr(PointsEntry, owner_name)
        for period, key in (("week", PointsEntry.week_key), ("month", PointsEntry.month_key), ("all", None)):
            key_column = key if key is not None else literal_column(f"'{ALL_TIME_KEY}'")
            group_by = (owner, key) if key is not None else (owner,)
            sums = (
                select(owner, literal_column(f"'{period}'"), key_column, func.sum(PointsEntry.amount))
                .where(owner.is_not(None))
                .group_by(*group_by)
            )
            db.session.execute(
                insert(model).from_select([owner_name, "period", "period_key", "points"], sums)
            )


def ledger_sums(kinds: Sequence[str] | None = None) -> int:
    """The sum of the ledger's amounts (of some kinds only); for checks and tests."""
    stmt = select(func.coalesce(func.sum(PointsEntry.amount), 0))
    if kinds:
        stmt = stmt.where(PointsEntry.kind.in_(kinds))
    return db.session.execute(stmt).scalar_one()
