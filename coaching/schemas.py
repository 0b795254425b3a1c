"""Declared shapes of the coaching API's input and output; the OpenAPI document is built from them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coaching.models import CADENCES, DISPUTE_OUTCOMES, ENTRY_KINDS, NOTE_KINDS
from coaching.queries import is_share_overdue
from coaching.services import ENTRY_FIELDS, org_today
from core.api.schemas import ListArgsSchema, PersonPublicSchema
from core.clock import utcnow


def _username(attribute: str):
    def username(record) -> str | None:
        person = getattr(record, attribute)
        return person.username if person else None

    return fields.Function(username)


# --- coaching entries ------------------------------------------------------------------------

class ActionInputSchema(Schema):
    text = fields.Str(required=True)
    due_on = fields.Date(required=True)
    owner = fields.Str(load_default="agent", validate=validate.OneOf(("agent", "author")))


class EntryFieldsSchema(Schema):
    """The fields a draft edit may change; only those given change."""

    occurred_on = fields.Date()
    went_well = fields.Str()
    to_improve = fields.Str()
    actions = fields.List(fields.Nested(ActionInputSchema))
    follow_up_on = fields.Date(allow_none=True)
    interaction_ref = fields.Str(allow_none=True)
    qa_score = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=100))
    target_metric = fields.Str(allow_none=True, metadata={"description": "slug of a metric"})


class EntryCreateSchema(EntryFieldsSchema):
    agent = fields.Str(required=True, metadata={"description": "username"})
    kind = fields.Str(required=True, validate=validate.OneOf(ENTRY_KINDS))
    occurred_on = fields.Date(required=True)
    follow_up_of = fields.Int(allow_none=True, metadata={"description": "id of the entry followed up"})


class EntryListArgsSchema(ListArgsSchema):
    agent = fields.Str(load_default=None, metadata={"description": "username"})


class ResponseCreateSchema(Schema):
    acknowledged = fields.Bool(required=True, validate=validate.Equal(True))
    agrees = fields.Bool(load_default=True)
    comment = fields.Str(load_default="", metadata={"description": "required when agrees is false"})
    usefulness = fields.Int(strict=True, load_default=None, allow_none=True,
                            validate=validate.Range(min=1, max=5))


class AmendmentCreateSchema(Schema):
    changes = fields.Dict(keys=fields.Str(validate=validate.OneOf(ENTRY_FIELDS)),
                          values=fields.Raw(allow_none=True), required=True,
                          metadata={"description": "field → new value (dates as YYYY-MM-DD)"})
    reason = fields.Str(required=True)


class ResolutionCreateSchema(Schema):
    outcome = fields.Str(required=True, validate=validate.OneOf(DISPUTE_OUTCOMES))
    resolution = fields.Str(required=True, metadata={"description": "the written outcome both sides see"})
    changes = fields.Dict(keys=fields.Str(validate=validate.OneOf(ENTRY_FIELDS)),
                          values=fields.Raw(allow_none=True), load_default=None,
                          metadata={"description": "required for the outcome amended"})


class ActionSchema(Schema):
    id = fields.Int()
    text = fields.Str()
    owner = _username("owner")
    due_on = fields.Date()
    done = fields.Function(lambda action: action.done_at is not None)
    done_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(lambda action: action.done_at is None and action.due_on < org_today(utcnow()))


class AmendmentSchema(Schema):
    id = fields.Int()
    field = fields.Str()
    old_value = fields.Str(allow_none=True)
    new_value = fields.Str(allow_none=True)
    reason = fields.Str()
    author = _username("author")
    created_at = fields.DateTime()


class ResponseSchema(Schema):
    acknowledged = fields.Constant(True)
    agrees = fields.Bool()
    comment = fields.Str()
    usefulness = fields.Int(allow_none=True)
    acknowledged_at = fields.DateTime(attribute="created_at")


class DisputeSchema(Schema):
    opened_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Function(lambda dispute: dispute.is_overdue(utcnow()))
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = _username("resolved_by")
    outcome = fields.Str(allow_none=True)
    resolution = fields.Str(allow_none=True)


class EntrySummarySchema(Schema):
    """An entry in a list: who, when, what kind and where it stands; no text."""

    id = fields.Int()
    agent = fields.Nested(PersonPublicSchema)
    author = fields.Nested(PersonPublicSchema)
    team = fields.Function(lambda entry: entry.team.name,
                           metadata={"description": "the team it was written in"})
    kind = fields.Str()
    occurred_on = fields.Date()
    follow_up_on = fields.Date(allow_none=True)
    state = fields.Str(metadata={"description": "draft, shared, acknowledged, disputed, resolved, withdrawn"})
    shared_at = fields.DateTime(allow_none=True)
    withdrawn = fields.Function(lambda entry: entry.withdrawn_at is not None)


class EntrySchema(EntrySummarySchema):
    """The whole entry: current values, actions, the agent's response, amendments and any dispute."""

    interaction_ref = fields.Str(allow_none=True)
    went_well = fields.Str()
    to_improve = fields.Str()
    target_metric = fields.Str(allow_none=True)
    qa_score = fields.Int(allow_none=True)
    follow_up_of = fields.Int(attribute="follow_up_of_id", allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True)
    share_overdue = fields.Function(lambda entry: is_share_overdue(entry, now=utcnow()),
                                    metadata={"description": "a draft unshared after COACHING_SHARE_HOURS"})
    actions = fields.List(fields.Nested(ActionSchema))
    response = fields.Nested(ResponseSchema, allow_none=True)
    amendments = fields.List(fields.Nested(AmendmentSchema))
    dispute = fields.Nested(DisputeSchema, allow_none=True)


