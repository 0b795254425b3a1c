"""Who sees and writes coaching records: THE one place that decides.

A coaching entry or one-to-one is visible to
- its agent (an entry once shared),
- its author (the supervisor, for a one-to-one) while they still lead the agent (drafts: the author only),
- the leads of the agent's current team: its supervisors and the managers of its site. A record written
  in another team is theirs to see only when they led that team too, or when the agent consented to
  show their history to the current team (:class:`~coaching.models.CoachingConsent`).
An admin role alone gives no coaching access. Everyone else gets a 404. Private one-to-one notes are
the author's only, and a journal is its writer's only.

The rule is one SQL predicate, so lists (:mod:`coaching.queries`) and single records agree by construction.
"""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from coaching.models import (
    CoachingAction, CoachingConsent, CoachingEntry, JournalEntry, OneToOne, OneToOneAction, OneToOneNote,
)
from core.access import has_role, visible_or_404
from core.errors import NotAllowed
from core.extensions import db
from core.models import Person, Team, site_managers, team_supervisors

# --- leadership ------------------------------------------------------------------------------

def _is_signed_in(person: Person | None) -> bool:
    return has_role(person, "agent")


def supervised_teams(person: Person) -> Select:
    """Ids of the teams the person is named supervisor of."""
    return select(team_supervisors.c.team_id).where(team_supervisors.c.person_id == person.id).correlate(None)


def managed_teams(person: Person) -> Select:
    """Ids of the teams on the sites a manager (or an admin named site manager) manages; none for others."""
    stmt = select(Team.id).join(site_managers, site_managers.c.site_id == Team.site_id).correlate(None)
    if not has_role(person, "manager"):
        return stmt.where(false())
    return stmt.where(site_managers.c.person_id == person.id)


def _leads_team_column(person: Person, team_id) -> ColumnElement[bool]:
    if not has_role(person, "supervisor"):
        return false()
    return or_(team_id.in_(supervised_teams(person)), team_id.in_(managed_teams(person)))


def _agent_team(model) -> ColumnElement:
    """The current team of the record's agent."""
    agent = aliased(Person)
    return select(agent.team_id).where(agent.id == model.agent_id).correlate(model).scalar_subquery()


def _agent_team_is(person: Person | None, agent: Person, condition: Callable) -> bool:
    """Whether ``condition(person, Team.id)`` holds for the agent's current team (never for oneself)."""
    if not _is_signed_in(person) or agent.team_id is None or person.id == agent.id:
        return False
    stmt = select(condition(person, Team.id)).where(Team.id == agent.team_id)
    return bool(db.session.execute(stmt).scalar())


def leads_agent(person: Person | None, agent: Person) -> bool:
    """True when the person supervises the agent's current team or manages its site (not by role alone)."""
    return _agent_team_is(person, agent, _leads_team_column)


def is_supervisor_of_agent(person: Person | None, agent: Person) -> bool:
    """True when the person is a named supervisor of the agent's current team."""
    return _agent_team_is(person, agent, lambda p, team_id: team_id.in_(supervised_teams(p)))


def is_manager_of_agent(person: Person | None, agent: Person) -> bool:
    """True when the person manages the site of the agent's current team."""
    return _agent_team_is(person, agent, lambda p, team_id: team_id.in_(managed_teams(p)))


# --- the visibility predicate ----------------------------------------------------------------

def _record_visible(viewer: Person, model, author_column, shared: ColumnElement[bool]) -> ColumnElement[bool]:
    """Whether a row of ``model`` (with ``agent_id`` and ``team_id``) is visible to ``viewer``."""
    agent_team = _agent_team(model)
    leads = _leads_team_column(viewer, agent_team)
    history_allowed = or_(
        model.team_id == agent_team,
        _leads_team_column(viewer, model.team_id),
        exists().where(CoachingConsent.agent_id == model.agent_id, CoachingConsent.team_id == agent_team,
                       CoachingConsent.revoked_at.is_(None)),
    )
    return or_(
        and_(model.agent_id == viewer.id, shared),
        and_(author_column == viewer.id, leads),
        and_(shared, leads, history_allowed),
    )


def entry_visible(viewer: Person | None) -> ColumnElement[bool]:
    """SQL condition: the coaching entry is visible to ``viewer``."""
    if not _is_signed_in(viewer):
        return false()
    shared = CoachingEntry.shared_at.is_not(None)
    return _record_visible(viewer, CoachingEntry, CoachingEntry.author_id, shared)


