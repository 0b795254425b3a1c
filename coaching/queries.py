"""Reads of coaching records, returned as ``select(...)``; every one is filtered by :mod:`coaching.access`.

Pages, the API and digests share these; a query that takes a viewer returns only what the viewer may see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from coaching import access, roster
from coaching.models import (
    CoachingAction, CoachingAmendment, CoachingConsent, CoachingDispute, CoachingEntry, CoachingResponse,
    JournalEntry, OneToOne, OneToOneAction, OneToOneNote,
)
from core.clock import org_timezone
from core.extensions import db
from core.models import Person, Team
from recognition import queries as recognition
from recognition.models import Announcement, BadgeAward, Kudos


def _live() -> ColumnElement[bool]:
    """Shared and not withdrawn."""
    return and_(CoachingEntry.shared_at.is_not(None), CoachingEntry.withdrawn_at.is_(None))


def _of(agent: Person | None, author: Person | None) -> list[ColumnElement[bool]]:
    """Conditions: one agent's shared entries and/or one author's (while they still lead the agent)."""
    conditions = []
    if agent is not None:
        conditions += [CoachingEntry.agent_id == agent.id, CoachingEntry.shared_at.is_not(None)]
    if author is not None:
        conditions += [CoachingEntry.author_id == author.id, access.entry_visible(author)]
    return conditions


# --- entries ---------------------------------------------------------------------------------

def visible_entries(viewer: Person, *, agent: Person | None = None) -> Select:
    """Entries the viewer may see (optionally of one agent), with what a summary shows; unordered."""
    stmt = (
        select(CoachingEntry)
        .where(access.entry_visible(viewer))
        .options(selectinload(CoachingEntry.agent), selectinload(CoachingEntry.author),
                 selectinload(CoachingEntry.team), selectinload(CoachingEntry.response),
                 selectinload(CoachingEntry.dispute))
    )
    if agent is not None:
        stmt = stmt.where(CoachingEntry.agent_id == agent.id)
    return stmt


def awaiting_response(agent: Person) -> Select:
    """Shared entries the agent has not acknowledged yet, oldest first."""
    answered = exists().where(CoachingResponse.entry_id == CoachingEntry.id)
    return (
        select(CoachingEntry)
        .where(CoachingEntry.agent_id == agent.id, _live(), ~answered)
        .options(selectinload(CoachingEntry.author))
        .order_by(CoachingEntry.shared_at, CoachingEntry.id)
    )


def unshared_drafts(author: Person, *, now: datetime) -> Select:
    """The author's drafts older than ``COACHING_SHARE_HOURS``: flagged to share or discard."""
    limit = now - timedelta(hours=current_app.config["COACHING_SHARE_HOURS"])
    return (
        select(CoachingEntry)
        .where(CoachingEntry.shared_at.is_(None), CoachingEntry.created_at < limit, *_of(None, author))
        .order_by(CoachingEntry.created_at, CoachingEntry.id)
    )


def is_share_overdue(entry: CoachingEntry, *, now: datetime) -> bool:
    limit = timedelta(hours=current_app.config["COACHING_SHARE_HOURS"])
    return entry.shared_at is None and now - entry.created_at > limit


# --- follow-ups ------------------------------------------------------------------------------

def open_actions(*, agent: Person | None = None, author: Person | None = None,
                 due_before: date | None = None) -> Select:
    """Agreed actions not done yet, of one agent and/or one author, soonest due first.

    ``due_before`` keeps the overdue ones (due before that day).
    """
    stmt = (
        select(CoachingAction)
        .join(CoachingAction.entry)
        .where(CoachingAction.done_at.is_(None), _live(), *_of(agent, author))
        .options(selectinload(CoachingAction.entry).selectinload(CoachingEntry.agent),
                 selectinload(CoachingAction.owner))
        .order_by(CoachingAction.due_on, CoachingAction.id)
    )
    if due_before is not None:
        stmt = stmt.where(CoachingAction.due_on < due_before)
    return stmt


