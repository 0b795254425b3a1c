"""`flask bench seed`: a large synthetic organisation in the configured database, for benchmarks.

Core makes the sites, teams with supervisors, people and the load generator's API tokens; each
area adds its own data through a seed step (:func:`add_seed_step`), run in the order the areas
registered them. Rows go in with ``insert()`` executemany in chunks (never ORM objects one by one,
never HTTP), all in one transaction: a failed seed leaves the database as it was.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import Table, func, insert, select, text
from werkzeug.security import generate_password_hash

from core import services
from core.clock import utcnow
from core.extensions import db
from core.models import Person, Site, Team, site_managers, team_supervisors
from core.people.search import person_search_text

SEED_STEPS = "bravo.bench_seed_steps"
CHUNK = 20_000
BENCH_PASSWORD = "bravo-bench"
DEFAULT_TOKENS_FILE = Path(__file__).resolve().parent.parent / "bench" / "results" / "tokens.txt"

# name, time zone, language of most people's names there
SITES = [
    ("Shanghai", "Asia/Shanghai", "zh"), ("London", "Europe/London", "en"),
    ("Chengdu", "Asia/Shanghai", "zh"), ("Manchester", "Europe/London", "en"),
    ("Dalian", "Asia/Shanghai", "zh"), ("Cardiff", "Europe/London", "en"),
    ("Wuhan", "Asia/Shanghai", "zh"), ("Glasgow", "Europe/London", "en"),
    ("Xi'an", "Asia/Shanghai", "zh"), ("Belfast", "Europe/London", "en"),
]
TEAM_KINDS = ["Care", "Billing", "Tech Support", "Retention", "Sales", "Complaints", "Onboarding"]
ZH_SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
               ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
               ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
               ("马", "ma"), ("罗", "luo")]
ZH_GIVEN = [("芳", "fang"), ("伟", "wei"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
            ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("杰", "jie"), ("婷", "ting"), ("浩", "hao"),
            ("晓雨", "xiaoyu"), ("子涵", "zihan"), ("雪", "xue"), ("鹏", "peng"), ("晨", "chen"),
            ("欣怡", "xinyi"), ("宇", "yu"), ("梅", "mei")]
EN_GIVEN = ["Emma", "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Sophie",
            "Leo", "Grace", "James", "Priya", "Tom", "Olivia", "Arthur", "Freya", "Mohammed"]
EN_SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
               "Wright", "Evans", "Walker", "Roberts", "Green", "Hall", "Clarke", "Hughes", "Baker",
               "Khan", "Murphy"]


@dataclass(frozen=True)
class SeedOptions:
    people: int = 5000
    teams: int = 250
    kudos: int = 1_000_000
    months: int = 12
    campaign_participants: int = 2000
    kpi_days: int = 30
    tokens: int = 200
    seed: int = 2026
    tokens_file: Path = DEFAULT_TOKENS_FILE  # other areas write their files for the load generator beside it


@dataclass
class SeedPerson:
    id: int
    username: str
    role: str
    team_id: int | None
    language: str  # "zh" or "en"


@dataclass
class SeedTeam:
    id: int
    name: str
    timezone: str
    members: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)


@dataclass
class Organisation:
    """What core made, handed to every area's seed step."""

    options: SeedOptions
    now: datetime
    rng: random.Random
    people: list[SeedPerson]
    teams: list[SeedTeam]
    # The people whose tokens drive the load generator; areas leave their current budgets whole.
    token_holders: set[int]

    def by_role(self, *roles: str) -> list[SeedPerson]:
        return [p for p in self.people if p.role in roles]


SeedStep = Callable[[Organisation], list[str]]


def add_seed_step(app: Flask, name: str, step: SeedStep) -> None:
    """Let an area add its data to `flask bench seed`; ``step`` returns lines to print."""
    app.extensions.setdefault(SEED_STEPS, []).append((name, step))


def seed_steps() -> list[tuple[str, SeedStep]]:
    return current_app.extensions.get(SEED_STEPS, [])


# --- bulk writing helpers for the steps -------------------------------------------------------

def bulk_insert(table: Table, rows: Sequence[dict]) -> int:
    """INSERT ``rows`` (dicts with the same keys) with executemany, ``CHUNK`` rows at a time."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])
    return len(rows)


def next_id(table: Table) -> int:
    """The first free id of a table, for steps that set ids themselves to link rows without reading back."""
    return (db.session.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def sync_id_sequence(table: Table) -> None:
    """After inserting explicit ids: move PostgreSQL's sequence past them (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
        ))


