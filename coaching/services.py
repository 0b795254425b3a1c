"""Rules and writes for coaching entries, their follow-ups, one-to-ones, history consent and the journal.

Plain functions: callers pass the actor and ``now``; access to *read* a record is checked by the caller
through :mod:`coaching.access`, the rules of *writing* are checked here.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from coaching import access, roster
from coaching.models import (
    CADENCES, DISPUTE_OUTCOMES, ENTRY_KINDS, NOTE_KINDS, CoachingAction, CoachingAmendment, CoachingConsent,
    CoachingDispute, CoachingEntry, CoachingResponse, JournalEntry, OneToOne, OneToOneAction, OneToOneNote,
)
from core.clock import org_timezone
from core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from core.extensions import db
from core.models import Person, Team
from core.services import audit
from recognition import services as recognition
from recognition.models import Kudos, Value

TEXT_MAX = 5000
ACTION_MAX = 500
JOURNAL_MAX = 10000
REF_MAX = 120
METRIC_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
# Fields of an entry that a draft edit or an amendment may change (kind and agent never change).
ENTRY_FIELDS = ("occurred_on", "interaction_ref", "went_well", "to_improve", "follow_up_on", "target_metric",
                "qa_score")
GROWTH_NOTE_KINDS = ("growth_goal", "learned")


@dataclass(frozen=True)
class ActionDraft:
    """An action agreed in a coaching entry; ``owner`` is ``"agent"`` or ``"author"``."""

    text: str
    due_on: date | str
    owner: str = "agent"


def org_today(now: datetime) -> date:
    return now.astimezone(org_timezone()).date()


# --- field cleaning --------------------------------------------------------------------------

def _clean_text(value: str | None, field: str, *, max_length: int = TEXT_MAX, required: bool = False) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("Enter text."), field=field)
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("This field is required."), field=field)
    if len(text) > max_length:
        raise InvalidInput(_("At most %(n)d characters.", n=max_length), field=field)
    return text


def _as_date(value: date | str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field=field)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field=field) from None


def _as_score(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(_("A QA score is a whole number from 0 to 100."), field="qa_score")
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("A QA score is a whole number from 0 to 100."), field="qa_score") from None
    if str(score) != str(value).strip() or not 0 <= score <= 100:
        raise InvalidInput(_("A QA score is a whole number from 0 to 100."), field="qa_score")
    return score


def clean_kind(kind: str) -> str:
    if kind not in ENTRY_KINDS:
        raise InvalidInput(_("Kind must be one of: %(kinds)s.", kinds=", ".join(ENTRY_KINDS)), field="kind")
    return kind


def _validated_fields(kind: str, values: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """All entry fields cleaned and checked together (a QA score belongs to a QA evaluation...)."""
    occurred_on = _as_date(values.get("occurred_on"), "occurred_on")
    if occurred_on is None:
        raise InvalidInput(_("Enter the date of the conversation."), field="occurred_on")
    if occurred_on > today:
        raise InvalidInput(_("The date cannot be in the future."), field="occurred_on")
    follow_up_on = _as_date(values.get("follow_up_on"), "follow_up_on")
    if follow_up_on is not None and follow_up_on < occurred_on:
        raise InvalidInput(_("The follow-up cannot be before the conversation."), field="follow_up_on")
    qa_score = _as_score(values.get("qa_score"))
    if kind == "qa_evaluation" and qa_score is None:
        raise InvalidInput(_("A QA evaluation needs a QA score from 0 to 100."), field="qa_score")
    if kind != "qa_evaluation" and qa_score is not None:
        raise InvalidInput(_("Only a QA evaluation has a QA score."), field="qa_score")
    target_metric = _clean_text(values.get("target_metric"), "target_metric", max_length=64) or None
    if target_metric is not None and not METRIC_SLUG.match(target_metric):
        raise InvalidInput(_("A metric is named by its slug, e.g. aht or fcr_rate."), field="target_metric")
    return {
        "occurred_on": occurred_on,
        "interaction_ref": _clean_text(values.get("interaction_ref"), "interaction_ref", max_length=REF_MAX)
        or None,
        "went_well": _clean_text(values.get("went_well"), "went_well"),
        "to_improve": _clean_text(values.get("to_improve"), "to_improve"),
        "follow_up_on": follow_up_on,
        "target_metric": target_metric,
        "qa_score": qa_score,
    }


def _build_actions(drafts: Iterable[ActionDraft], *, author: Person, agent: Person,
                   not_before: date) -> list[CoachingAction]:
    owners = {"agent": agent, "author": author}
    actions = []
    for index, draft in enumerate(drafts):
        field = f"actions.{index}"
        text = _clean_text(draft.text, f"{field}.text", max_length=ACTION_MAX, required=True)
        due_on = _as_date(draft.due_on, f"{field}.due_on")
        if due_on is None:
            raise InvalidInput(_("Enter a due date."), field=f"{field}.due_on")
        if due_on < not_before:
            raise InvalidInput(_("The due date cannot be before the conversation."), field=f"{field}.due_on")
        if draft.owner not in owners:
            raise InvalidInput(_("An action is owned by the agent or the author."), field=f"{field}.owner")
        actions.append(CoachingAction(text=text, due_on=due_on, owner=owners[draft.owner]))
    return actions


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


# --- entries ---------------------------------------------------------------------------------

def create_entry(
    author: Person,
    agent: Person,
    *,
    kind: str,
    occurred_on: date | str,
    went_well: str = "",
    to_improve: str = "",
    actions: Iterable[ActionDraft] = (),
    follow_up_on: date | str | None = None,
    interaction_ref: str | None = None,
    qa_score: int | None = None,
    target_metric: str | None = None,
    follow_up_of: CoachingEntry | None = None,
    now: datetime,
) -> CoachingEntry:
    """Write a draft coaching entry in the agent's current team; a random-monitoring entry ticks the roster.

    :raise NotAllowed: unless the author leads the agent's current team
    :raise InvalidInput: when a field is malformed
    """
    access.require_can_coach(author, agent)
    kind = clean_kind(kind)
    values = _validated_fields(kind, {
        "occurred_on": occurred_on, "went_well": went_well, "to_improve": to_improve,
        "follow_up_on": follow_up_on, "interaction_ref": interaction_ref, "qa_score": qa_score,
        "target_metric": target_metric,
    }, today=org_today(now))
    action_rows = _build_actions(actions, author=author, agent=agent, not_before=values["occurred_on"])
    if follow_up_of is not None and follow_up_of.agent_id != agent.id:
        raise InvalidInput(_("A follow-up follows an entry of the same agent."), field="follow_up_of")
    entry = CoachingEntry(agent=agent, author=author, team_id=agent.team_id, kind=kind, created_at=now,
                          updated_at=now, follow_up_of_id=follow_up_of.id if follow_up_of else None, **values)
    entry.actions = action_rows
    db.session.add(entry)
    db.session.flush()
    if kind == "monitoring_random":
        roster.tick_off(entry)
    audit(author, "coaching.create", entry, agent=agent.username, kind=kind)
    return entry


_UNSET = object()


def update_draft(entry: CoachingEntry, actor: Person, *, now: datetime,
                 actions: Iterable[ActionDraft] | object = _UNSET, **changes: object) -> CoachingEntry:
    """Edit a draft in place (its author only); ``actions``, when given, replace the draft's actions.

    :raise Conflict: when the entry is shared already (amend it instead)
    """
    access.require_author(actor, entry)
    access.require_can_coach(actor, entry.agent)
    if entry.shared_at is not None:
        raise Conflict(_("A shared entry is not edited in place: add an amendment."), code="entry_shared")
    unknown = sorted(set(changes) - set(ENTRY_FIELDS))
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(names)s", names=", ".join(unknown)),
                           field=unknown[0])
    current = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    values = _validated_fields(entry.kind, {**current, **changes}, today=org_today(now))
    if actions is not _UNSET:
        entry.actions = _build_actions(actions, author=actor, agent=entry.agent,
                                       not_before=values["occurred_on"])
    for name, value in values.items():
        setattr(entry, name, value)
    entry.updated_at = now
    audit(actor, "coaching.update_draft", entry)
    return entry


def share_entry(entry: CoachingEntry, actor: Person, *, now: datetime) -> CoachingEntry:
    """Show a draft to its agent (the author only); sharing twice changes nothing."""
    access.require_author(actor, entry)
    access.require_can_coach(actor, entry.agent)
    if entry.shared_at is None:
        entry.shared_at = now
        audit(actor, "coaching.share", entry)
    return entry


def respond_to_entry(entry: CoachingEntry, actor: Person, *, agrees: bool = True, comment: str | None = "",
                     usefulness: int | None = None, now: datetime) -> CoachingResponse:
    """The agent acknowledges a shared entry; disagreeing (with a comment) opens a dispute.

    :raise NotAllowed: unless the actor is the entry's agent
    :raise Conflict: when the entry was answered already, withdrawn or not shared
    """
    access.require_agent(actor, entry)
    if entry.shared_at is None or entry.withdrawn_at is not None:
        raise Conflict(_("This entry cannot be answered."), code="not_answerable")
    if entry.response is not None:
        raise Conflict(_("You have answered this entry already."), code="already_answered")
    comment = _clean_text(comment, "comment")
    if not agrees and not comment:
        raise InvalidInput(_("Say what you disagree with."), field="comment")
    if usefulness is not None and (isinstance(usefulness, bool) or usefulness not in range(1, 6)):
        raise InvalidInput(_("Rate usefulness from 1 to 5."), field="usefulness")
    response = CoachingResponse(entry=entry, agrees=agrees, comment=comment, usefulness=usefulness,
                                created_at=now)
    db.session.add(response)
    if not agrees:
        days = current_app.config["COACHING_DISPUTE_DAYS"]
        db.session.add(CoachingDispute(entry=entry, opened_at=now, due_at=now + timedelta(days=days)))
    audit(actor, "coaching.respond", entry, agrees=agrees)
    return response


def _amend(entry: CoachingEntry, actor: Person, changes: Mapping[str, object], *, reason: str,
           now: datetime) -> list[CoachingAmendment]:
    if not changes:
        raise InvalidInput(_("Say which fields change."), field="changes")
    unknown = sorted(set(changes) - set(ENTRY_FIELDS))
    if unknown:
        raise InvalidInput(_("These fields cannot be amended: %(names)s", names=", ".join(unknown)),
                           field="changes")
    current = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    values = _validated_fields(entry.kind, {**current, **changes}, today=org_today(now))
    amendments = [
        CoachingAmendment(entry=entry, author=actor, field=name, old_value=_as_text(current[name]),
                          new_value=_as_text(values[name]), reason=reason, created_at=now)
        for name in ENTRY_FIELDS if name in changes and values[name] != current[name]
    ]
    if not amendments:
        raise InvalidInput(_("Nothing changed."), field="changes")
    db.session.add_all(amendments)
    for amendment in amendments:
        setattr(entry, amendment.field, values[amendment.field])
    entry.updated_at = now
    audit(actor, "coaching.amend", entry, fields=[a.field for a in amendments])
    return amendments


def amend_entry(entry: CoachingEntry, actor: Person, changes: Mapping[str, object], *, reason: str,
                now: datetime) -> list[CoachingAmendment]:
    """Change fields of a shared entry, keeping each old value and the reason in its history.

    :raise NotAllowed: unless the actor is the author (still leading the agent) or a manager over the team
    :raise Conflict: for a draft (edit it in place) or a withdrawn entry
    """
    access.require_can_amend(actor, entry)
    if entry.shared_at is None:
        raise Conflict(_("A draft is edited in place, not amended."), code="entry_draft")
    if entry.withdrawn_at is not None:
        raise Conflict(_("This entry was withdrawn."), code="entry_withdrawn")
    reason = _clean_text(reason, "reason", required=True)
    return _amend(entry, actor, changes, reason=reason, now=now)


def resolve_dispute(entry: CoachingEntry, actor: Person, *, outcome: str, resolution: str,
                    changes: Mapping[str, object] | None = None, now: datetime) -> CoachingDispute:
    """A manager over the agent's team closes a dispute: upheld, amended (with ``changes``) or withdrawn.

    :raise NotAllowed: unless the actor manages the agent's current team
    :raise Conflict: when there is no open dispute
    """
    access.require_dispute_manager(actor, entry)
    dispute = entry.dispute
    if dispute is None:
        raise Conflict(_("This entry has no dispute."), code="no_dispute")
    if dispute.resolved_at is not None:
        raise Conflict(_("This dispute was resolved already."), code="dispute_resolved")
    if outcome not in DISPUTE_OUTCOMES:
        raise InvalidInput(_("The outcome is upheld, amended or withdrawn."), field="outcome")
    resolution = _clean_text(resolution, "resolution", required=True)
    if outcome == "amended":
        _amend(entry, actor, changes or {}, reason=resolution, now=now)
    elif changes:
        raise InvalidInput(_("Only an amended outcome changes the entry."), field="changes")
    if outcome == "withdrawn":
        entry.withdrawn_at = now
    dispute.outcome = outcome
    dispute.resolution = resolution
    dispute.resolved_at = now
    dispute.resolved_by = actor
    audit(actor, "coaching.resolve_dispute", entry, outcome=outcome)
    return dispute


def complete_action(action: CoachingAction, actor: Person, *, now: datetime) -> CoachingAction:
    """Mark an agreed action done (the agent or a lead of the agent); doing it twice changes nothing."""
    entry = action.entry
    if actor.id != entry.agent_id and not access.leads_agent(actor, entry.agent):
        raise NotAllowed(_("Only the agent or their leads can do this."))
    if entry.shared_at is None or entry.withdrawn_at is not None:
        raise Conflict(_("Only actions of a shared entry are marked done."), code="not_shared")
    if action.done_at is None:
        action.done_at = now
        action.done_by = actor
        audit(actor, "coaching.action_done", entry, action_id=action.id)
    return action


def publish_went_well(entry: CoachingEntry, actor: Person, value: Value, points: int = 0, *,
                      now: datetime) -> Kudos:
    """Turn what went well into a public supervisor kudos for the agent, once, from the author's budget.

    Only the "went well" text goes public; nothing else of the entry reaches the kudos.

    :raise NotAllowed: unless the actor is the author and still leads the agent
    :raise Conflict: for a draft or withdrawn entry, or when it was published already
    :raise InvalidInput: when nothing went well was written
    :raise DomainError: the kudos rules' errors (over budget, pair cap, message too short...)
    """
    access.require_author(actor, entry)
    access.require_can_coach(actor, entry.agent)
    # Locked (FOR UPDATE on PostgreSQL) so that a double click cannot publish twice.
    entry = db.session.execute(
        db.select(CoachingEntry).where(CoachingEntry.id == entry.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if entry.shared_at is None or entry.withdrawn_at is not None:
        raise Conflict(_("Share the entry with the agent before praising them in public."), code="not_shared")
    if entry.went_well_kudos_id is not None:
        raise Conflict(_("What went well is published as kudos already."), code="already_published")
    if not entry.went_well.strip():
        raise InvalidInput(_("Write what went well first."), field="went_well")
    kudos = recognition.give_kudos(actor, value, entry.went_well, points, recipients=[entry.agent], now=now)
    entry.went_well_kudos_id = kudos.id
    audit(actor, "coaching.went_well_kudos", entry, kudos_id=kudos.id, points=kudos.points)
    return kudos


def record_read(viewer: Person, record: CoachingEntry | OneToOne) -> None:
    """Every read of a coaching record by someone other than its agent goes to the audit log."""
    if viewer.id != record.agent_id:
        audit(viewer, "coaching.read", record)


def record_timeline_read(viewer: Person, agent: Person) -> None:
    """A lead reading an agent's growth timeline is audited like a read of the records it lists."""
    if viewer.id != agent.id:
        audit(viewer, "coaching.read_timeline", agent)


