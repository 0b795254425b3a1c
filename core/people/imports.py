"""CSV import of people and teams: parse a file into a plan, check every row, apply it all or nothing.

The rules are the ones of the forms and the API: every value goes through the ``clean_*`` functions
of :mod:`core.services`, and writes go through its services, so an import audits like hand edits do.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import services
from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.models import ROLE_RANK, Person, Team

COLUMNS = ("username", "name", "email", "role", "team", "site", "team_timezone", "locale", "timezone",
           "leads")
REQUIRED_COLUMNS = ("username", "name", "email", "role")
MAX_ROWS = 20_000
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
TEMPLATE_ROWS = (
    ("zhang.wei", "张伟", "zhang.wei@example.com", "supervisor", "Shanghai Team 1", "Shanghai",
     "Asia/Shanghai", "zh_Hans_CN", "", "Shanghai Team 1"),
    ("anna.smith", "Anna Smith", "anna.smith@example.com", "agent", "Shanghai Team 1", "Shanghai",
     "Asia/Shanghai", "en", "Europe/London", ""),
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
LEADS_SEPARATOR = re.compile("[;；]")  # Chinese keyboards type the full-width semicolon
_LOOKUP_CHUNK = 1000


@dataclass
class RowError:
    column: str | None
    message: str


@dataclass
class ImportRow:
    """One person of the file, with the values the import will write (already cleaned)."""

    line: int
    username: str = ""
    name: str = ""
    email: str = ""
    role: str = ""
    team: str | None = None
    locale: str | None = None
    timezone: str | None = None
    leads: list[str] = field(default_factory=list)
    action: str = CREATE
    changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    person: Person | None = field(default=None, repr=False, compare=False)

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(column, message))


@dataclass
class NewTeam:
    name: str
    site: str | None
    timezone: str | None
    line: int


@dataclass
class ImportPlan:
    """What a file would do: the rows with their action and errors, the teams it creates."""

    text: str = ""
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    new_teams: list[NewTeam] = field(default_factory=list)
    applied: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def people_to_create(self) -> int:
        return self.count(CREATE)

    @property
    def people_to_update(self) -> int:
        return self.count(UPDATE)

    @property
    def people_unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def people_to_change(self) -> int:
        return self.people_to_create + self.people_to_update

    def preview_rows(self, limit: int) -> list[ImportRow]:
        """At most ``limit`` rows in file order, those with errors first to be kept."""
        if len(self.rows) <= limit:
            return self.rows
        wrong = [row for row in self.rows if row.errors][:limit]
        right = [row for row in self.rows if not row.errors][:limit - len(wrong)]
        kept = {row.line for row in wrong + right}
        return [row for row in self.rows if row.line in kept]


# --- reading ---------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else GBK as Excel saves it on Chinese Windows.

    :raise InvalidInput: when the bytes are not text in either encoding
    """
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL_CHARACTERS.search(text):
            return text
        break
    raise InvalidInput(_("This is not a CSV file. Save the sheet as CSV (UTF-8) and upload it again."),
                       field="file")


def _read_records(text: str, plan: ImportPlan) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """The header and the non-blank records with their first line; ``None`` after a whole-file error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if header is None:
                    header = cells
                else:
                    records.append((line, cells))
                    if len(records) > MAX_ROWS:
                        plan.file_errors.append(_("The file has more than %(n)d rows. Split it and import "
                                                  "each part.", n=MAX_ROWS))
                        return None
            line = reader.line_num + 1
    except csv.Error:
        plan.file_errors.append(_("Line %(line)d cannot be read as CSV.", line=reader.line_num))
        return None
    if header is None:
        plan.file_errors.append(_("The file is empty."))
        return None
    return header, records


def _columns(header: list[str], plan: ImportPlan) -> list[str | None] | None:
    """Each cell's column name (``None`` for a blank header cell), or ``None`` after a file error."""
    names = [cell.strip().lower() or None for cell in header]
    for name in dict.fromkeys(n for n in names if n):
        if name not in COLUMNS:
            plan.file_errors.append(_("Unknown column: %(name)s. The columns are: %(columns)s.",
                                      name=name, columns=", ".join(COLUMNS)))
        elif names.count(name) > 1:
            plan.file_errors.append(_("The column %(name)s appears more than once.", name=name))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        plan.file_errors.append(_("Required columns are missing: %(columns)s.", columns=", ".join(missing)))
    return None if plan.file_errors else names