def empty_database() -> None:
    """Delete every row of every table of the application (not Alembic's version)."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())


def _tune_sqlite_for_bulk_load() -> None:
    # A large page cache keeps the random-order index inserts of a million rows in memory.
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("PRAGMA cache_size = -400000"))


# --- the organisation ---------------------------------------------------------------------------

def _check(options: SeedOptions) -> None:
    for name in ("people", "teams", "kudos", "months", "campaign_participants", "kpi_days", "tokens"):
        if getattr(options, name) < 0:
            raise click.ClickException(_("--%(name)s must be 0 or more.", name=name.replace("_", "-")))
    if options.teams < 1 or options.months < 1:
        raise click.ClickException(_("--teams and --months must be at least 1."))
    least = 2 * options.teams + _site_count(options.teams) + 1
    if options.people < least:
        raise click.ClickException(_(
            "--people must be at least %(least)d for %(teams)d teams "
            "(a supervisor and an agent per team, a manager per site, an admin).",
            least=least, teams=options.teams,
        ))


def _site_count(teams: int) -> int:
    return max(1, min(len(SITES), teams, max(2, teams // 25)))


def _name(rng: random.Random, language: str, number: int) -> tuple[str, str]:
    """A display name and a unique username: ``王芳 Wang Fang`` / ``wang.fang17``, ``Emma Clarke`` / ``emma.clarke18``."""
    if language == "zh":
        (surname, surname_py), (given, given_py) = rng.choice(ZH_SURNAMES), rng.choice(ZH_GIVEN)
        return f"{surname}{given} {surname_py.title()} {given_py.title()}", f"{surname_py}.{given_py}{number}"
    given, surname = rng.choice(EN_GIVEN), rng.choice(EN_SURNAMES)
    return f"{given} {surname}", f"{given.lower()}.{surname.lower()}{number}"


def seed_organisation(options: SeedOptions, now: datetime, rng: random.Random) -> Organisation:
    """Sites, teams, people (an admin or two, a manager per site, a supervisor per team, agents)."""
    sites = SITES[:_site_count(options.teams)]
    created = now - timedelta(days=round(options.months * 30.5) + 30)
    bulk_insert(Site.__table__, [{"name": name} for name, _tz, _lang in sites])
    site_ids = dict(db.session.execute(select(Site.name, Site.id)).all())
    team_rows = []
    for index in range(options.teams):
        site, zone, _lang = sites[index % len(sites)]
        kind = TEAM_KINDS[(index // len(sites)) % len(TEAM_KINDS)]
        team_rows.append({"name": f"{site} {kind} {index // len(sites) + 1}", "site_id": site_ids[site],
                          "timezone": zone, "active": True, "created_at": created})
    bulk_insert(Team.__table__, team_rows)
    teams = [SeedTeam(id, name, zone) for id, name, zone in db.session.execute(
        select(Team.id, Team.name, Team.timezone).where(Team.name.in_([r["name"] for r in team_rows]))
        .order_by(Team.id))]
    language_of_team = {team.id: sites[i % len(sites)][2] for i, team in enumerate(teams)}

    admins = 2 if options.people >= 100 else 1
    plan: list[tuple[str, SeedTeam | None, str]] = [("admin", None, "zh" if i == 0 else "en") for i in range(admins)]
    plan += [("manager", None, lang) for _site, _tz, lang in sites]
    plan += [("supervisor", team, language_of_team[team.id]) for team in teams]
    agents = options.people - len(plan)
    plan += [("agent", teams[i % len(teams)], language_of_team[teams[i % len(teams)].id]) for i in range(agents)]

    password_hash = generate_password_hash(BENCH_PASSWORD)
    rows, seen = [], set()
    for number, (role, team, site_language) in enumerate(plan, 1):
        # One person in eight has a name from the other language, as on real floors.
        language = site_language if rng.random() < 0.875 else ("en" if site_language == "zh" else "zh")
        name, username = _name(rng, language, number)
        seen.add(username)
        rows.append({"username": username, "name": name, "email": f"{username}@bench.example.com",
                     "role": role, "team_id": team.id if team else None,
                     "locale": "zh_Hans_CN" if language == "zh" else "en", "active": True,
                     "password_hash": password_hash, "created_at": created,
                     "search_text": person_search_text(name, username)})
    bulk_insert(Person.__table__, rows)
    ids = dict(db.session.execute(select(Person.username, Person.id)
                                  .where(Person.email.like("%@bench.example.com"))).all())
    people = [SeedPerson(ids[r["username"]], r["username"], r["role"], r["team_id"],
                         "zh" if r["locale"] == "zh_Hans_CN" else "en") for r in rows]

    team_by_id = {team.id: team for team in teams}
    for person in people:
        if person.team_id is not None:
            team_by_id[person.team_id].members.append(person.id)
            if person.role == "supervisor":
                team_by_id[person.team_id].supervisors.append(person.id)
    bulk_insert(team_supervisors, [{"team_id": t.id, "person_id": s} for t in teams for s in t.supervisors])
    managers = [p for p in people if p.role == "manager"]
    bulk_insert(site_managers, [{"site_id": site_ids[site[0]], "person_id": manager.id}
                                for site, manager in zip(sites, managers)])

    agents_in_order = [p for p in people if p.role == "agent"]
    step = max(1, len(agents_in_order) // max(1, options.tokens)) if options.tokens else 1
    holders = {p.id for p in agents_in_order[::step][:options.tokens]}
    return Organisation(options, now, rng, people, teams, holders)


def create_tokens(org: Organisation) -> list[tuple[str, str]]:
    """A personal API token for each token holder (through the service: digest stored, audited)."""
    tokens = []
    for person in org.people:
        if person.id in org.token_holders:
            _record, token = services.create_token(db.session.get(Person, person.id), label="bench")
            tokens.append((person.username, token))
    return tokens


def write_tokens_file(path: Path, tokens: Iterable[tuple[str, str]]) -> None:
    """``username<TAB>token`` lines for the load generator; readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{username}\t{token}\n" for username, token in tokens))
    path.chmod(0o600)