# --- history consent -------------------------------------------------------------------------

def _consent(agent: Person, team: Team) -> CoachingConsent | None:
    return db.session.execute(
        db.select(CoachingConsent)
        .where(CoachingConsent.agent_id == agent.id, CoachingConsent.team_id == team.id)
    ).scalar_one_or_none()


def grant_history_consent(agent: Person, team: Team, *, now: datetime) -> CoachingConsent:
    """Let the leads of ``team`` see the agent's coaching history written in other teams."""
    consent = _consent(agent, team)
    if consent is None:
        consent = CoachingConsent(agent=agent, team=team, granted_at=now)
        db.session.add(consent)
    elif consent.revoked_at is not None:
        consent.granted_at, consent.revoked_at = now, None
    else:
        return consent
    audit(agent, "coaching.consent_grant", team)
    return consent


def decline_history_consent(agent: Person, team: Team, *, now: datetime) -> CoachingConsent:
    """The agent answers "not now": kept as a consent revoked the moment it is recorded, so the question is
    answered and nothing is shown; the agent can still allow it later."""
    consent = _consent(agent, team)
    if consent is None:
        consent = CoachingConsent(agent=agent, team=team, granted_at=now, revoked_at=now)
        db.session.add(consent)
        audit(agent, "coaching.consent_decline", team)
    return consent


