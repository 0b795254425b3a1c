"""The random call-monitoring roster: each ISO week, per supervisor, a fair sample of their agents.

Fair means least recently monitored first (by their last ``monitoring_random`` entry), then least
recently drawn, and random among equals; over the weeks everyone is drawn about as often.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from coaching.access import supervised_teams
from coaching.models import CoachingEntry, RosterDraw
from core.clock import org_timezone
from core.extensions import db
from core.models import Person, team_supervisors


def week_start(day: date) -> date:
    """The Monday of the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


def current_week_start(now: datetime) -> date:
    return week_start(now.astimezone(org_timezone()).date())


def roster_agents(supervisor: Person) -> Select:
    """Active agents of the teams the supervisor is named supervisor of."""
    return (
        select(Person)
        .where(Person.team_id.in_(supervised_teams(supervisor)), Person.role == "agent",
               Person.active.is_(True), Person.id != supervisor.id)
        .order_by(Person.id)
    )


def roster_week(supervisor: Person, week: date) -> Select:
    """The supervisor's draw for the week of ``week``."""
    return (
        select(RosterDraw)
        .where(RosterDraw.supervisor_id == supervisor.id, RosterDraw.week_start == week_start(week))
        .options(selectinload(RosterDraw.agent))
        .order_by(RosterDraw.id)
    )


def roster_history(supervisor: Person, before: date, *, weeks: int = 12) -> Select:
    """The supervisor's draws of the ``weeks`` weeks before the week of ``before``, newest week first."""
    until = week_start(before)
    return (
        select(RosterDraw)
        .where(RosterDraw.supervisor_id == supervisor.id, RosterDraw.week_start < until,
               RosterDraw.week_start >= until - timedelta(weeks=weeks))
        .options(selectinload(RosterDraw.agent))
        .order_by(RosterDraw.week_start.desc(), RosterDraw.id)
    )


def _latest(stmt: Select) -> dict[int, date]:
    return {agent_id: day for agent_id, day in db.session.execute(stmt)}


def draw_roster(supervisor: Person, week: date, *, rng: random.Random, now: datetime,
                size: int | None = None) -> list[RosterDraw]:
    """Draw the supervisor's sample for the week of ``week``; a week already drawn returns that draw."""
    week = week_start(week)
    existing = list(db.session.execute(roster_week(supervisor, week)).scalars())
    if existing:
        return existing
    agents = list(db.session.execute(roster_agents(supervisor)).scalars())
    ids = [agent.id for agent in agents]
    monitored = _latest(
        select(CoachingEntry.agent_id, func.max(CoachingEntry.occurred_on))
        .where(CoachingEntry.agent_id.in_(ids), CoachingEntry.kind == "monitoring_random",
               CoachingEntry.occurred_on < week + timedelta(days=7))
        .group_by(CoachingEntry.agent_id)
    )
    drawn = _latest(
        select(RosterDraw.agent_id, func.max(RosterDraw.week_start))
        .where(RosterDraw.agent_id.in_(ids), RosterDraw.week_start < week)
        .group_by(RosterDraw.agent_id)
    )
    groups: dict[tuple[date, date], list[Person]] = defaultdict(list)
    for agent in agents:
        groups[(monitored.get(agent.id, date.min), drawn.get(agent.id, date.min))].append(agent)
    ordered: list[Person] = []
    for key in sorted(groups):
        equals = groups[key]
        rng.shuffle(equals)
        ordered.extend(equals)
    size = current_app.config["ROSTER_SAMPLE_SIZE"] if size is None else size
    draws = [RosterDraw(supervisor_id=supervisor.id, agent_id=agent.id, week_start=week, drawn_at=now)
             for agent in ordered[:size]]
    db.session.add_all(draws)
    db.session.flush()
    return draws


def draw_all_rosters(week: date, *, rng: random.Random, now: datetime) -> dict[Person, list[RosterDraw]]:
    """Draw the week's sample for every active team supervisor (for the weekly job and the demo)."""
    supervisors = db.session.execute(
        select(Person).where(Person.active.is_(True), Person.id.in_(select(team_supervisors.c.person_id)))
        .order_by(Person.id)
    ).scalars()
    return {supervisor: draw_roster(supervisor, week, rng=rng, now=now) for supervisor in supervisors}


def tick_off(entry: CoachingEntry) -> None:
    """A random-monitoring entry ticks off the agent's draws of the week it happened in."""
    draws = db.session.execute(
        select(RosterDraw).where(RosterDraw.agent_id == entry.agent_id, RosterDraw.entry_id.is_(None),
                                 RosterDraw.week_start == week_start(entry.occurred_on))
    ).scalars()
    for draw in draws:
        draw.entry_id = entry.id
