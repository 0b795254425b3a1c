"""/api/v1 coaching endpoints: the coaching log, history consent, the monitoring roster, one-to-ones, journal.

Records the caller may not see are 404; a record they see but may not change is 403. Reads of a coaching
record by anyone but its agent are audited, so those GET views write (:func:`core.db.writes_on_read`).
"""
from __future__ import annotations

import random
from collections.abc import Callable
from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user

from coaching import access, queries, roster, services
from coaching.models import CoachingEntry, JournalEntry, OneToOne
from coaching.schemas import (
    ActionSchema, AmendmentCreateSchema, CompletionSchema, ConsentCreateSchema, ConsentSchema,
    EntryCreateSchema, EntryFieldsSchema, EntryListArgsSchema, EntryPageSchema, EntrySchema,
    JournalCreateSchema, JournalEntrySchema, JournalPageSchema, NoteCreateSchema, NoteSchema,
    OneToOneActionCreateSchema, OneToOneActionSchema, OneToOneCreateSchema, OneToOnePageSchema,
    OneToOneSchema, OneToOneSummarySchema, ResolutionCreateSchema, ResponseCreateSchema, RosterArgsSchema,
    RosterSchema,
)
from core import services as core_services
from core.access import require_role
from core.api import ApiBlueprint, keyset_page
from core.api.schemas import ListArgsSchema
from core.clock import utcnow
from core.db import writes_on_read
from core.errors import InvalidInput
from core.extensions import db
from core.models import Person

blp = ApiBlueprint("coaching_api", __name__,
                   description="Coaching log, monitoring roster, one-to-ones, journal")


def caller() -> Person:
    return current_user._get_current_object()


