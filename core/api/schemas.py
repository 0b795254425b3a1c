"""Declared shapes of the core API's input and output; the OpenAPI document is built from them."""
from marshmallow import Schema, fields, validate

from core.config import LOCALES, ROLES


class Dumped(fields.Nested):
    """A nested schema, as the API's documentation shows it, whose values the view dumped already
    (and kept: rows many requests share are dumped once, see :func:`dumped_once`)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class ErrorSchema(Schema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.Str(), values=fields.Str())


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorSchema, required=True)


class ListArgsSchema(Schema):
    limit = fields.Int(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.Str(load_default=None)


class HealthSchema(Schema):
    status = fields.Str(required=True)
    database = fields.Str(required=True)


class TeamSchema(Schema):
    name = fields.Str(required=True)
    site = fields.Function(lambda team: team.site.name if team.site else None)
    timezone = fields.Str()
    supervisors = fields.Function(lambda team: [p.username for p in team.supervisors])


class TeamCreateSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    site = fields.Str(load_default=None, validate=validate.Length(max=120))
    timezone = fields.Str(load_default=None)
    supervisors = fields.List(fields.Str(), load_default=list)


class PersonPublicSchema(Schema):
    """What any colleague may see of a person."""

    username = fields.Str(required=True)
    name = fields.Str(required=True)
    team = fields.Function(lambda person: person.team.name if person.team else None)


class PersonSchema(PersonPublicSchema):
    """A person as an admin sees them after creating them."""

    email = fields.Str()
    role = fields.Str()
    active = fields.Bool()


class PersonCreateSchema(Schema):
    username = fields.Str(required=True)
    name = fields.Str(required=True)
    email = fields.Str(required=True)
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))
    team = fields.Str(load_default=None)
    locale = fields.Str(load_default=None, validate=validate.OneOf(LOCALES))
    timezone = fields.Str(load_default=None)


class UsersArgsSchema(ListArgsSchema):
    team = fields.Str(load_default=None)


class PeopleSearchArgsSchema(Schema):
    q = fields.Str(load_default="", validate=validate.Length(max=100), metadata={
        "description": "part of a name or username; Chinese names also by pinyin or initials"})
    limit = fields.Int(load_default=10, validate=validate.Range(min=1, max=50))


class PeoplePageSchema(Schema):
    items = fields.List(fields.Nested(PersonPublicSchema))
    next = fields.Str(allow_none=True)


class MeSchema(Schema):
    username = fields.Str(required=True)
    name = fields.Str(required=True)
    role = fields.Str(required=True)
    email = fields.Str()
    teams = fields.List(fields.Str())
    supervised_teams = fields.List(fields.Str())
    locale = fields.Str()
    timezone = fields.Str()
    points_balance = fields.Int()
    giving_budget_left = fields.Int()


class SessionCreateSchema(Schema):
    username = fields.Str(required=True)
    password = fields.Str(required=True, load_only=True)
    remember = fields.Bool(load_default=False)
