"""Declared shapes of the recognition API: explicit whitelists of public fields, in the caller's language."""
from __future__ import annotations

from flask_babel import get_locale
from marshmallow import Schema, fields, validate

from core.api.schemas import ListArgsSchema
from recognition.models import REACTION_KINDS
from recognition.services import MAX_COMMENT_LENGTH, MAX_RECIPIENTS


def _locale() -> str:
    return str(get_locale() or "en")


class PersonRefSchema(Schema):
    username = fields.Str(required=True)
    name = fields.Str(required=True)


class ValueSchema(Schema):
    """A value as everyone sees it, in the caller's language."""

    slug = fields.Str(required=True)
    name = fields.Function(lambda value: value.name_in(_locale()))
    description = fields.Function(lambda value: value.description_in(_locale()))


class ValueAdminSchema(ValueSchema):
    """A value with both languages, as an admin manages it."""

    name_en = fields.Str()
    name_zh = fields.Str()
    description_en = fields.Str()
    description_zh = fields.Str()
    active = fields.Bool()
    position = fields.Int()


class ValuesPageSchema(Schema):
    items = fields.List(fields.Nested(ValueSchema))
    next = fields.Str(allow_none=True)


class ValueCreateSchema(Schema):
    slug = fields.Str(required=True)
    name = fields.Str(load_default=None, metadata={"description": "English name (or name_en)"})
    description = fields.Str(load_default="")
    name_en = fields.Str(load_default=None)
    name_zh = fields.Str(load_default=None)
    description_en = fields.Str(load_default=None)
    description_zh = fields.Str(load_default=None)
    position = fields.Int(load_default=None)
    active = fields.Bool(load_default=True)


class ValueUpdateSchema(Schema):
    name_en = fields.Str()
    name_zh = fields.Str()
    description_en = fields.Str()
    description_zh = fields.Str()
    position = fields.Int()
    active = fields.Bool()


class ValueRefSchema(Schema):
    slug = fields.Str(required=True)
    name = fields.Function(lambda value: value.name_in(_locale()))


class KudosCreateSchema(Schema):
    recipients = fields.List(fields.Str(), load_default=list,
                             validate=validate.Length(max=MAX_RECIPIENTS))
    team = fields.Str(load_default=None, metadata={"description": "a whole team instead of recipients"})
    value = fields.Str(required=True)
    message = fields.Str(required=True)
    points = fields.Int(load_default=0, strict=True, validate=validate.Range(min=0, max=100_000))


class KudosSchema(Schema):
    """A kudos card: the kudos with its recipients, value and engagement (dumped from a KudosCard)."""

    id = fields.Int(attribute="kudos.id")
    giver = fields.Nested(PersonRefSchema, attribute="kudos.giver")
    recipients = fields.Function(
        lambda card: [{"username": r.person.username, "name": r.person.name} for r in card.kudos.recipients]
    )
    team = fields.Function(lambda card: card.kudos.team.name if card.kudos.team else None)
    value = fields.Nested(ValueRefSchema, attribute="kudos.value")
    message = fields.Str(attribute="kudos.message")
    points = fields.Int(attribute="kudos.points", metadata={"description": "total spent from the budget"})
    points_each = fields.Int(attribute="kudos.points_each")
    by_supervisor = fields.Bool(attribute="kudos.by_supervisor")
    created_at = fields.DateTime(attribute="kudos.created_at")
    applause = fields.Int(metadata={"description": "how many applauded"})
    comment_count = fields.Int(attribute="comments")
    applauded = fields.Bool(metadata={"description": "whether the caller applauded"})


class CommentSchema(Schema):
    id = fields.Int()
    author = fields.Nested(PersonRefSchema)
    text = fields.Str()
    created_at = fields.DateTime()


class KudosDetailSchema(KudosSchema):
    comments = fields.List(fields.Nested(CommentSchema), attribute="comment_list")


class KudosPageSchema(Schema):
    items = fields.List(fields.Nested(KudosSchema))
    next = fields.Str(allow_none=True)


class FeedArgsSchema(ListArgsSchema):
    team = fields.Str(load_default=None)
    recipient = fields.Str(load_default=None)
    giver = fields.Str(load_default=None)
    value = fields.Str(load_default=None)
    since = fields.DateTime(load_default=None, metadata={"description": "ISO 8601; without an offset, "
                                                                        "the organisation's time zone"})


class ReasonSchema(Schema):
    reason = fields.Str(load_default=None)


class ReactionCreateSchema(Schema):
    kind = fields.Str(load_default="applause", validate=validate.OneOf(REACTION_KINDS))


class ReactionSchema(Schema):
    kind = fields.Str()
    applause = fields.Int()


class CommentCreateSchema(Schema):
    text = fields.Str(required=True, validate=validate.Length(max=MAX_COMMENT_LENGTH))


class AnnouncementSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    person = fields.Nested(PersonRefSchema)
    badge = fields.Str(allow_none=True)
    context = fields.Str(allow_none=True)
    title = fields.Str()
    citation = fields.Str(allow_none=True, metadata={"description": "an award's citation"})
    created_at = fields.DateTime()


class FeedItemSchema(Schema):
    type = fields.Str(required=True, metadata={"description": "kudos or announcement"})
    kudos = fields.Nested(KudosSchema)
    announcement = fields.Nested(AnnouncementSchema)


class FeedPageSchema(Schema):
    items = fields.List(fields.Nested(FeedItemSchema))
    next = fields.Str(allow_none=True)


class LeaderboardArgsSchema(Schema):
    period = fields.Str(load_default="week", validate=validate.OneOf(("week", "month", "campaign")))
    campaign = fields.Int(load_default=None)
    scope = fields.Str(load_default="people", validate=validate.OneOf(("people", "teams")))
    team = fields.Str(load_default=None)
    limit = fields.Int(load_default=10, validate=validate.Range(min=1, max=50))


class BoardRowSchema(Schema):
    rank = fields.Int(required=True)
    username = fields.Str()
    team = fields.Str()
    name = fields.Str(required=True)
    points = fields.Int(metadata={"description": "week and month boards"})
    score = fields.Float(metadata={"description": "campaign boards: the weighted score, 0-100"})


class StandingSchema(Schema):
    rank = fields.Int(required=True)
    points = fields.Int()
    score = fields.Float()


class LeaderboardSchema(Schema):
    period = fields.Str()
    period_key = fields.Str()
    campaign = fields.Int(metadata={"description": "campaign boards: the campaign's id"})
    scope = fields.Str()
    items = fields.List(fields.Nested(BoardRowSchema))
    me = fields.Nested(StandingSchema, allow_none=True)