def role_first(least: str) -> Callable:
    """403 for a role below ``least`` before the body is even read (put it above ``@blp.arguments``)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(current_user, least)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def page(stmt, key, args) -> dict:
    items, next_cursor = keyset_page(stmt, key, limit=args["limit"], cursor=args["cursor"], descending=True)
    return {"items": items, "next": next_cursor}


# --- coaching entries ------------------------------------------------------------------------

@blp.route("/coaching", methods=["GET"])
@blp.arguments(EntryListArgsSchema, location="query")
@blp.response(200, EntryPageSchema)
def list_entries(args):
    """Entries you may see, newest first: an agent their own shared ones, leads those of their teams."""
    agent = core_services.require_person(args["agent"], field="agent") if args["agent"] else None
    return page(queries.visible_entries(caller(), agent=agent), CoachingEntry.id, args)


@blp.route("/coaching", methods=["POST"])
@role_first("supervisor")
@blp.arguments(EntryCreateSchema)
@blp.response(201, EntrySchema)
def post_entry(data):
    """Write a draft entry for an agent of a team you lead (its supervisor, or a manager of its site)."""
    author = caller()
    agent = core_services.require_person(data.pop("agent"), field="agent")
    follow_up_of = data.pop("follow_up_of", None)
    earlier = access.visible_entry_or_404(author, follow_up_of) if follow_up_of else None
    actions = [services.ActionDraft(**action) for action in data.pop("actions", [])]
    entry = services.create_entry(author, agent, actions=actions, follow_up_of=earlier, now=utcnow(), **data)
    db.session.commit()
    return entry


@blp.route("/coaching/<int:entry_id>", methods=["GET"])
@writes_on_read
@blp.response(200, EntrySchema)
def get_entry(entry_id):
    """The entry with its actions, response, amendments and dispute; 404 when you may not see it (audited)."""
    viewer = caller()
    entry = access.visible_entry_or_404(viewer, entry_id)
    services.record_read(viewer, entry)
    db.session.commit()
    return entry


@blp.route("/coaching/<int:entry_id>", methods=["PATCH"])
@blp.arguments(EntryFieldsSchema)
@blp.response(200, EntrySchema)
def patch_draft(data, entry_id):
    """Edit your draft in place (given fields only; ``actions`` replace the draft's). 409 once shared."""
    author = caller()
    entry = access.visible_entry_or_404(author, entry_id)
    if "actions" in data:
        data["actions"] = [services.ActionDraft(**action) for action in data["actions"]]
    services.update_draft(entry, author, now=utcnow(), **data)
    db.session.commit()
    return entry


@blp.route("/coaching/<int:entry_id>/share", methods=["POST"])
@blp.response(200, EntrySchema)
def share_entry(entry_id):
    """Share your draft with the agent."""
    author = caller()
    entry = access.visible_entry_or_404(author, entry_id)
    services.share_entry(entry, author, now=utcnow())
    db.session.commit()
    return entry


@blp.route("/coaching/<int:entry_id>/response", methods=["POST"])
@blp.arguments(ResponseCreateSchema)
@blp.response(200, EntrySchema)
def respond(data, entry_id):
    """The agent acknowledges; disagreeing needs a comment and opens a dispute. 409 when answered already."""
    agent = caller()
    entry = access.visible_entry_or_404(agent, entry_id)
    services.respond_to_entry(entry, agent, agrees=data["agrees"], comment=data["comment"],
                              usefulness=data["usefulness"], now=utcnow())
    db.session.commit()
    return entry


@blp.route("/coaching/<int:entry_id>/amendments", methods=["POST"])
@blp.arguments(AmendmentCreateSchema)
@blp.response(201, EntrySchema)
def amend(data, entry_id):
    """Amend a shared entry (its author, or a manager over the agent's team); the history keeps old values."""
    actor = caller()
    entry = access.visible_entry_or_404(actor, entry_id)
    services.amend_entry(entry, actor, data["changes"], reason=data["reason"], now=utcnow())
    db.session.commit()
    return entry


@blp.route("/coaching/<int:entry_id>/dispute/resolution", methods=["POST"])
@blp.arguments(ResolutionCreateSchema)
@blp.response(200, EntrySchema)
def resolve_dispute(data, entry_id):
    """A manager over the agent's team resolves the dispute: upheld, amended (with changes) or withdrawn."""
    manager = caller()
    entry = access.visible_entry_or_404(manager, entry_id)
    services.resolve_dispute(entry, manager, outcome=data["outcome"], resolution=data["resolution"],
                             changes=data["changes"], now=utcnow())
    db.session.commit()
    return entry


@blp.route("/coaching/actions/<int:action_id>/done", methods=["POST"])
@blp.response(200, ActionSchema)
def complete_action(action_id):
    """Mark an agreed action done (the agent or their leads)."""
    actor = caller()
    action = access.visible_action_or_404(actor, action_id)
    services.complete_action(action, actor, now=utcnow())
    db.session.commit()
    return action


# --- history consent -------------------------------------------------------------------------

@blp.route("/coaching/consents", methods=["POST"])
@blp.arguments(ConsentCreateSchema)
@blp.response(201, ConsentSchema)
def grant_consent(data):
    """Let the leads of a team (your current one by default) see your coaching history from other teams."""
    agent = caller()
    team = core_services.require_team(data["team"]) if data["team"] else agent.team
    if team is None:
        raise InvalidInput(_("Name the team that may see your history."), field="team")
    consent = services.grant_history_consent(agent, team, now=utcnow())
    db.session.commit()
    return consent


@blp.route("/coaching/consents/<path:team>", methods=["DELETE"])
@blp.response(204)
def revoke_consent(team):
    """Take back a consent: that team's leads see only what was written in their team again."""
    services.revoke_history_consent(caller(), core_services.require_team(team), now=utcnow())
    db.session.commit()


# --- monitoring roster -----------------------------------------------------------------------

def _roster_payload(supervisor: Person, week) -> dict:
    week = roster.week_start(week or roster.current_week_start(utcnow()))
    draws = db.session.execute(roster.roster_week(supervisor, week)).scalars().all()
    return {"week_start": week, "items": draws}


@blp.route("/coaching/roster", methods=["GET"])
@role_first("supervisor")
@blp.arguments(RosterArgsSchema, location="query")
@blp.response(200, RosterSchema)
def get_roster(args):
    """Your random-monitoring sample of a week (empty until drawn)."""
    return _roster_payload(caller(), args["week"])


@blp.route("/coaching/roster", methods=["POST"])
@role_first("supervisor")
@blp.arguments(RosterArgsSchema)
@blp.response(200, RosterSchema)
def draw_roster(data):
    """Draw your sample of agents to monitor for a week; a week already drawn keeps its draw."""
    supervisor = caller()
    week = data["week"] or roster.current_week_start(utcnow())
    roster.draw_roster(supervisor, week, rng=random.Random(), now=utcnow())
    db.session.commit()
    return _roster_payload(supervisor, week)


# --- one-to-ones -----------------------------------------------------------------------------

@blp.route("/one-to-ones", methods=["GET"])
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, OneToOnePageSchema)
def list_one_to_ones(args):
    """One-to-ones you may see, newest first."""
    return page(queries.visible_one_to_ones(caller()), OneToOne.id, args)


