"""KPI definitions and KPI intake: rows from the API or a CSV file, checked row by row, then upserted.

Intake is one pipeline whatever the source: :func:`check_rows` turns raw rows (JSON values or CSV
cells) into clean rows and per-row errors, resolving all usernames in one query and all metrics in
another; :func:`upsert_values` writes clean rows in bulk with ``INSERT .. ON CONFLICT (metric, day,
person) DO UPDATE`` on both databases, then marks the campaigns whose inputs changed. A row is
written whole or not at all; a duplicate (person, day, metric) within one batch is an error of the
later row.

- :func:`intake_rows` (``POST /api/v1/metrics``): valid rows are written, bad ones reported.
- :func:`plan_metrics_csv` / :func:`import_metrics_csv`: a file with any bad row writes nothing,
  unless the caller asks to import the valid rows; errors carry the file's line numbers.
- :func:`metrics_template_csv`: a file to start from.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from core.clock import org_timezone
from core.errors import Conflict, InvalidInput, NotFound
from core.extensions import db
from core.models import Person
from core.people.imports import decode_csv
from core.services import audit
from recognition.campaigns.models import (
    AGGREGATES, DIRECTIONS, Campaign, Dimension, MetricDefinition, MetricValue, Requirement, campaign_teams,
)
from recognition.ledger import dialect_insert

METRIC_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
CSV_COLUMNS = ("username", "date", "metric", "value", "numerator", "denominator")
REQUIRED_CSV_COLUMNS = ("username", "date", "metric")
ROW_FIELDS = frozenset(CSV_COLUMNS)
WRITE_CHUNK = 1000
LOOKUP_CHUNK = 5000


# --- definitions -----------------------------------------------------------------------------

def metric_by_slug(slug: str) -> MetricDefinition | None:
    return db.session.execute(
        select(MetricDefinition).where(MetricDefinition.slug == (slug or "").strip().lower())
    ).scalar_one_or_none()


def require_metric(slug: str, field: str = "metric") -> MetricDefinition:
    """:raise NotFound: when no KPI has this slug"""
    metric = metric_by_slug(slug)
    if metric is None:
        raise NotFound(_("No KPI has the slug %(name)s.", name=slug), field=field)
    return metric


def _clean_metric_name(name: str | None, field: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise InvalidInput(_("A name is required (at most 120 characters)."), field=field)
    return name


def _clean_unit(unit: str | None) -> str:
    unit = (unit or "").strip()
    if len(unit) > 32:
        raise InvalidInput(_("At most %(n)d characters.", n=32), field="unit")
    return unit


def clean_aggregate(aggregate: str | None, field: str = "aggregate") -> str:
    if aggregate not in AGGREGATES:
        raise InvalidInput(_("Aggregate must be sum, mean or rate."), field=field)
    return aggregate


def clean_direction(direction: str | None, field: str = "direction") -> str:
    if direction not in DIRECTIONS:
        raise InvalidInput(_("Direction must be higher_better or lower_better."), field=field)
    return direction


def create_metric_definition(slug: str, *, name_en: str, name_zh: str | None = None, unit: str = "",
                             aggregate: str, direction: str, actor: Person | None) -> MetricDefinition:
    """Define a KPI (a missing Chinese name uses the English one).

    :raise InvalidInput: for a malformed slug, name, unit, aggregate or direction
    :raise Conflict: when the slug is taken
    """
    slug = (slug or "").strip().lower()
    if not METRIC_SLUG.match(slug):
        raise InvalidInput(_("A KPI slug is 1 to 64 lowercase letters, digits, dots, dashes or underscores."),
                           field="slug")
    name_en = _clean_metric_name(name_en, "name_en")
    metric = MetricDefinition(
        slug=slug, name_en=name_en, name_zh=_clean_metric_name(name_zh, "name_zh") if name_zh else name_en,
        unit=_clean_unit(unit), aggregate=clean_aggregate(aggregate), direction=clean_direction(direction),
    )
    if metric_by_slug(slug) is not None:
        raise Conflict(_("A KPI with the slug %(name)s exists already.", name=slug), field="slug")
    db.session.add(metric)
    db.session.flush()
    audit(actor, "metric.create", metric, slug=slug)
    return metric


def update_metric_definition(metric: MetricDefinition, *, actor: Person | None, name_en: str | None = None,
                             name_zh: str | None = None, unit: str | None = None) -> MetricDefinition:
    """Rename a KPI or change its unit; its aggregate and direction stay (define another KPI instead)."""
    if name_en is not None:
        metric.name_en = _clean_metric_name(name_en, "name_en")
    if name_zh is not None:
        metric.name_zh = _clean_metric_name(name_zh, "name_zh")
    if unit is not None:
        metric.unit = _clean_unit(unit)
    audit(actor, "metric.update", metric)
    return metric


def all_metric_definitions():
    return select(MetricDefinition).order_by(MetricDefinition.slug)


def daily_series(person: Person, metric_slug: str, start: date, end: date) -> list[tuple[date, float]]:
    """The person's daily values of a KPI, oldest first (a rate's day is numerator/denominator; a day
    with a zero denominator is left out); empty for an unknown KPI. Serves ``core.hooks.kpi_series``."""
    metric = metric_by_slug(metric_slug)
    if metric is None:
        return []
    rows = db.session.execute(
        select(MetricValue.day, MetricValue.value, MetricValue.numerator, MetricValue.denominator)
        .where(MetricValue.metric_id == metric.id, MetricValue.person_id == person.id,
               MetricValue.day.between(start, end))
        .order_by(MetricValue.day)
    )
    series = []
    for day, value, numerator, denominator in rows:
        if value is not None:
            series.append((day, value))
        elif denominator:
            series.append((day, numerator / denominator))
    return series


# --- checking rows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """What is wrong with one row: ``index`` counts from 0 in the batch; ``line`` is the CSV line."""

    index: int
    message: str
    field: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class CleanRow:
    index: int
    person_id: int
    team_id: int | None
    metric_id: int
    day: date
    value: float | None
    numerator: float | None
    denominator: float | None


@dataclass
class CheckedRows:
    rows: list[CleanRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _RowProblem(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number(raw: Any, name: str) -> float | None:
    """A finite number from JSON (a number, or a numeric string) or a CSV cell; ``None`` when blank."""
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise _RowProblem(_("%(field)s must be a number.", field=name), name)
    if isinstance(raw, (int, float)):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            raise _RowProblem(_("%(field)s must be a number.", field=name), name) from None
    else:
        raise _RowProblem(_("%(field)s must be a number.", field=name), name)
    if not math.isfinite(number):
        raise _RowProblem(_("%(field)s must be a number.", field=name), name)
    return number


def _day(raw: Any, today: date) -> date:
    if _blank(raw):
        raise _RowProblem(_("A date is required (YYYY-MM-DD)."), "date")
    if isinstance(raw, date) and not isinstance(raw, datetime):
        day = raw
    elif isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            raise _RowProblem(_("%(value)s is not a date (YYYY-MM-DD).", value=raw), "date") from None
    else:
        raise _RowProblem(_("%(value)s is not a date (YYYY-MM-DD).", value=raw), "date")
    if day > today:
        raise _RowProblem(_("%(value)s is in the future.", value=day.isoformat()), "date")
    return day


def _measure(raw: Mapping[str, Any], metric: MetricDefinition) -> tuple[float | None, float | None, float | None]:
    """(value, numerator, denominator) for the KPI's kind."""
    value = _number(raw.get("value"), "value")
    numerator = _number(raw.get("numerator"), "numerator")
    denominator = _number(raw.get("denominator"), "denominator")
    if metric.is_rate:
        if value is not None:
            raise _RowProblem(_("%(metric)s is a rate: give numerator and denominator, not value.",
                                metric=metric.slug), "value")
        if numerator is None or denominator is None:
            raise _RowProblem(_("%(metric)s is a rate: give both numerator and denominator.",
                                metric=metric.slug), "numerator" if numerator is None else "denominator")
        if denominator < 0:
            raise _RowProblem(_("The denominator cannot be negative."), "denominator")
        if numerator < 0:
            raise _RowProblem(_("The numerator cannot be negative."), "numerator")
        if denominator == 0 and numerator > 0:
            raise _RowProblem(_("A numerator above 0 needs a denominator above 0."), "denominator")
        return None, numerator, denominator
    if numerator is not None or denominator is not None:
        raise _RowProblem(_("%(metric)s takes a value, not numerator and denominator.", metric=metric.slug),
                          "numerator" if numerator is not None else "denominator")
    if value is None:
        raise _RowProblem(_("A value is required."), "value")
    return value, None, None