def revoke_history_consent(agent: Person, team: Team, *, now: datetime) -> None:
    consent = _consent(agent, team)
    if consent is not None and consent.revoked_at is None:
        consent.revoked_at = now
        audit(agent, "coaching.consent_revoke", team)


# --- journal ---------------------------------------------------------------------------------

def write_journal_entry(person: Person, text: str, *, now: datetime) -> JournalEntry:
    text = _clean_text(text, "text", max_length=JOURNAL_MAX, required=True)
    entry = JournalEntry(person_id=person.id, text=text, created_at=now)
    db.session.add(entry)
    return entry


# --- one-to-ones -----------------------------------------------------------------------------

def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def next_meeting_time(scheduled_for: datetime, cadence: str, steps: int = 1) -> datetime:
    """The same local time ``steps`` cadences later (monthly: the same day of the month, or its last day)."""
    local = scheduled_for.astimezone(org_timezone())
    naive = local.replace(tzinfo=None)
    if cadence == "monthly":
        naive = _add_months(naive, steps)
    else:
        naive += timedelta(days={"weekly": 7, "fortnightly": 14}[cadence] * steps)
    return naive.replace(tzinfo=local.tzinfo)


def _open_meeting(supervisor_id: int, agent_id: int) -> OneToOne | None:
    return db.session.execute(
        db.select(OneToOne).where(OneToOne.supervisor_id == supervisor_id, OneToOne.agent_id == agent_id,
                                  OneToOne.completed_at.is_(None))
    ).scalars().first()