# --- checking --------------------------------------------------------------------------------

def _clean(row: ImportRow, column: str, clean, value: str):
    """``clean(value)``, or ``None`` with the error noted against the CSV column."""
    try:
        return clean(value)
    except InvalidInput as error:
        row.fail(column, error.message)
        return None


def _existing_people(usernames: list[str]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for start in range(0, len(usernames), _LOOKUP_CHUNK):
        chunk = usernames[start:start + _LOOKUP_CHUNK]
        people.update((p.username, p) for p in db.session.execute(
            select(Person).where(Person.username.in_(chunk))
            .options(selectinload(Person.team), selectinload(Person.supervised_teams))).scalars())
    return people


class _Teams:
    """Team names of the database and of the file, matched without regard to case."""

    def __init__(self):
        self.existing = {t.name.casefold(): t for t in db.session.execute(select(Team)).scalars()}
        self.new: dict[str, NewTeam] = {}

    def name_of(self, name: str) -> str | None:
        key = name.casefold()
        if key in self.existing:
            return self.existing[key].name
        return self.new[key].name if key in self.new else None

    def claim(self, row: ImportRow, name: str, site: str | None, timezone: str | None) -> str:
        """The team's name as stored; a team new to the database is planned, with its site and zone."""
        key = name.casefold()
        if key in self.existing:
            return self.existing[key].name
        planned = self.new.get(key)
        if planned is None:
            self.new[key] = NewTeam(name, site, timezone, row.line)
            return name
        if (site and planned.site and site != planned.site) or (
                timezone and planned.timezone and timezone != planned.timezone):
            row.fail("team", _("Team %(name)s has another site or time zone on line %(line)d.",
                               name=planned.name, line=planned.line))
        planned.site = planned.site or site
        planned.timezone = planned.timezone or timezone
        return planned.name


def _check_row(row: ImportRow, cells: dict[str, str], person: Person | None, teams: _Teams) -> None:
    """Clean the row's values into ``row``; absent optional columns keep what a person has."""
    row.person = person
    row.name = _clean(row, "name", services.clean_name, cells["name"]) or ""
    row.email = _clean(row, "email", services.clean_email, cells["email"]) or ""
    row.role = _clean(row, "role", services.clean_role, cells["role"].strip().lower()) or ""
    row.locale = (_clean(row, "locale", services.clean_locale, cells["locale"].strip()) if "locale" in cells
                  else person.locale if person else None)
    row.timezone = (_clean(row, "timezone", services.clean_timezone, cells["timezone"].strip())
                    if "timezone" in cells else person.timezone if person else None)
    site = cells.get("site", "").strip()
    site = _clean(row, "site", services.clean_name, site) if site else None
    team_timezone = _clean(row, "team_timezone", services.clean_timezone,
                           cells.get("team_timezone", "").strip())
    if "team" not in cells:
        row.team = person.team.name if person and person.team else None
    elif cells["team"].strip():
        team = _clean(row, "team", services.clean_team_name, cells["team"])
        row.team = teams.claim(row, team, site, team_timezone) if team else None
    for name in dict.fromkeys(n.strip() for n in LEADS_SEPARATOR.split(cells.get("leads", "")) if n.strip()):
        team = _clean(row, "leads", services.clean_team_name, name)
        if team:
            row.leads.append(team)


def _check_leads(row: ImportRow, teams: _Teams) -> None:
    """Leads name teams of the database or of this file, and only for people who may lead."""
    resolved = []
    for name in row.leads:
        known = teams.name_of(name)
        if known is None:
            row.fail("leads", _("No team is called %(name)s.", name=name))
        else:
            resolved.append(known)
    row.leads = list(dict.fromkeys(resolved))
    if row.leads and row.role and ROLE_RANK[row.role] < ROLE_RANK["supervisor"]:
        row.fail("leads", _("%(name)s is an agent and cannot lead a team.", name=row.name or row.username))
    person = row.person
    if person is not None and row.role == "agent" and person.supervised_teams:
        row.fail("role", _("%(name)s leads %(teams)s: choose another supervisor there before making them "
                           "an agent.", name=person.name,
                           teams=", ".join(t.name for t in person.supervised_teams)))


def _decide_action(row: ImportRow) -> None:
    person = row.person
    if person is None:
        row.action = CREATE
        return
    current = dict(name=person.name, email=person.email, role=person.role, locale=person.locale,
                   timezone=person.timezone, team=person.team.name if person.team else None)
    wanted = dict(name=row.name, email=row.email, role=row.role, locale=row.locale,
                  timezone=row.timezone, team=row.team)
    row.changes = [key for key in wanted if wanted[key] != current[key]]
    led = {t.name for t in person.supervised_teams}
    if any(name not in led for name in row.leads):
        row.changes.append("leads")
    row.action = UPDATE if row.changes else UNCHANGED


def plan_import(data: bytes | str) -> ImportPlan:
    """Read a CSV file (bytes as uploaded, or its text) and check every row; nothing is written."""
    plan = ImportPlan()
    try:
        plan.text = (decode_csv(data) if isinstance(data, bytes) else data).lstrip("\ufeff")
    except InvalidInput as error:
        plan.file_errors.append(error.message)
        return plan
    read = _read_records(plan.text, plan)
    if read is None:
        return plan
    header, records = read
    columns = _columns(header, plan)
    if columns is None:
        return plan
    if not records:
        plan.file_errors.append(_("The file has a header row but no one under it."))
        return plan
    rows: list[tuple[ImportRow, dict[str, str]]] = []
    for line, values in records:
        row = ImportRow(line=line)
        if len(values) > len(columns) and any(v.strip() for v in values[len(columns):]):
            row.fail(None, _("This row has more cells than the header row."))
        cells = {name: value for name, value in zip(columns, values) if name}
        cells.update((name, "") for name in columns if name and name not in cells)
        row.username = _clean(row, "username", services.clean_username, cells["username"]) or ""
        rows.append((row, cells))
    people = _existing_people(sorted({row.username for row, _cells in rows if row.username}))
    teams = _Teams()
    first_line: dict[str, int] = {}
    for row, cells in rows:
        if row.username in first_line:
            row.fail("username", _("The username %(name)s is on line %(line)d already.",
                                   name=row.username, line=first_line[row.username]))
        elif row.username:
            first_line[row.username] = row.line
        _check_row(row, cells, people.get(row.username), teams)
        plan.rows.append(row)
    for row in plan.rows:
        _check_leads(row, teams)
        _decide_action(row)
    plan.new_teams = list(teams.new.values())
    return plan


# --- applying --------------------------------------------------------------------------------

def apply_import(plan: ImportPlan, *, actor: Person | None) -> None:
    """Write a checked plan through the people and team services, then flush; the caller commits.

    On an error the session holds part of the import: the caller must roll back.

    :raise InvalidInput: when the plan has errors
    :raise DomainError: when a service refuses a row (the database changed since the plan was made)
    """
    if plan.has_errors:
        raise InvalidInput(_("The file has errors: nothing was imported."))
    teams = {t.name: t for t in db.session.execute(select(Team)).scalars()}
    for new in plan.new_teams:
        teams[new.name] = services.create_team(new.name, site=new.site, timezone=new.timezone, actor=actor)
    leaders: dict[str, list[Person]] = {}
    for row in plan.rows:
        if row.action == UNCHANGED:
            continue
        team = teams[row.team] if row.team else None
        person = row.person
        if person is None:
            person = services.create_person(row.username, row.name, row.email, row.role, team=team,
                                            locale=row.locale, timezone=row.timezone, actor=actor)
        else:
            if set(row.changes) - {"team", "leads"}:
                services.update_person(person, name=row.name, email=row.email, role=row.role,
                                       locale=row.locale, timezone=row.timezone, actor=actor)
            services.move_person(person, team, actor=actor)
        for name in row.leads:
            leaders.setdefault(name, []).append(person)
    for name, people in leaders.items():
        team = teams[name]
        services.set_team_supervisors(team, [*team.supervisors, *people], actor=actor)
    db.session.flush()
    services.audit(actor, "people.import", None, created=plan.people_to_create,
                   updated=plan.people_to_update, teams_created=len(plan.new_teams))
    plan.applied = True


def import_people(data: bytes | str, *, actor: Person | None) -> ImportPlan:
    """Check the file again and apply it when no row is wrong.

    The caller commits when ``plan.applied`` and rolls back otherwise; a service error while applying
    becomes a whole-file error of the plan.
    """
    plan = plan_import(data)
    if not plan.has_errors:
        try:
            apply_import(plan, actor=actor)
        except DomainError as error:
            plan.file_errors.append(error.message)
    return plan


def template_csv() -> str:
    """A file to start from: the header and two example people (with a BOM, so Excel reads UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return "\ufeff" + out.getvalue()