def check_rows(raw_rows: Sequence[Any], *, today: date, lines: Sequence[int] | None = None) -> CheckedRows:
    """Check raw rows (mappings with ``username``, ``date``, ``metric`` and ``value`` or
    ``numerator``/``denominator``); two queries whatever the size: people, then KPIs."""
    checked = CheckedRows()
    usernames = {str(raw.get("username")).strip().lower() for raw in raw_rows
                 if isinstance(raw, Mapping) and isinstance(raw.get("username"), str)}
    people = {}
    ordered = sorted(usernames)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        people.update((row.username, row) for row in db.session.execute(
            select(Person.id, Person.username, Person.team_id)
            .where(Person.username.in_(ordered[start:start + LOOKUP_CHUNK]))))
    metrics = {m.slug: m for m in db.session.execute(select(MetricDefinition)).scalars()}
    seen: dict[tuple[int, date, int], int] = {}
    for index, raw in enumerate(raw_rows):
        line = lines[index] if lines is not None else None
        try:
            if not isinstance(raw, Mapping):
                raise _RowProblem(_("A row is an object with username, date, metric and a value."))
            unknown = sorted(str(key) for key in raw if key not in ROW_FIELDS)
            if unknown:
                raise _RowProblem(_("Unknown field: %(name)s", name=", ".join(unknown)), unknown[0])
            username = raw.get("username")
            if _blank(username) or not isinstance(username, str):
                raise _RowProblem(_("A username is required."), "username")
            person = people.get(username.strip().lower())
            if person is None:
                raise _RowProblem(_("No one has the username %(name)s.", name=username.strip()), "username")
            slug = raw.get("metric")
            if _blank(slug) or not isinstance(slug, str):
                raise _RowProblem(_("A KPI slug is required."), "metric")
            metric = metrics.get(slug.strip().lower())
            if metric is None:
                raise _RowProblem(_("No KPI has the slug %(name)s.", name=slug.strip()), "metric")
            day = _day(raw.get("date"), today)
            value, numerator, denominator = _measure(raw, metric)
            key = (metric.id, day, person.id)
            if key in seen:
                first = seen[key]
                if lines is not None:
                    raise _RowProblem(_("%(name)s has %(metric)s for %(day)s on line %(line)d already.",
                                        name=person.username, metric=metric.slug, day=day.isoformat(),
                                        line=lines[first]))
                raise _RowProblem(_("%(name)s has %(metric)s for %(day)s in row %(row)d already.",
                                    name=person.username, metric=metric.slug, day=day.isoformat(), row=first))
            seen[key] = index
        except _RowProblem as problem:
            checked.errors.append(RowError(index, problem.message, problem.field, line))
            continue
        checked.rows.append(CleanRow(index, person.id, person.team_id, metric.id, day, value, numerator,
                                     denominator))
    return checked


