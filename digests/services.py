"""Rules and writes for digests: team schedules, people's preferences, one-click unsubscribe, webhooks,
the inbox. Plain functions: no request, no current user."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from core.errors import InvalidInput, NotFound
from core.extensions import db
from core.models import Person, Team
from core.services import audit
from digests.models import (
    DIGEST_KINDS, PERSONAL_FREQUENCIES, TEAM_FREQUENCIES, WEBHOOK_FORMATS, DigestPreference, InboxMessage,
    TeamDigestSchedule, Webhook,
)
from digests.schedule import Schedule, parse_time

DEFAULT_TEAM_SCHEDULE = ("weekly", 4, time(16, 0))  # Friday 16:00, team time
UNSUBSCRIBE_SALT = "bravo.digests.unsubscribe"


# --- schedules -------------------------------------------------------------------------------

def team_schedules(teams: list[Team]) -> dict[int, Schedule]:
    """Each team's wins-digest schedule in its own time zone (one query for all)."""
    rows = {row.team_id: row for row in db.session.execute(
        select(TeamDigestSchedule).where(TeamDigestSchedule.team_id.in_([t.id for t in teams]))
    ).scalars()} if teams else {}
    schedules = {}
    for team in teams:
        row = rows.get(team.id)
        frequency, weekday, at = (row.frequency, row.weekday, row.send_at) if row else DEFAULT_TEAM_SCHEDULE
        schedules[team.id] = Schedule(frequency, at, team.timezone, weekday)
    return schedules


def set_team_schedule(team: Team, *, frequency: str, weekday: int | None, send_at: str | time,
                      actor: Person | None) -> TeamDigestSchedule:
    """:raise InvalidInput: for an unknown frequency, a weekday outside 0–6 or a time that is not HH:MM"""
    if frequency not in TEAM_FREQUENCIES:
        raise InvalidInput(_("Choose daily or weekly."), field="frequency")
    weekday = DEFAULT_TEAM_SCHEDULE[1] if weekday is None else weekday
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        raise InvalidInput(_("Choose a day of the week."), field="weekday")
    at = send_at if isinstance(send_at, time) else parse_time(send_at)
    row = db.session.get(TeamDigestSchedule, team.id) or TeamDigestSchedule(team_id=team.id)
    row.frequency, row.weekday, row.send_at = frequency, weekday, at.replace(second=0, microsecond=0)
    db.session.add(row)
    audit(actor, "digests.team_schedule", team, frequency=frequency, weekday=weekday, send_at=at.strftime("%H:%M"))
    return row


def person_schedule(frequency: str, timezone: str, *, kind: str) -> Schedule:
    """Personal and supervisor digests go out at ``DIGEST_<KIND>_TIME`` (weekly on ``DIGEST_<KIND>_WEEKDAY``)."""
    config = current_app.config
    return Schedule(frequency, parse_time(config[f"DIGEST_{kind.upper()}_TIME"]), timezone,
                    int(config[f"DIGEST_{kind.upper()}_WEEKDAY"]))


def timezone_of(person: Person) -> str:
    return person.timezone or (person.team.timezone if person.team else current_app.config["TIMEZONE"])


# --- preferences -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Preference:
    kind: str
    email: bool = True
    in_app: bool = True
    frequency: str = "weekly"


def _as_preference(row: DigestPreference) -> Preference:
    return Preference(row.kind, row.email, row.in_app, row.frequency)


def preferences_of(person: Person) -> dict[str, Preference]:
    rows = db.session.execute(select(DigestPreference).where(DigestPreference.person_id == person.id)).scalars()
    found = {row.kind: _as_preference(row) for row in rows}
    return {kind: found.get(kind, Preference(kind)) for kind in DIGEST_KINDS}


def preferences_for_kind(kind: str) -> dict[int, Preference]:
    """Everyone's stored choice for one kind (people without a row take the defaults): one query."""
    rows = db.session.execute(select(DigestPreference).where(DigestPreference.kind == kind)).scalars()
    return {row.person_id: _as_preference(row) for row in rows}


def set_preference(person: Person, kind: str, *, email: bool, in_app: bool,
                   frequency: str | None = None) -> DigestPreference:
    """Choose the channels of a kind of digest, and the personal digest's frequency (the other kinds
    follow their own schedules: ``frequency`` is ignored for them).

    :raise InvalidInput: for an unknown kind or frequency
    """
    if kind not in DIGEST_KINDS:
        raise InvalidInput(_("Unknown digest."), field="kind")
    frequency = (frequency or "weekly") if kind == "personal" else "weekly"
    if frequency not in PERSONAL_FREQUENCIES:
        raise InvalidInput(_("Choose daily, weekly or none."), field="frequency")
    row = db.session.get(DigestPreference, (person.id, kind)) or DigestPreference(person_id=person.id, kind=kind)
    row.email, row.in_app, row.frequency = bool(email), bool(in_app), frequency
    db.session.add(row)
    return row


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(person_id: int, kind: str) -> str:
    """A signed token that stops one kind of digest e-mail for one person, without signing in."""
    return _serializer().dumps([person_id, kind])


def unsubscribe_target(token: str) -> tuple[Person, str]:
    """:raise NotFound: for a token that was not made here, or a person who is gone"""
    try:
        person_id, kind = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        raise NotFound(_("This unsubscribe link is not valid.")) from None
    person = db.session.get(Person, person_id) if isinstance(person_id, int) else None
    if person is None or kind not in DIGEST_KINDS:
        raise NotFound(_("This unsubscribe link is not valid."))
    return person, kind


def unsubscribe(person: Person, kind: str) -> None:
    """Stop e-mails of this kind (the in-app inbox keeps them)."""
    current = preferences_of(person)[kind]
    set_preference(person, kind, email=False, in_app=current.in_app, frequency=current.frequency)
    audit(None, "digests.unsubscribe", person, kind=kind)


# --- webhooks --------------------------------------------------------------------------------

def create_webhook(url: str, format: str, *, team: Team | None = None, secret: str | None = None,
                   actor: Person | None) -> Webhook:
    """:raise InvalidInput: for a URL that is not http(s), an unknown format or an overlong secret"""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput(_("Give the webhook's full http:// or https:// address."), field="url")
    if format not in WEBHOOK_FORMATS:
        raise InvalidInput(_("Format must be one of: %(formats)s.", formats=", ".join(WEBHOOK_FORMATS)),
                           field="format")
    secret = (secret or "").strip() or None
    if secret is not None and len(secret) > 255:
        raise InvalidInput(_("The secret is too long."), field="secret")
    webhook = Webhook(url=url, format=format, team=team, secret=secret, created_by_id=actor.id if actor else None)
    db.session.add(webhook)
    db.session.flush()
    audit(actor, "digests.webhook_added", webhook, format=format, team=team.name if team else None)
    return webhook


def delete_webhook(webhook: Webhook, *, actor: Person | None) -> None:
    audit(actor, "digests.webhook_removed", webhook, format=webhook.format)
    db.session.delete(webhook)


def require_webhook(webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(_("Not found."))
    return webhook


# --- inbox -----------------------------------------------------------------------------------

def mark_read(person: Person, *, message_id: int | None = None, now: datetime) -> int:
    """Mark one of the person's messages read (all of them without ``message_id``); how many changed."""
    stmt = update(InboxMessage).where(InboxMessage.person_id == person.id, InboxMessage.read_at.is_(None))
    if message_id is not None:
        stmt = stmt.where(InboxMessage.id == message_id)
    return db.session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False)).rowcount