@blp.route("/one-to-ones", methods=["POST"])
@role_first("supervisor")
@blp.arguments(OneToOneCreateSchema)
@blp.response(201, OneToOneSummarySchema)
def post_one_to_one(data):
    """Schedule a one-to-one with an agent of a team you supervise (monthly unless another cadence)."""
    supervisor = caller()
    agent = core_services.require_person(data["agent"], field="agent")
    meeting = services.schedule_one_to_one(supervisor, agent, data["scheduled_for"], cadence=data["cadence"],
                                           now=utcnow())
    db.session.commit()
    return meeting


@blp.route("/one-to-ones/<int:meeting_id>", methods=["GET"])
@writes_on_read
@blp.response(200, OneToOneSchema)
def get_one_to_one(meeting_id):
    """The meeting with its notes (private ones: yours only) and action items (audited)."""
    viewer = caller()
    meeting = access.visible_one_to_one_or_404(viewer, meeting_id)
    services.record_read(viewer, meeting)
    db.session.commit()
    return queries.meeting_detail(meeting, viewer)


@blp.route("/one-to-ones/<int:meeting_id>/notes", methods=["POST"])
@blp.arguments(NoteCreateSchema)
@blp.response(201, NoteSchema)
def post_note(data, meeting_id):
    """Add a note: agenda (before the meeting), shared, private (yours only), growth_goal or learned."""
    author = caller()
    meeting = access.visible_one_to_one_or_404(author, meeting_id)
    note = services.add_one_to_one_note(meeting, author, data["kind"], data["text"], now=utcnow())
    db.session.commit()
    return note


@blp.route("/one-to-ones/<int:meeting_id>/actions", methods=["POST"])
@blp.arguments(OneToOneActionCreateSchema)
@blp.response(201, OneToOneActionSchema)
def post_one_to_one_action(data, meeting_id):
    """Add an action item; it is carried over to the pair's next meetings until done."""
    actor = caller()
    meeting = access.visible_one_to_one_or_404(actor, meeting_id)
    owner = core_services.require_person(data["owner"], field="owner") if data["owner"] else None
    action = services.add_one_to_one_action(meeting, actor, data["text"], owner=owner, due_on=data["due_on"],
                                            now=utcnow())
    db.session.commit()
    return action


@blp.route("/one-to-ones/actions/<int:action_id>/done", methods=["POST"])
@blp.response(200, OneToOneActionSchema)
def complete_one_to_one_action(action_id):
    """Mark an action item done (either participant)."""
    actor = caller()
    action = access.visible_one_to_one_action_or_404(actor, action_id)
    services.complete_one_to_one_action(action, actor, now=utcnow())
    db.session.commit()
    return action


@blp.route("/one-to-ones/<int:meeting_id>/complete", methods=["POST"])
@blp.response(200, CompletionSchema)
def complete_one_to_one(meeting_id):
    """The supervisor completes the meeting; the next one is scheduled by the pair's cadence."""
    supervisor = caller()
    meeting = access.visible_one_to_one_or_404(supervisor, meeting_id)
    following = services.complete_one_to_one(meeting, supervisor, now=utcnow())
    db.session.commit()
    return {"completed": meeting, "next": following}


# --- journal ---------------------------------------------------------------------------------

@blp.route("/journal", methods=["GET"])
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, JournalPageSchema)
def list_journal(args):
    """Your private journal, newest first; nobody else can ever read it."""
    return page(queries.journal_of(caller()), JournalEntry.id, args)


@blp.route("/journal", methods=["POST"])
@blp.arguments(JournalCreateSchema)
@blp.response(201, JournalEntrySchema)
def post_journal(data):
    """Write in your private journal."""
    entry = services.write_journal_entry(caller(), data["text"], now=utcnow())
    db.session.commit()
    return entry