def follow_ups_due(*, today: date, agent: Person | None = None, author: Person | None = None,
                   within_days: int = 0, overdue_only: bool = False) -> Select:
    """Entries whose follow-up date has come (or comes within ``within_days``), not followed up yet."""
    later = aliased(CoachingEntry)
    followed_up = exists().where(later.follow_up_of_id == CoachingEntry.id)
    until = today - timedelta(days=1) if overdue_only else today + timedelta(days=within_days)
    return (
        select(CoachingEntry)
        .where(_live(), CoachingEntry.follow_up_on <= until, ~followed_up, *_of(agent, author))
        .options(selectinload(CoachingEntry.agent))
        .order_by(CoachingEntry.follow_up_on, CoachingEntry.id)
    )


def open_disputes(manager: Person, *, now: datetime | None = None) -> Select:
    """Unresolved disputes for a manager over the agent's team (only the overdue ones, given ``now``)."""
    stmt = (
        select(CoachingDispute)
        .join(CoachingDispute.entry)
        .where(CoachingDispute.resolved_at.is_(None), access.entry_visible(manager),
               access.entry_agent_managed_by(manager))
        .options(selectinload(CoachingDispute.entry).selectinload(CoachingEntry.agent))
        .order_by(CoachingDispute.due_at, CoachingDispute.id)
    )
    if now is not None:
        stmt = stmt.where(CoachingDispute.due_at < now)
    return stmt


# --- one-to-ones -----------------------------------------------------------------------------

def visible_one_to_ones(viewer: Person) -> Select:
    """One-to-ones the viewer may see; unordered."""
    return (
        select(OneToOne)
        .where(access.one_to_one_visible(viewer))
        .options(selectinload(OneToOne.supervisor), selectinload(OneToOne.agent))
    )


def upcoming_one_to_ones(participant: Person) -> Select:
    """The participant's meetings not completed yet (overdue ones first), still visible to them."""
    return (
        select(OneToOne)
        .where(OneToOne.completed_at.is_(None),
               or_(OneToOne.agent_id == participant.id, OneToOne.supervisor_id == participant.id),
               access.one_to_one_visible(participant))
        .order_by(OneToOne.scheduled_for, OneToOne.id)
    )


def meeting_actions(meeting: OneToOne) -> Select:
    """Action items raised in the meeting, and those carried into it: raised in an earlier meeting of the
    pair and still open when the previous meeting ended (done ones show as done)."""
    raised_in = aliased(OneToOne)
    earlier = aliased(OneToOne)
    previous_end = (
        select(func.max(earlier.completed_at))
        .where(earlier.supervisor_id == meeting.supervisor_id, earlier.agent_id == meeting.agent_id,
               earlier.id < meeting.id)
        .scalar_subquery()
    )
    carried = and_(
        raised_in.id < meeting.id,
        raised_in.supervisor_id == meeting.supervisor_id,
        raised_in.agent_id == meeting.agent_id,
        or_(OneToOneAction.done_at.is_(None), OneToOneAction.done_at > previous_end),
    )
    return (
        select(OneToOneAction)
        .join(raised_in, OneToOneAction.meeting_id == raised_in.id)
        .where(or_(OneToOneAction.meeting_id == meeting.id, carried))
        .options(selectinload(OneToOneAction.owner))
        .order_by(OneToOneAction.id)
    )


# --- journal ---------------------------------------------------------------------------------

def journal_of(person: Person) -> Select:
    """The person's own journal; unordered. Nobody else's journal is ever read."""
    return select(JournalEntry).where(JournalEntry.person_id == person.id)


@dataclass
class MeetingDetail:
    """A meeting as one viewer sees it: the notes they may read, its action items (carried over too)."""

    meeting: OneToOne
    notes: list[OneToOneNote]
    actions: list[OneToOneAction]

    def __getattr__(self, name: str):
        return getattr(self.meeting, name)


def meeting_detail(meeting: OneToOne, viewer: Person) -> MeetingDetail:
    """Call with a meeting the viewer may see (:func:`coaching.access.visible_one_to_one_or_404`)."""
    actions = list(db.session.execute(meeting_actions(meeting)).scalars())
    return MeetingDetail(meeting, access.visible_notes(viewer, meeting), actions)


# --- the pages' reads ------------------------------------------------------------------------