# --- writing ---------------------------------------------------------------------------------

def upsert_values(rows: Sequence[CleanRow], *, now: datetime) -> None:
    """Insert or replace the rows (per metric, day, person) in bulk; then mark affected campaigns."""
    if not rows:
        return
    insert = dialect_insert(MetricValue.__table__)  # the table, not the model: no ORM bulk work
    stmt = insert.on_conflict_do_update(
        index_elements=["metric_id", "day", "person_id"],
        set_={"value": insert.excluded.value, "numerator": insert.excluded.numerator,
              "denominator": insert.excluded.denominator, "updated_at": insert.excluded.updated_at},
    )
    # Sorted, so that concurrent batches lock their rows in the same order (no deadlock).
    ordered = sorted(rows, key=lambda r: (r.metric_id, r.day, r.person_id))
    for start in range(0, len(ordered), WRITE_CHUNK):
        db.session.execute(stmt, [
            dict(metric_id=r.metric_id, day=r.day, person_id=r.person_id, value=r.value,
                 numerator=r.numerator, denominator=r.denominator, updated_at=now)
            for r in ordered[start:start + WRITE_CHUNK]
        ])
    mark_campaigns_for_metrics({r.metric_id for r in rows}, {r.team_id for r in rows if r.team_id},
                               min(r.day for r in rows), max(r.day for r in rows))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=org_timezone())


