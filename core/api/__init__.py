"""The /api/v1 shell: token authentication, the error format of API.md, blueprints and pagination."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Hashable
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy import BigInteger, Select
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from core.cache import kept_results
from core.clock import utcnow
from core.db import own_write_transaction
from core.errors import DomainError, InvalidInput
from core.extensions import api, csrf, db

API_PREFIX = "/api/v1"
# Dumped values kept per schema (see dumped_once), and for how long.
DUMPED_KEPT = 10_000
DUMPED_KEPT_SECONDS = 300.0
# Endpoints anyone may call without a token or a session.
PUBLIC_ENDPOINTS = {"core_api.health", "core_api.open_session", "api-docs.openapi_json"}

HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "rule_broken",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class BadInputParser(FlaskParser):
    """Input that does not match its schema is malformed (400); 422 is kept for broken rules."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    """A blueprint of the JSON API; every area's ``api.py`` makes one."""

    ARGUMENTS_PARSER = BadInputParser()


def error_response(status: int, message: str, *, code: str | None = None,
                   fields: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code or HTTP_CODES.get(status, "error"), "message": message,
                      "fields": fields or {}}}
    response = jsonify(body)
    response.status_code = status
    return response


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow messages ({"json": {"rows": {"0": {"date": ["..."]}}}}) as {"rows.0.date": "..."}."""
    if isinstance(messages, dict):
        flat: dict[str, str] = {}
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if prefix == "" and key in ("json", "query", "form", "files", "headers", "view_args"):
                name = ""
            flat.update(_flatten(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": " ".join(messages)}
    if isinstance(messages, list):
        return _flatten(dict(enumerate(messages)), prefix)
    return {prefix or "_schema": str(messages)}


def http_error_as_json(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = _flatten(data.get("messages", {})) if "messages" in data else {}
    if status == 400 and fields.get("_schema", "").startswith("Invalid JSON"):
        message = _("The request body is not valid JSON.")
        fields = {}
    elif status == 400 and fields:
        message = _("Some fields are missing or malformed.")
    else:
        message = {
            401: _("Sign in or send a valid token: Authorization: Bearer TOKEN."),
            403: _("You are not allowed to do this."),
            404: _("Not found."),
            405: _("This method is not allowed here."),
        }.get(status, error.description or error.name)
    response = error_response(status, message, fields=fields)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def domain_error_as_json(error: DomainError) -> Response:
    return error_response(error.status, error.message, code=error.code, fields=error.fields)


def _authenticate() -> Response | None:
    """Every API call but the public ones needs a token or a session; a session's writes need CSRF."""
    if not is_api_request():
        return None
    g.api_request = True
    # An unknown route or method is answered as such (404, 405), not as a missing token.
    if request.endpoint in PUBLIC_ENDPOINTS or request.routing_exception is not None:
        return None
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in or send a valid token: Authorization: Bearer TOKEN."))
    if (g.get("api_token") is None and current_app.config["WTF_CSRF_ENABLED"]
            and request.method not in ("GET", "HEAD", "OPTIONS")):
        csrf.protect()
    return None


def token_from_header() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def load_person_from_token(req) -> Any:
    """Flask-Login request loader: the person behind a valid ``Authorization: Bearer`` token."""
    from core import services

    if not req.headers.get("Authorization"):
        return None
    token = token_from_header()
    verified = services.verified_token(token) if token else None
    if verified is None:
        return None
    g.api_token = verified
    now = utcnow()
    if services.token_use_is_stale(verified.last_used_at, now):
        with own_write_transaction(db.session):
            services.mark_token_used(verified.id, now=now)
        verified.last_used_at = now
    # The kept copy stays detached (other requests share it); this request works with its own.
    return db.session.merge(verified.person, load=False)


def dumped_once(schema: Schema, value: Hashable) -> dict:
    """``schema.dump(value)``, kept in this process for equal values: for immutable rows (frozen
    dataclasses) that many requests answer alike, such as the top of the standings. The dump must
    depend on the value alone (not on the caller or their language); the dict is shared, never
    changed. A view returns it through a :class:`~core.api.schemas.Dumped` field."""
    kept = kept_results(f"dumped:{type(schema).__name__}", max_entries=DUMPED_KEPT, max_age=DUMPED_KEPT_SECONDS)
    return kept.get_or_make(value, lambda: schema.dump(value))


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput(_("The cursor is not valid."), field="cursor") from None


def keyset_page(stmt: Select, key, *, limit: int, cursor: str | None,
                descending: bool = False) -> tuple[list, str | None]:
    """One page of ``stmt`` ordered by the unique integer ``key``; returns rows and the next cursor."""
    after = decode_cursor(cursor)
    if after is not None:
        # Only an integer the key's column can hold (JSON true is a Python int, too).
        bound = 2**63 if isinstance(key.type, BigInteger) else 2**31
        if type(after) is not int or not -bound <= after < bound:
            raise InvalidInput(_("The cursor is not valid."), field="cursor")
        stmt = stmt.where(key < after if descending else key > after)
    stmt = stmt.order_by(key.desc() if descending else key.asc()).limit(limit + 1)
    rows = list(db.session.execute(stmt).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(getattr(rows[-1], key.key))
    return rows, next_cursor


def register_api_blueprint(blueprint: ApiBlueprint) -> None:
    """Join a blueprint to /api/v1 and its OpenAPI document; its CSRF check is :func:`_authenticate`'s."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint, url_prefix=API_PREFIX)


def init_api(app: Flask) -> None:
    api.init_app(app)
    app.before_request(_authenticate)