def entry_detail(entry: CoachingEntry) -> CoachingEntry:
    """An entry found visible (:func:`coaching.access.visible_entry_or_404`) with everything its page shows,
    in a fixed number of queries."""
    return db.session.execute(
        select(CoachingEntry).where(CoachingEntry.id == entry.id)
        .options(selectinload(CoachingEntry.agent), selectinload(CoachingEntry.author),
                 selectinload(CoachingEntry.team), selectinload(CoachingEntry.response),
                 selectinload(CoachingEntry.dispute).selectinload(CoachingDispute.resolved_by),
                 selectinload(CoachingEntry.actions).selectinload(CoachingAction.owner),
                 selectinload(CoachingEntry.amendments).selectinload(CoachingAmendment.author),
                 selectinload(CoachingEntry.went_well_kudos))
        .execution_options(populate_existing=True)
    ).scalar_one()


def drafts_by(author: Person) -> Select:
    """The author's drafts (of agents they still lead), oldest first."""
    return (
        select(CoachingEntry)
        .where(CoachingEntry.shared_at.is_(None), *_of(None, author))
        .options(selectinload(CoachingEntry.agent))
        .order_by(CoachingEntry.created_at, CoachingEntry.id)
    )


def open_disputes_on(author: Person) -> Select:
    """Unresolved disputes of the author's entries, soonest due first."""
    return (
        select(CoachingDispute)
        .join(CoachingDispute.entry)
        .where(CoachingDispute.resolved_at.is_(None), *_of(None, author))
        .options(selectinload(CoachingDispute.entry).selectinload(CoachingEntry.agent))
        .order_by(CoachingDispute.due_at, CoachingDispute.id)
    )


def entries_of(agent: Person) -> Select:
    """The agent's own shared entries, newest first."""
    return (
        visible_entries(agent, agent=agent)
        .order_by(CoachingEntry.occurred_on.desc(), CoachingEntry.id.desc())
    )


def my_agents(lead: Person) -> Select:
    """The active agents of the teams the person is named supervisor of, with their team."""
    return roster.roster_agents(lead).options(selectinload(Person.team)).order_by(None).order_by(
        Person.name, Person.id)


@dataclass(frozen=True)
class AgentSummary:
    """What a lead sees of one agent's coaching at a glance."""

    agent: Person
    open_actions: int = 0
    overdue_actions: int = 0
    follow_ups_due: int = 0
    open_disputes: int = 0
    last_entry_on: date | None = None


def _not_followed_up() -> ColumnElement[bool]:
    later = aliased(CoachingEntry)
    return ~exists().where(later.follow_up_of_id == CoachingEntry.id)


def _overdue(column, today: date) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((column < today, 1), else_=0)), 0)


def agent_summaries(viewer: Person, agents: list[Person], *, today: date) -> list[AgentSummary]:
    """Open and overdue actions, due follow-ups, open disputes and the last entry of each agent, counting
    only entries the viewer may see: four queries whatever the number of agents."""
    ids = [agent.id for agent in agents]
    if not ids:
        return []
    mine = and_(CoachingEntry.agent_id.in_(ids), access.entry_visible(viewer))
    actions = {row[0]: row[1:] for row in db.session.execute(
        select(CoachingEntry.agent_id, func.count(CoachingAction.id), _overdue(CoachingAction.due_on, today))
        .join(CoachingAction.entry)
        .where(mine, _live(), CoachingAction.done_at.is_(None))
        .group_by(CoachingEntry.agent_id)
    )}
    follow_ups = dict(db.session.execute(
        select(CoachingEntry.agent_id, func.count(CoachingEntry.id))
        .where(mine, _live(), CoachingEntry.follow_up_on <= today, _not_followed_up())
        .group_by(CoachingEntry.agent_id)
    ).all())
    disputes = dict(db.session.execute(
        select(CoachingEntry.agent_id, func.count(CoachingDispute.id))
        .join(CoachingDispute.entry)
        .where(mine, CoachingDispute.resolved_at.is_(None))
        .group_by(CoachingEntry.agent_id)
    ).all())
    last = dict(db.session.execute(
        select(CoachingEntry.agent_id, func.max(CoachingEntry.occurred_on)).where(mine)
        .group_by(CoachingEntry.agent_id)
    ).all())
    return [
        AgentSummary(agent, open_actions=actions.get(agent.id, (0, 0))[0],
                     overdue_actions=actions.get(agent.id, (0, 0))[1],
                     follow_ups_due=follow_ups.get(agent.id, 0), open_disputes=disputes.get(agent.id, 0),
                     last_entry_on=last.get(agent.id))
        for agent in agents
    ]