def schedule_one_to_one(supervisor: Person, agent: Person, scheduled_for: datetime, *,
                        cadence: str = "monthly", now: datetime) -> OneToOne:
    """Schedule the pair's next one-to-one (the agent's supervisor only); a naive time is in org time.

    :raise Conflict: when the pair has a meeting that is not completed yet
    """
    if not access.can_schedule_one_to_one(supervisor, agent):
        raise NotAllowed(_("You can only meet agents of the teams you supervise."), field="agent")
    if cadence not in CADENCES:
        raise InvalidInput(_("The cadence is weekly, fortnightly or monthly."), field="cadence")
    if scheduled_for.tzinfo is None:
        scheduled_for = scheduled_for.replace(tzinfo=org_timezone())
    if _open_meeting(supervisor.id, agent.id) is not None:
        raise Conflict(_("A one-to-one with this agent is scheduled already."), code="already_scheduled")
    meeting = OneToOne(supervisor=supervisor, agent=agent, team_id=agent.team_id, scheduled_for=scheduled_for,
                       cadence=cadence, created_at=now)
    db.session.add(meeting)
    db.session.flush()
    audit(supervisor, "one_to_one.schedule", meeting, agent=agent.username)
    return meeting


def _require_active_participant(meeting: OneToOne, person: Person) -> None:
    """The agent, or the supervisor while they still lead the agent."""
    access.require_participant(person, meeting)
    if person.id == meeting.supervisor_id and not access.leads_agent(person, meeting.agent):
        raise NotAllowed(_("You no longer lead this agent."))