def one_to_one_visible(viewer: Person | None) -> ColumnElement[bool]:
    """SQL condition: the one-to-one (without its private notes) is visible to ``viewer``."""
    if not _is_signed_in(viewer):
        return false()
    return _record_visible(viewer, OneToOne, OneToOne.supervisor_id, true())


def entry_agent_managed_by(person: Person) -> ColumnElement[bool]:
    """SQL condition: the entry's agent is now in a team on a site the person manages."""
    return _agent_team(CoachingEntry).in_(managed_teams(person))


def _exists(model, ident: int, condition: ColumnElement[bool]) -> bool:
    return bool(db.session.execute(select(exists().where(model.id == ident, condition))).scalar())


# --- entries ---------------------------------------------------------------------------------

def can_view_entry(person: Person | None, entry: CoachingEntry) -> bool:
    return _exists(CoachingEntry, entry.id, entry_visible(person))


def visible_entry_or_404(person: Person | None, ident: int) -> CoachingEntry:
    """:raise NotFound: when there is no such entry or the person may not see it"""
    return visible_or_404(person, CoachingEntry, ident, can_view_entry)


def visible_action_or_404(person: Person | None, ident: int) -> CoachingAction:
    return visible_or_404(person, CoachingAction, ident, lambda p, a: can_view_entry(p, a.entry))


def can_coach(person: Person | None, agent: Person) -> bool:
    """Supervisors of the agent's current team and managers over it write coaching entries."""
    return leads_agent(person, agent)


def require_can_coach(person: Person, agent: Person) -> None:
    """:raise NotAllowed: unless the person leads the agent's current team"""
    if not can_coach(person, agent):
        raise NotAllowed(_("You can only coach agents of the teams you lead."), field="agent")


def require_author(person: Person, entry: CoachingEntry) -> None:
    if person.id != entry.author_id:
        raise NotAllowed(_("Only the author of this entry can do this."))


def require_agent(person: Person, record: CoachingEntry | OneToOne) -> None:
    if person.id != record.agent_id:
        raise NotAllowed(_("Only the agent can do this."))


def can_amend(person: Person, entry: CoachingEntry) -> bool:
    """The author while they still lead the agent, or a manager over the agent's team."""
    if person.id == entry.author_id:
        return leads_agent(person, entry.agent)
    return is_manager_of_agent(person, entry.agent)


def require_can_amend(person: Person, entry: CoachingEntry) -> None:
    if not can_amend(person, entry):
        raise NotAllowed(_("Only the author or a manager over the agent's team can amend this entry."))


def require_dispute_manager(person: Person, entry: CoachingEntry) -> None:
    if not is_manager_of_agent(person, entry.agent):
        raise NotAllowed(_("Only a manager over the agent's team can resolve this dispute."))


# --- one-to-ones -----------------------------------------------------------------------------

def can_view_one_to_one(person: Person | None, meeting: OneToOne) -> bool:
    return _exists(OneToOne, meeting.id, one_to_one_visible(person))


def visible_one_to_one_or_404(person: Person | None, ident: int) -> OneToOne:
    return visible_or_404(person, OneToOne, ident, can_view_one_to_one)


def visible_one_to_one_action_or_404(person: Person | None, ident: int) -> OneToOneAction:
    return visible_or_404(person, OneToOneAction, ident, lambda p, a: can_view_one_to_one(p, a.meeting))


def can_view_note(person: Person | None, note: OneToOneNote) -> bool:
    """Private notes: their author only, nobody else; the others: whoever sees the meeting."""
    if note.kind == "private" and not (_is_signed_in(person) and person.id == note.author_id):
        return False
    return can_view_one_to_one(person, note.meeting)


def visible_notes(person: Person, meeting: OneToOne) -> list[OneToOneNote]:
    """The meeting's notes this person may read (call after the meeting itself was found visible)."""
    return [note for note in meeting.notes if note.kind != "private" or note.author_id == person.id]


def can_schedule_one_to_one(person: Person | None, agent: Person) -> bool:
    return is_supervisor_of_agent(person, agent)


def require_participant(person: Person, meeting: OneToOne) -> None:
    if not meeting.is_participant(person):
        raise NotAllowed(_("Only the two participants can do this."))


# --- journal ---------------------------------------------------------------------------------

def can_view_journal_entry(person: Person | None, entry: JournalEntry) -> bool:
    return _is_signed_in(person) and person.id == entry.person_id