# --- the command ------------------------------------------------------------------------------

bench_cli = AppGroup("bench", help="Benchmarks.")


def _has_people() -> bool:
    return db.session.execute(select(Person.id).limit(1)).first() is not None


@bench_cli.command("seed")
@click.option("--people", default=SeedOptions.people, show_default=True, type=int)
@click.option("--teams", default=SeedOptions.teams, show_default=True, type=int)
@click.option("--kudos", default=SeedOptions.kudos, show_default=True, type=int)
@click.option("--months", default=SeedOptions.months, show_default=True, type=int,
              help="Months of history, up to now.")
@click.option("--campaign-participants", default=SeedOptions.campaign_participants, show_default=True,
              type=int)
@click.option("--kpi-days", default=SeedOptions.kpi_days, show_default=True, type=int,
              help="Days of daily metric rows for the campaign participants.")
@click.option("--tokens", default=SeedOptions.tokens, show_default=True, type=int,
              help="Agents given an API token for the load generator.")
@click.option("--tokens-file", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_TOKENS_FILE,
              show_default=True)
@click.option("--seed", default=SeedOptions.seed, show_default=True, type=int, help="Random seed.")
@click.option("--force", is_flag=True, help="Empty a database that has people, then seed it.")
def seed_command(people, teams, kudos, months, campaign_participants, kpi_days, tokens, tokens_file, seed,
                 force) -> None:
    """Fill the configured database with a large synthetic organisation (bulk inserts, one transaction)."""
    options = SeedOptions(people, teams, kudos, months, campaign_participants, kpi_days, tokens, seed, tokens_file)
    _check(options)
    url = db.engine.url.render_as_string(hide_password=True)
    if _has_people() and not force:
        db.session.rollback()
        raise click.ClickException(_(
            "%(url)s already has people; `flask bench seed` fills an empty database. "
            "Use --force to empty it and seed anew.", url=url,
        ))
    click.echo(f"Seeding {url}")
    started = time.perf_counter()
    _tune_sqlite_for_bulk_load()
    try:
        if force:
            _timed("emptied the database (--force)", empty_database)
        org = _timed("organisation", lambda: seed_organisation(options, utcnow(), random.Random(seed)))
        _echo_lines([_describe(org)])
        made_tokens = _timed("API tokens", lambda: create_tokens(org))
        _echo_lines([f"{len(made_tokens)} agents, written to {tokens_file}"])
        steps = seed_steps()
        for name, step in steps:
            _echo_lines(_timed(name, lambda step=step: step(org)))
        if "campaigns" not in {name for name, _step in steps}:
            click.echo("  campaigns: skipped (the campaigns area is not installed yet; "
                       f"--campaign-participants {campaign_participants} --kpi-days {kpi_days} unused)")
        _timed("commit", db.session.commit)
    except BaseException:
        db.session.rollback()
        raise
    _timed("planner statistics (ANALYZE)", _analyze)
    write_tokens_file(tokens_file, made_tokens)
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")


def _timed(label: str, work: Callable[[], Any]) -> Any:
    begun = time.perf_counter()
    result = work()
    click.echo(f"  {label}: {time.perf_counter() - begun:.1f} s")
    return result


def _echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(f"    {line}")


def _describe(org: Organisation) -> str:
    counts = ", ".join(f"{len(org.by_role(role))} {role}s" for role in ("admin", "manager", "supervisor", "agent"))
    return f"{len(org.people)} people in {len(org.teams)} teams on {_site_count(len(org.teams))} sites: {counts}"


def _analyze() -> None:
    db.session.execute(text("ANALYZE"))
    db.session.commit()