@dataclass(frozen=True)
class TeamSummary:
    """A managed team's coaching at a glance (entries of its current members the manager may see)."""

    team: Team
    members: int = 0
    entries_shared: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    overdue_follow_ups: int = 0
    open_disputes: int = 0
    overdue_disputes: int = 0


def team_overview(manager: Person, *, today: date, now: datetime, days: int = 30) -> list[TeamSummary]:
    """Per team the manager oversees: entries shared in the last ``days``, open work and disputes.

    Five queries whatever the number of teams.
    """
    teams = list(db.session.execute(
        select(Team).where(Team.id.in_(access.managed_teams(manager)))
        .options(selectinload(Team.supervisors)).order_by(Team.name)
    ).scalars())
    if not teams:
        return []
    agent = aliased(Person)
    team_id = agent.team_id
    seen = and_(team_id.in_([team.id for team in teams]), access.entry_visible(manager))

    def per_team(*columns, join=None, where=()) -> dict[int, tuple]:
        stmt = select(team_id, *columns)
        stmt = (stmt.select_from(join).join(CoachingEntry, join.entry_id == CoachingEntry.id)
                if join is not None else stmt.select_from(CoachingEntry))
        stmt = stmt.join(agent, agent.id == CoachingEntry.agent_id).where(seen, *where).group_by(team_id)
        return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}

    members = dict(db.session.execute(
        select(Person.team_id, func.count(Person.id))
        .where(Person.team_id.in_([team.id for team in teams]), Person.active.is_(True))
        .group_by(Person.team_id)
    ).all())
    shared = per_team(func.count(CoachingEntry.id),
                      where=(_live(), CoachingEntry.shared_at >= now - timedelta(days=days)))
    actions = per_team(func.count(CoachingAction.id), _overdue(CoachingAction.due_on, today),
                       join=CoachingAction, where=(_live(), CoachingAction.done_at.is_(None)))
    follow_ups = per_team(func.count(CoachingEntry.id),
                          where=(_live(), CoachingEntry.follow_up_on < today, _not_followed_up()))
    disputes = per_team(func.count(CoachingDispute.id), _overdue(CoachingDispute.due_at, now),
                        join=CoachingDispute, where=(CoachingDispute.resolved_at.is_(None),))
    return [
        TeamSummary(
            team, members=members.get(team.id, 0), entries_shared=shared.get(team.id, (0,))[0],
            open_actions=actions.get(team.id, (0, 0))[0], overdue_actions=actions.get(team.id, (0, 0))[1],
            overdue_follow_ups=follow_ups.get(team.id, (0,))[0],
            open_disputes=disputes.get(team.id, (0, 0))[0], overdue_disputes=disputes.get(team.id, (0, 0))[1],
        )
        for team in teams
    ]


# --- one-to-one lists ------------------------------------------------------------------------

def _participant(person: Person) -> ColumnElement[bool]:
    return and_(or_(OneToOne.agent_id == person.id, OneToOne.supervisor_id == person.id),
                access.one_to_one_visible(person))


def my_upcoming_one_to_ones(person: Person) -> Select:
    """The person's meetings not completed yet, on either side, soonest (and overdue) first."""
    return (
        select(OneToOne).where(OneToOne.completed_at.is_(None), _participant(person))
        .options(selectinload(OneToOne.supervisor), selectinload(OneToOne.agent))
        .order_by(OneToOne.scheduled_for, OneToOne.id)
    )


def my_past_one_to_ones(person: Person) -> Select:
    """The person's completed meetings, on either side, newest first."""
    return (
        select(OneToOne).where(OneToOne.completed_at.is_not(None), _participant(person))
        .options(selectinload(OneToOne.supervisor), selectinload(OneToOne.agent))
        .order_by(OneToOne.scheduled_for.desc(), OneToOne.id.desc())
    )


