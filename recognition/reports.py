"""Reads behind the recognition pages beyond the feed and boards: a profile's chart by value, the
admins' fairness report (reciprocal pairs, people no one recognised lately, value usage) and CSV exports.

Each read takes a fixed number of queries whatever the data size; exports stream in batches.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask import Response, stream_with_context
from flask_babel import get_locale
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.extensions import db
from core.models import Person
from recognition.ledger import period_keys
from recognition.models import Kudos, KudosRecipient, Value
from recognition.queries import all_values, cards_for, reciprocal_pairs

MONTH_KEY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
EXPORT_BATCH = 1000
# Cells a spreadsheet would run as a formula: written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- months ----------------------------------------------------------------------------------

def month_start(month_key: str) -> date:
    year, month = month_key.split("-")
    return date(int(year), int(month), 1)


def last_months(now: datetime, count: int) -> list[str]:
    """The keys of the ``count`` months up to this one (organisation time zone), oldest first."""
    first = month_start(period_keys(now)[1])
    keys = []
    for _ in range(count):
        keys.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return keys[::-1]


def month_label(month_key: str) -> str:
    """``2026-11`` as "Nov 2026" / "2026年11月" in the current language."""
    return format_skeleton("yMMM", month_start(month_key), locale=get_locale() or "en")


def valid_month(text: str | None, default: str) -> str:
    return text if text and MONTH_KEY.match(text) else default


def period_dates(period: str, key: str) -> tuple[date, date]:
    """The first and last day of a board's week (``2026-W48``) or month (``2026-11``)."""
    if period == "week":
        year, week = key.split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
        return start, start + timedelta(days=6)
    start = month_start(key)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- a profile's recognition by value --------------------------------------------------------

@dataclass(frozen=True)
class ValueChart:
    """Kudos received per value per month: ``series`` pairs a value's name with one count a month."""

    months: list[str]
    labels: list[str]
    series: list[tuple[str, list[int]]]

    def as_json(self) -> dict:
        return {"labels": self.labels,
                "datasets": [{"label": name, "data": counts} for name, counts in self.series]}


def recognition_by_value(person: Person, *, now: datetime, months: int = 12,
                         locale: str | None = None) -> ValueChart:
    """Visible kudos the person received in each value, month by month (two queries)."""
    keys = last_months(now, months)
    counts = db.session.execute(
        select(Kudos.value_id, Kudos.month_key, func.count())
        .join(KudosRecipient, KudosRecipient.kudos_id == Kudos.id)
        .where(KudosRecipient.person_id == person.id, Kudos.month_key.in_(keys),
               Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None))
        .group_by(Kudos.value_id, Kudos.month_key)
    ).all()
    by_value: dict[int, dict[str, int]] = {}
    for value_id, month_key, count in counts:
        by_value.setdefault(value_id, {})[month_key] = count
    series = []
    if by_value:
        for value in db.session.execute(all_values().where(Value.id.in_(by_value))).scalars():
            series.append((value.name_in(locale), [by_value[value.id].get(key, 0) for key in keys]))
    return ValueChart(keys, [month_label(key) for key in keys], series)


def kudos_counts(person: Person) -> tuple[int, int]:
    """How many visible kudos the person received and gave, in one query."""
    visible = (Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None))
    received = (select(func.count()).select_from(KudosRecipient)
                .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
                .where(KudosRecipient.person_id == person.id, *visible).scalar_subquery())
    given = (select(func.count()).select_from(Kudos).where(Kudos.giver_id == person.id, *visible)
             .scalar_subquery())
    row = db.session.execute(select(received, given)).one()
    return row[0], row[1]


# --- fairness --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReciprocalPair:
    """Two people who gave each other points in a month, and what share of each one's giving that was."""

    first: Person
    second: Person
    first_to_second: int
    second_to_first: int
    first_share: float
    second_share: float

    @property
    def total(self) -> int:
        return self.first_to_second + self.second_to_first


def points_given(giver_ids: Iterable[int], month_key: str) -> dict[int, int]:
    """Points each giver gave in a month (retracted kudos were refunded and do not count)."""
    ids = list(set(giver_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Kudos.giver_id, func.sum(Kudos.points))
        .where(Kudos.giver_id.in_(ids), Kudos.month_key == month_key, Kudos.retracted_at.is_(None))
        .group_by(Kudos.giver_id)
    ).all())