class EntryPageSchema(Schema):
    items = fields.List(fields.Nested(EntrySummarySchema))
    next = fields.Str(allow_none=True)


# --- history consent and roster --------------------------------------------------------------

class ConsentCreateSchema(Schema):
    team = fields.Str(load_default=None, metadata={"description": "team name; your current team by default"})


class ConsentSchema(Schema):
    team = fields.Function(lambda consent: consent.team.name)
    granted_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class RosterArgsSchema(Schema):
    week = fields.Date(load_default=None,
                       metadata={"description": "any day of the ISO week; this week by default"})


class RosterDrawSchema(Schema):
    agent = fields.Nested(PersonPublicSchema)
    done = fields.Bool(metadata={"description": "ticked off by a monitoring_random entry that week"})
    entry = fields.Int(attribute="entry_id", allow_none=True)


class RosterSchema(Schema):
    week_start = fields.Date()
    items = fields.List(fields.Nested(RosterDrawSchema))


# --- one-to-ones -----------------------------------------------------------------------------

class OneToOneCreateSchema(Schema):
    agent = fields.Str(required=True, metadata={"description": "username"})
    scheduled_for = fields.DateTime(required=True,
                                    metadata={"description": "ISO 8601; without an offset: org time"})
    cadence = fields.Str(load_default="monthly", validate=validate.OneOf(CADENCES))


class NoteCreateSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(NOTE_KINDS),
                      metadata={"description": "private: yours only; growth_goal and learned: the agent's"})
    text = fields.Str(required=True)


class OneToOneActionCreateSchema(Schema):
    text = fields.Str(required=True)
    owner = fields.Str(load_default=None,
                       metadata={"description": "username of a participant; the agent by default"})
    due_on = fields.Date(load_default=None, allow_none=True)


class NoteSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    text = fields.Str()
    author = _username("author")
    created_at = fields.DateTime()


class OneToOneActionSchema(Schema):
    id = fields.Int()
    text = fields.Str()
    owner = _username("owner")
    due_on = fields.Date(allow_none=True)
    done = fields.Function(lambda action: action.done_at is not None)
    done_at = fields.DateTime(allow_none=True)
    raised_in = fields.Int(attribute="meeting_id", metadata={"description": "the meeting that raised it"})


class OneToOneSummarySchema(Schema):
    id = fields.Int()
    supervisor = fields.Nested(PersonPublicSchema)
    agent = fields.Nested(PersonPublicSchema)
    scheduled_for = fields.DateTime()
    cadence = fields.Str()
    completed_at = fields.DateTime(allow_none=True)


class OneToOneSchema(OneToOneSummarySchema):
    """A meeting with the notes the caller may read and its action items, carried-over ones included."""

    notes = fields.List(fields.Nested(NoteSchema))
    actions = fields.List(fields.Nested(OneToOneActionSchema),
                          metadata={"description": "raised here, or carried over until done (see raised_in)"})


class OneToOnePageSchema(Schema):
    items = fields.List(fields.Nested(OneToOneSummarySchema))
    next = fields.Str(allow_none=True)


class CompletionSchema(Schema):
    completed = fields.Nested(OneToOneSummarySchema)
    next = fields.Nested(OneToOneSummarySchema)


# --- journal ---------------------------------------------------------------------------------

class JournalCreateSchema(Schema):
    text = fields.Str(required=True)


class JournalEntrySchema(Schema):
    id = fields.Int()
    text = fields.Str()
    created_at = fields.DateTime()


class JournalPageSchema(Schema):
    items = fields.List(fields.Nested(JournalEntrySchema))
    next = fields.Str(allow_none=True)