def schedulable_agents(supervisor: Person) -> Select:
    """Active people of the teams the supervisor is named supervisor of (one-to-ones are theirs to run)."""
    return (
        select(Person)
        .where(Person.team_id.in_(access.supervised_teams(supervisor)), Person.active.is_(True),
               Person.id != supervisor.id)
        .order_by(Person.name, Person.id)
    )


def coachable_people(lead: Person) -> Select:
    """Active people of the teams the person leads (supervises, or manages the site of), but themselves."""
    return (
        select(Person)
        .where(or_(Person.team_id.in_(access.supervised_teams(lead)),
                   Person.team_id.in_(access.managed_teams(lead))),
               Person.active.is_(True), Person.id != lead.id)
        .order_by(Person.name, Person.id)
    )


# --- history consent -------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryConsent:
    """Whether the leads of the agent's current team may see the entries written in the agent's earlier
    teams: ``consent`` is ``None`` while the agent has not answered."""

    team: Team
    earlier_teams: list[Team]
    consent: CoachingConsent | None

    @property
    def undecided(self) -> bool:
        return self.consent is None

    @property
    def allowed(self) -> bool:
        return self.consent is not None and self.consent.revoked_at is None


def history_consent(agent: Person) -> HistoryConsent | None:
    """``None`` unless the agent, now in a team, has shared entries written in other teams."""
    if agent.team_id is None:
        return None
    earlier = list(db.session.execute(
        select(Team).where(Team.id.in_(
            select(CoachingEntry.team_id).where(CoachingEntry.agent_id == agent.id,
                                                CoachingEntry.shared_at.is_not(None),
                                                CoachingEntry.team_id != agent.team_id)
        )).order_by(Team.name)
    ).scalars())
    if not earlier:
        return None
    consent = db.session.execute(
        select(CoachingConsent).where(CoachingConsent.agent_id == agent.id,
                                      CoachingConsent.team_id == agent.team_id)
    ).scalar_one_or_none()
    return HistoryConsent(agent.team, earlier, consent)


# --- the growth timeline ---------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineItem:
    """One event of a growth timeline: ``kind`` is entry, one_to_one, kudos, badge or award."""

    kind: str
    at: datetime
    record: object


def growth_timeline(viewer: Person, agent: Person, *, start: date, end: date) -> list[TimelineItem]:
    """The agent's shared coaching entries and one-to-ones the viewer may see, with the kudos, badges and
    awards the agent received (public anyway), from ``start`` to ``end`` (org time), newest first.

    Call for a viewer who may see the agent's timeline (the agent, or a lead of the agent).
    """
    zone = org_timezone()
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    items: list[TimelineItem] = []
    entries = db.session.execute(
        visible_entries(viewer, agent=agent)
        .where(_live(), CoachingEntry.occurred_on >= start, CoachingEntry.occurred_on <= end)
    ).scalars()
    items += [TimelineItem("entry", datetime.combine(e.occurred_on, time.min, zone), e) for e in entries]
    meetings = db.session.execute(
        visible_one_to_ones(viewer)
        .where(OneToOne.agent_id == agent.id, OneToOne.scheduled_for >= since, OneToOne.scheduled_for < until)
    ).scalars()
    items += [TimelineItem("one_to_one", m.scheduled_for, m) for m in meetings]
    kudos = db.session.execute(
        recognition.kudos_feed(recipient=agent, since=since).where(Kudos.created_at < until)
    ).scalars().unique()
    items += [TimelineItem("kudos", k.created_at, k) for k in kudos]
    badges = db.session.execute(
        recognition.badges_of(agent).where(BadgeAward.created_at >= since, BadgeAward.created_at < until)
    ).scalars()
    items += [TimelineItem("badge", b.created_at, b) for b in badges]
    awards = db.session.execute(
        recognition.announcements(person=agent, since=since)
        .where(Announcement.kind == "award", Announcement.created_at < until)
    ).scalars()
    items += [TimelineItem("award", a.created_at, a) for a in awards]
    items.sort(key=lambda item: item.at, reverse=True)
    return items