def mostly_mutual_pairs(month_key: str, *, min_share: float = 0.5) -> list[ReciprocalPair]:
    """Reciprocal pairs of a month in which each gave at least ``min_share`` of their points to the other,
    most points first ("you scratch my back"): three queries."""
    rows = db.session.execute(reciprocal_pairs(month_key)).all()
    totals = points_given([row[0] for row in rows] + [row[1] for row in rows], month_key)
    pairs = []
    for first_id, second_id, there, back in rows:
        first_share = there / totals[first_id] if totals.get(first_id) else 0.0
        second_share = back / totals[second_id] if totals.get(second_id) else 0.0
        if first_share >= min_share and second_share >= min_share:
            pairs.append((first_id, second_id, there, back, first_share, second_share))
    people = _people({i for pair in pairs for i in pair[:2]})
    return [ReciprocalPair(people[a], people[b], there, back, share_a, share_b)
            for a, b, there, back, share_a, share_b in pairs]


def _people(ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.execute(
        select(Person).where(Person.id.in_(ids)).options(joinedload(Person.team))).scalars()}


def unrecognised_people(since: datetime) -> Select:
    """Active people with no visible kudos received since ``since``: rows (person, last kudos received or
    None), never-recognised first, then longest ago."""
    last = (
        select(KudosRecipient.person_id.label("person_id"), func.max(Kudos.created_at).label("last_at"))
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None))
        .group_by(KudosRecipient.person_id)
        .subquery()
    )
    return (
        select(Person, last.c.last_at)
        .outerjoin(last, last.c.person_id == Person.id)
        .where(Person.active.is_(True), or_(last.c.last_at.is_(None), last.c.last_at < since))
        .options(joinedload(Person.team))
        .order_by(last.c.last_at.asc().nulls_first(), Person.name, Person.id)
    )


def count_of(stmt: Select) -> int:
    return db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


@dataclass(frozen=True)
class ValueUsage:
    value: Value
    kudos: int
    points: int
    givers: int
    share: float  # of the month's kudos


def value_usage(month_key: str) -> list[ValueUsage]:
    """Every value with the month's visible kudos, points and distinct givers: one query."""
    rows = db.session.execute(
        select(Value, func.count(Kudos.id), func.coalesce(func.sum(Kudos.points), 0),
               func.count(func.distinct(Kudos.giver_id)))
        .outerjoin(Kudos, and_(Kudos.value_id == Value.id, Kudos.month_key == month_key,
                               Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None)))
        .group_by(Value.id)
        .order_by(Value.position, Value.id)
    ).all()
    total = sum(row[1] for row in rows)
    return [ValueUsage(value, kudos, points, givers, kudos / total if total else 0.0)
            for value, kudos, points, givers in rows]


# --- CSV -------------------------------------------------------------------------------------

def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text line by line, with a BOM (Excel then reads UTF-8) and formula-looking cells defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(cell) for cell in row])
        yield buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A CSV download streamed from ``rows`` (read within the request's context)."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


KUDOS_EXPORT_HEADER = (
    "id", "created_at_utc", "giver", "giver_name", "recipients", "team", "value", "message", "points",
    "points_each", "by_supervisor", "status", "hidden_reason", "applause", "comments",
)


def kudos_status(kudos: Kudos) -> str:
    if kudos.hidden_at is not None:
        return "hidden"
    return "retracted" if kudos.retracted_at is not None else "visible"


def kudos_export_rows(month_key: str | None = None) -> Iterator[list]:
    """Every kudos (of one month), retracted and hidden ones included, oldest first, in batches."""
    after = 0
    while True:
        stmt = (
            select(Kudos).where(Kudos.id > after)
            .options(joinedload(Kudos.giver), joinedload(Kudos.value), joinedload(Kudos.team),
                     selectinload(Kudos.recipients).joinedload(KudosRecipient.person))
            .order_by(Kudos.id).limit(EXPORT_BATCH)
        )
        if month_key:
            stmt = stmt.where(Kudos.month_key == month_key)
        batch = list(db.session.execute(stmt).scalars().unique())
        if not batch:
            return
        for card in cards_for(batch, None):
            kudos = card.kudos
            yield [
                kudos.id, kudos.created_at.isoformat(), kudos.giver.username, kudos.giver.name,
                " ".join(r.person.username for r in kudos.recipients), kudos.team.name if kudos.team else "",
                kudos.value.slug, kudos.message, kudos.points, kudos.points_each,
                "yes" if kudos.by_supervisor else "no", kudos_status(kudos), kudos.hidden_reason or "",
                card.applause, card.comments,
            ]
        after = batch[-1].id  # the session's identity map is weak: earlier batches are freed