def mark_campaigns_for_metrics(metric_ids: Iterable[int], team_ids: Iterable[int], first: date,
                               last: date) -> None:
    """Add one to ``inputs_version`` of unpublished campaigns that read these KPIs for these teams
    on days overlapping ``first``..``last``: their stored standings are stale."""
    metric_ids, team_ids = sorted(set(metric_ids)), sorted(set(team_ids))
    if not metric_ids or not team_ids:
        return
    reads_metric = or_(
        Campaign.id.in_(select(Dimension.campaign_id).where(Dimension.metric_id.in_(metric_ids))),
        Campaign.id.in_(select(Requirement.campaign_id).where(Requirement.metric_id.in_(metric_ids))),
    )
    db.session.execute(
        update(Campaign)
        .where(Campaign.status != "published", reads_metric,
               Campaign.id.in_(select(campaign_teams.c.campaign_id).where(campaign_teams.c.team_id.in_(team_ids))),
               Campaign.starts_at < _local_midnight(last + timedelta(days=1)),
               Campaign.ends_at > _local_midnight(first))
        .values(inputs_version=Campaign.inputs_version + 1)
        .execution_options(synchronize_session=False)
    )


def org_today(now: datetime) -> date:
    return now.astimezone(org_timezone()).date()


@dataclass
class IntakeReport:
    accepted: int
    rejected: list[RowError]


def intake_rows(raw_rows: Sequence[Any], *, actor: Person | None, now: datetime) -> IntakeReport:
    """``POST /api/v1/metrics``: write the valid rows, report the others by index.

    :raise InvalidInput: for more rows than ``METRICS_MAX_ROWS_PER_REQUEST``
    """
    limit = int(current_app.config["METRICS_MAX_ROWS_PER_REQUEST"])
    if len(raw_rows) > limit:
        raise InvalidInput(_("At most %(n)d rows a request; send the rest in further requests.", n=limit),
                           field="rows")
    checked = check_rows(raw_rows, today=org_today(now))
    upsert_values(checked.rows, now=now)
    if checked.rows:
        audit(actor, "metrics.intake", None, accepted=len(checked.rows), rejected=len(checked.errors))
    return IntakeReport(len(checked.rows), checked.errors)


# --- CSV files -------------------------------------------------------------------------------

@dataclass
class MetricsCsvPlan:
    """A checked KPI file: whole-file errors, per-row errors (with lines) and the rows it would write."""

    file_errors: list[str] = field(default_factory=list)
    row_count: int = 0
    checked: CheckedRows = field(default_factory=CheckedRows)
    written: int = 0

    @property
    def row_errors(self) -> list[RowError]:
        return self.checked.errors

    @property
    def valid_rows(self) -> int:
        return len(self.checked.rows)

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.checked.errors)


