"""Declared shapes of the digest endpoints of /api/v1."""
from marshmallow import Schema, fields, validate

from digests.models import DIGEST_KINDS, WEBHOOK_FORMATS


class PreviewArgsSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(DIGEST_KINDS))


class PreviewSchema(Schema):
    subject = fields.Str(required=True)
    text = fields.Str(required=True)
    html = fields.Str(required=True)


class WebhookCreateSchema(Schema):
    url = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    format = fields.Str(required=True, validate=validate.OneOf(WEBHOOK_FORMATS))
    team = fields.Str(load_default=None)
    secret = fields.Str(load_default=None, validate=validate.Length(max=255))


class WebhookSchema(Schema):
    """A webhook as admins see it; the secret itself never leaves the server."""

    id = fields.Int(required=True)
    url = fields.Str(required=True)
    format = fields.Str(required=True)
    team = fields.Function(lambda webhook: webhook.team.name if webhook.team else None)
    signed = fields.Function(lambda webhook: bool(webhook.secret))
    created_at = fields.DateTime()


class WebhookPageSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)
    next = fields.Str(allow_none=True)