def _require_open(meeting: OneToOne) -> None:
    if meeting.completed_at is not None:
        raise DomainError(_("This one-to-one is completed."), code="meeting_completed")


def add_one_to_one_note(meeting: OneToOne, author: Person, kind: str, text: str, *,
                        now: datetime) -> OneToOneNote:
    """A note by either participant: agenda items before the meeting; growth notes are the agent's."""
    _require_active_participant(meeting, author)
    if kind not in NOTE_KINDS:
        raise InvalidInput(_("Kind must be one of: %(kinds)s.", kinds=", ".join(NOTE_KINDS)), field="kind")
    if kind in GROWTH_NOTE_KINDS and author.id != meeting.agent_id:
        raise NotAllowed(_("Growth goals and learnings are the agent's to write."), field="kind")
    if kind == "agenda":
        _require_open(meeting)
    note = OneToOneNote(meeting=meeting, author=author, kind=kind,
                        text=_clean_text(text, "text", required=True), created_at=now)
    db.session.add(note)
    db.session.flush()
    audit(author, "one_to_one.note", meeting, kind=kind)
    return note


def add_one_to_one_action(meeting: OneToOne, actor: Person, text: str, *, owner: Person | None = None,
                          due_on: date | str | None = None, now: datetime) -> OneToOneAction:
    """An action item of an open meeting, owned by one participant (the agent unless said otherwise)."""
    _require_active_participant(meeting, actor)
    _require_open(meeting)
    owner = owner or meeting.agent
    if not meeting.is_participant(owner):
        raise InvalidInput(_("An action item is owned by one of the two participants."), field="owner")
    action = OneToOneAction(meeting=meeting, owner=owner, created_at=now,
                            text=_clean_text(text, "text", max_length=ACTION_MAX, required=True),
                            due_on=_as_date(due_on, "due_on"))
    db.session.add(action)
    db.session.flush()
    audit(actor, "one_to_one.action", meeting, action_id=action.id)
    return action