def _csv_records(text: str, plan: MetricsCsvPlan) -> tuple[list[dict[str, str]], list[int]] | None:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str | None] | None = None
    records, lines = [], []
    limit = int(current_app.config["METRICS_CSV_MAX_ROWS"])
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if header is None:
                    header = [cell.strip().lower() or None for cell in cells]
                    unknown = [n for n in header if n and n not in CSV_COLUMNS]
                    if unknown:
                        plan.file_errors.append(_("Unknown column: %(name)s. The columns are: %(columns)s.",
                                                  name=", ".join(unknown), columns=", ".join(CSV_COLUMNS)))
                    missing = [n for n in REQUIRED_CSV_COLUMNS if n not in header]
                    if missing:
                        plan.file_errors.append(_("Required columns are missing: %(columns)s.",
                                                  columns=", ".join(missing)))
                    if plan.file_errors:
                        return None
                else:
                    if len(records) >= limit:
                        plan.file_errors.append(_("The file has more than %(n)d rows. Split it and import "
                                                  "each part.", n=limit))
                        return None
                    record = {name: cell for name, cell in zip(header, cells) if name}
                    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                        record["_extra"] = "1"
                    records.append(record)
                    lines.append(line)
            line = reader.line_num + 1
    except csv.Error:
        plan.file_errors.append(_("Line %(line)d cannot be read as CSV.", line=reader.line_num))
        return None
    if header is None:
        plan.file_errors.append(_("The file is empty."))
        return None
    if not records:
        plan.file_errors.append(_("The file has a header row but no KPI under it."))
        return None
    return records, lines


def plan_metrics_csv(data: bytes | str, *, now: datetime) -> MetricsCsvPlan:
    """Read and check a KPI file (UTF-8 or GBK); nothing is written."""
    plan = MetricsCsvPlan()
    try:
        text = decode_csv(data) if isinstance(data, bytes) else data
    except InvalidInput as error:
        plan.file_errors.append(error.message)
        return plan
    read = _csv_records(text, plan)
    if read is None:
        return plan
    records, lines = read
    plan.row_count = len(records)
    extra = {i for i, record in enumerate(records) if record.pop("_extra", None)}
    plan.checked = check_rows(records, today=org_today(now), lines=lines)
    if extra:
        plan.checked.errors.extend(RowError(i, _("This row has more cells than the header row."), None, lines[i])
                                   for i in sorted(extra))
        bad = {e.index for e in plan.checked.errors}
        plan.checked.rows = [r for r in plan.checked.rows if r.index not in bad]
        plan.checked.errors.sort(key=lambda e: e.index)
    return plan


def import_metrics_csv(data: bytes | str, *, actor: Person | None, now: datetime,
                       import_valid_rows: bool = False) -> MetricsCsvPlan:
    """Check a KPI file and write it: all rows when none is wrong; with ``import_valid_rows``, the
    valid rows of a file with bad ones. A whole-file error always writes nothing. The caller commits."""
    plan = plan_metrics_csv(data, now=now)
    if plan.file_errors or (plan.row_errors and not import_valid_rows):
        return plan
    upsert_values(plan.checked.rows, now=now)
    plan.written = len(plan.checked.rows)
    if plan.written:
        audit(actor, "metrics.import", None, written=plan.written, rejected=len(plan.row_errors))
    return plan


def metrics_template_csv(metrics: Sequence[MetricDefinition] = (), *, day: date | None = None) -> str:
    """A KPI file to start from: the header and an example row per kind (with a BOM, so Excel reads UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    example_day = (day or date(2026, 3, 15)).isoformat()
    value_metric = next((m.slug for m in metrics if not m.is_rate), "calls_handled")
    rate_metric = next((m.slug for m in metrics if m.is_rate), "csat")
    writer.writerow(("zhang.wei", example_day, value_metric, "42", "", ""))
    writer.writerow(("zhang.wei", example_day, rate_metric, "", "37", "40"))
    return "\ufeff" + out.getvalue()
