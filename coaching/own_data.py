"""Coaching's part of a person's own-data export: coaching shared with them, their one-to-ones and journal.

Only what the person reads in the app already: entries about them once shared (a supervisor's draft is
still the supervisor's), the one-to-ones they sit in with their shared and agenda notes and their own
private notes (never the other participant's), and their journal. Entries a supervisor wrote about
agents belong to those agents' exports, not the supervisor's.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coaching import access, queries
from coaching.models import (
    CoachingAction, CoachingEntry, JournalEntry, OneToOne, OneToOneAction, OneToOneNote,
)
from core.clock import org_isoformat
from core.extensions import db
from core.models import Person


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def _action(action: CoachingAction | OneToOneAction) -> dict[str, Any]:
    return {"text": action.text, "owner": action.owner.username, "due_on": _day(action.due_on),
            "done_at": org_isoformat(action.done_at)}


def _entry(entry: CoachingEntry) -> dict[str, Any]:
    response, dispute = entry.response, entry.dispute
    return {
        "id": entry.id,
        "kind": entry.kind,
        "occurred_on": _day(entry.occurred_on),
        "author": entry.author.username,
        "state": entry.state,
        "interaction_ref": entry.interaction_ref,
        "went_well": entry.went_well,
        "to_improve": entry.to_improve,
        "qa_score": entry.qa_score,
        "follow_up_on": _day(entry.follow_up_on),
        "shared_at": org_isoformat(entry.shared_at),
        "actions": [_action(action) for action in entry.actions],
        "amendments": [{"field": amendment.field, "old": amendment.old_value, "new": amendment.new_value,
                        "reason": amendment.reason, "created_at": org_isoformat(amendment.created_at)}
                       for amendment in entry.amendments],
        "response": None if response is None else {
            "agrees": response.agrees, "comment": response.comment, "usefulness": response.usefulness,
            "created_at": org_isoformat(response.created_at)},
        "dispute": None if dispute is None else {
            "opened_at": org_isoformat(dispute.opened_at), "outcome": dispute.outcome,
            "resolution": dispute.resolution, "resolved_at": org_isoformat(dispute.resolved_at)},
    }


def _meetings(person: Person) -> list[dict[str, Any]]:
    meetings = list(db.session.execute(
        select(OneToOne).where(or_(OneToOne.agent_id == person.id, OneToOne.supervisor_id == person.id))
        .options(selectinload(OneToOne.supervisor), selectinload(OneToOne.agent),
                 selectinload(OneToOne.notes).selectinload(OneToOneNote.author))
        .order_by(OneToOne.scheduled_for, OneToOne.id)
    ).scalars())
    actions: dict[int, list[OneToOneAction]] = {}
    for action in db.session.execute(
        select(OneToOneAction).where(OneToOneAction.meeting_id.in_([m.id for m in meetings]))
        .options(selectinload(OneToOneAction.owner)).order_by(OneToOneAction.id)
    ).scalars():
        actions.setdefault(action.meeting_id, []).append(action)
    return [{
        "id": meeting.id,
        "supervisor": meeting.supervisor.username,
        "agent": meeting.agent.username,
        "scheduled_for": org_isoformat(meeting.scheduled_for),
        "completed_at": org_isoformat(meeting.completed_at),
        "notes": [{"kind": note.kind, "author": note.author.username, "text": note.text,
                   "created_at": org_isoformat(note.created_at)}
                  for note in access.visible_notes(person, meeting)],
        "actions": [_action(action) for action in actions.get(meeting.id, [])],
    } for meeting in meetings]


def coaching_data(person: Person) -> dict[str, Any]:
    entries = db.session.execute(
        queries.entries_of(person).order_by(None).order_by(CoachingEntry.occurred_on, CoachingEntry.id)
        .options(selectinload(CoachingEntry.actions).selectinload(CoachingAction.owner),
                 selectinload(CoachingEntry.amendments))
    ).scalars()
    journal = db.session.execute(select(JournalEntry).where(JournalEntry.person_id == person.id)
                                 .order_by(JournalEntry.created_at, JournalEntry.id)).scalars()
    return {
        "entries_about_me": [_entry(entry) for entry in entries],
        "one_to_ones": _meetings(person),
        "journal": [{"text": entry.text, "created_at": org_isoformat(entry.created_at)} for entry in journal],
    }