def complete_one_to_one_action(action: OneToOneAction, actor: Person, *, now: datetime) -> OneToOneAction:
    _require_active_participant(action.meeting, actor)
    if action.done_at is None:
        action.done_at = now
        action.done_by_id = actor.id
    return action


def complete_one_to_one(meeting: OneToOne, actor: Person, *, now: datetime) -> OneToOne:
    """The supervisor closes the meeting; the pair's next one is scheduled by the cadence, after ``now``.

    :return: the next meeting
    """
    _require_active_participant(meeting, actor)
    if actor.id != meeting.supervisor_id:
        raise NotAllowed(_("The supervisor completes the one-to-one."))
    if meeting.completed_at is not None:
        raise Conflict(_("This one-to-one is completed already."), code="meeting_completed")
    meeting.completed_at = now
    steps = 1
    while (scheduled_for := next_meeting_time(meeting.scheduled_for, meeting.cadence, steps)) <= now:
        steps += 1
    following = OneToOne(supervisor_id=meeting.supervisor_id, agent_id=meeting.agent_id,
                         team_id=meeting.agent.team_id, scheduled_for=scheduled_for, cadence=meeting.cadence,
                         created_at=now)
    db.session.add(following)
    db.session.flush()
    audit(actor, "one_to_one.complete", meeting, next=following.id)
    return following
