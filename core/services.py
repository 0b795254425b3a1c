"""Rules and writes for people, teams, tokens, sign-in and the audit log.

Services know nothing of ``request`` or ``current_user``: callers pass the actor and ``now``.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, event, func, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from core.cache import forget_kept, kept_results
from core.clock import utcnow
from core.config import LOCALES, ROLES
from core.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from core.extensions import db
from core.models import ApiToken, AuditEvent, Person, SignInFailure, Site, Team
from core.people.search import person_search_text

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "bravo_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # a token's last use is recorded to the minute
TOKEN_SCOPES = ("metrics",)


# --- audit -----------------------------------------------------------------------------------

def audit(actor: Person | None, action: str, target: object | None = None, **detail) -> AuditEvent:
    """Record a sensitive action; ``target`` is any model with an ``id``."""
    event = AuditEvent(
        actor=actor,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event


# --- validation ------------------------------------------------------------------------------

def clean_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            _("A username is 2 to 64 characters: letters, digits, dot, dash or underscore."),
            field="username",
        )
    return username


def clean_name(name: str, field: str = "name") -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise InvalidInput(_("A name is required (at most 120 characters)."), field=field)
    return name


def clean_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput(_("Enter a valid e-mail address."), field="email") from None


def clean_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(_("Role must be one of: agent, supervisor, manager, admin."), field="role")
    return role


def clean_timezone(name: str | None, field: str = "timezone") -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("Unknown time zone: %(name)s", name=name), field=field) from None
    return name


def clean_locale(locale: str | None) -> str | None:
    if locale and locale not in LOCALES:
        raise InvalidInput(_("Language must be en or zh_Hans_CN."), field="locale")
    return locale or None


def clean_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password"
        )
    return password


# --- look-ups --------------------------------------------------------------------------------

def person_by_username(username: str) -> Person | None:
    return db.session.execute(
        select(Person).where(Person.username == (username or "").strip().lower())
    ).scalar_one_or_none()


def team_by_name(name: str) -> Team | None:
    return db.session.execute(select(Team).where(Team.name == (name or "").strip())).scalar_one_or_none()


def require_team(name: str, field: str = "team") -> Team:
    team = team_by_name(name)
    if team is None:
        raise NotFound(_("No team is called %(name)s.", name=name), field=field)
    return team


def require_person(username: str, field: str = "username") -> Person:
    person = person_by_username(username)
    if person is None:
        raise NotFound(_("No one has the username %(name)s.", name=username), field=field)
    return person


def site_named(name: str | None) -> Site | None:
    """The site with this name, created on first use; ``None`` for no site."""
    name = " ".join((name or "").split())
    if not name:
        return None
    site = db.session.execute(select(Site).where(Site.name == name)).scalar_one_or_none()
    if site is None:
        site = Site(name=name)
        db.session.add(site)
    return site


# --- people ----------------------------------------------------------------------------------

def create_person(
    username: str,
    name: str,
    email: str,
    role: str,
    *,
    team: Team | None = None,
    password: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    actor: Person | None = None,
) -> Person:
    """Create a person.

    :raise InvalidInput: when a field is malformed
    :raise Conflict: when the username is taken
    """
    username = clean_username(username)
    fields = dict(
        name=clean_name(name),
        email=clean_email(email),
        role=clean_role(role),
        locale=clean_locale(locale),
        timezone=clean_timezone(timezone),
    )
    if password is not None:
        clean_password(password)
    if person_by_username(username) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=username), field="username")
    person = Person(username=username, search_text=person_search_text(fields["name"], username), **fields)
    if password is not None:
        person.set_password(password)
    db.session.add(person)
    person.team = team
    db.session.flush()
    audit(actor, "person.create", person, username=username, role=person.role)
    return person


def update_person(
    person: Person,
    *,
    name: str,
    email: str,
    role: str,
    locale: str | None,
    timezone: str | None,
    actor: Person | None,
) -> Person:
    """Edit a person's details; a role change is audited on its own.

    :raise InvalidInput: when the new role no longer fits what the person does (leads a team,
        manages a site, is the last administrator)
    """
    new_role = clean_role(role)
    check_role_change(person, new_role)
    person.name = clean_name(name)
    person.search_text = person_search_text(person.name, person.username)
    person.email = clean_email(email)
    person.locale = clean_locale(locale)
    person.timezone = clean_timezone(timezone)
    if new_role != person.role:
        audit(actor, "person.role_change", person, old=person.role, new=new_role)
        person.role = new_role
    audit(actor, "person.update", person)
    return person


def refresh_search_texts() -> int:
    """Recompute every person's search text (after a migration or a bulk load); returns how many changed."""
    changed = 0
    for person in db.session.execute(select(Person)).scalars():
        text = person_search_text(person.name, person.username)
        if person.search_text != text:
            person.search_text = text
            changed += 1
    return changed


def check_role_change(person: Person, new_role: str) -> None:
    """A role is lowered only once the person no longer holds what the lower role cannot."""
    if new_role == person.role:
        return
    if new_role == "agent" and person.supervised_teams:
        raise InvalidInput(
            _("%(name)s leads %(teams)s: name another supervisor there first.", name=person.name,
              teams=", ".join(t.name for t in person.supervised_teams)),
            field="role",
        )
    if new_role in ("agent", "supervisor") and person.managed_sites:
        raise InvalidInput(
            _("%(name)s manages %(sites)s: remove those sites first.", name=person.name,
              sites=", ".join(s.name for s in person.managed_sites)),
            field="role",
        )
    if person.role == "admin" and person.active and _active_admin_count() <= 1:
        raise InvalidInput(_("Bravo needs at least one active administrator."), field="role")


def _active_admin_count() -> int:
    return db.session.execute(
        select(func.count()).where(Person.role == "admin", Person.active.is_(True))
    ).scalar_one()


def set_person_active(person: Person, active: bool, *, actor: Person | None) -> None:
    """Deactivate (or reactivate) a person: a deactivated person can neither sign in nor use tokens."""
    if person.active == active:
        return
    if not active and person.role == "admin" and _active_admin_count() <= 1:
        raise InvalidInput(_("Bravo needs at least one active administrator."), field="active")
    person.active = active
    audit(actor, "person.activate" if active else "person.deactivate", person)


def move_person(person: Person, team: Team | None, *, actor: Person | None) -> None:
    """Move a person to another team (or none); the move is kept in the audit log."""
    if person.team_id == (team.id if team else None):
        return
    old = person.team.name if person.team else None
    person.team = team
    audit(actor, "person.move", person, old_team=old, new_team=team.name if team else None)


def update_preferences(person: Person, *, locale: str | None, timezone: str | None) -> None:
    person.locale = clean_locale(locale)
    person.timezone = clean_timezone(timezone)


# --- teams -----------------------------------------------------------------------------------

def clean_team_name(name: str) -> str:
    return clean_name(name, field="name")


def create_team(
    name: str,
    *,
    site: str | None = None,
    timezone: str | None = None,
    supervisors: Iterable[Person] = (),
    actor: Person | None = None,
) -> Team:
    """Create a team in a site (created on first use), in its own time zone.

    :raise Conflict: when the name is taken
    """
    name = clean_team_name(name)
    if team_by_name(name) is not None:
        raise Conflict(_("A team called %(name)s exists already.", name=name), field="name")
    team = Team(
        name=name,
        site=site_named(site),
        timezone=clean_timezone(timezone) or current_app.config["TIMEZONE"],
    )
    db.session.add(team)
    set_team_supervisors(team, supervisors, actor=None)
    db.session.flush()
    audit(actor, "team.create", team, name=name)
    return team


def update_team(
    team: Team,
    *,
    name: str,
    site: str | None,
    timezone: str | None,
    supervisors: Iterable[Person],
    actor: Person | None,
) -> Team:
    name = clean_team_name(name)
    other = team_by_name(name)
    if other is not None and other.id != team.id:
        raise Conflict(_("A team called %(name)s exists already.", name=name), field="name")
    team.name = name
    team.site = site_named(site)
    team.timezone = clean_timezone(timezone) or current_app.config["TIMEZONE"]
    set_team_supervisors(team, supervisors, actor=actor)
    audit(actor, "team.update", team)
    return team


def set_team_supervisors(team: Team, supervisors: Iterable[Person], *, actor: Person | None) -> None:
    """Name the team's supervisors; only supervisors, managers and admins may lead a team."""
    supervisors = list(dict.fromkeys(supervisors))
    for person in supervisors:
        if not person.has_role("supervisor"):
            raise InvalidInput(
                _("%(name)s is an agent and cannot lead a team.", name=person.name), field="supervisors"
            )
    old = {p.username for p in team.supervisors}
    team.supervisors = supervisors
    new = {p.username for p in supervisors}
    if actor is not None and old != new:
        audit(actor, "team.supervisors", team, old=sorted(old), new=sorted(new))


def set_team_active(team: Team, active: bool, *, actor: Person | None) -> None:
    if team.active != active:
        team.active = active
        audit(actor, "team.activate" if active else "team.deactivate", team)


# --- passwords and sign-in -------------------------------------------------------------------

class InvalidCredentials(InvalidInput):
    code = "invalid_credentials"
    status = 401


def sign_in(username: str, password: str, *, now: datetime, remote_addr: str | None = None) -> Person:
    """Check a sign-in; after too many recent failures for a username, refuse without checking.

    :raise TooManyAttempts: when the username has failed too often within the window
    :raise InvalidCredentials: when the username or password is wrong, or the person is deactivated
    """
    username = (username or "").strip().lower()[:64]
    config = current_app.config
    window_start = now - timedelta(minutes=config["SIGNIN_FAILURE_WINDOW_MINUTES"])
    recent = db.session.execute(
        select(func.count()).where(SignInFailure.username == username, SignInFailure.at > window_start)
    ).scalar_one()
    if recent >= config["SIGNIN_MAX_FAILURES"]:
        if recent == config["SIGNIN_MAX_FAILURES"]:
            audit(None, "signin.throttled", None, username=username, remote_addr=remote_addr)
        db.session.add(SignInFailure(username=username, at=now, remote_addr=remote_addr))
        raise TooManyAttempts(_("Too many failed sign-ins. Try again later."))
    person = person_by_username(username)
    if person is None or not person.active or not person.check_password(password or ""):
        db.session.add(SignInFailure(username=username, at=now, remote_addr=remote_addr))
        raise InvalidCredentials(_("Wrong username or password."))
    return person


def forget_old_sign_in_failures(*, now: datetime) -> int:
    """Drop failures older than a day; they no longer count toward any window."""
    result = db.session.execute(delete(SignInFailure).where(SignInFailure.at < now - timedelta(days=1)))
    return result.rowcount or 0


def change_password(person: Person, current: str, new: str) -> None:
    """:raise InvalidInput: when the current password is wrong or the new one too short"""
    if not person.check_password(current):
        raise InvalidInput(_("Your current password is not right."), field="current_password")
    person.set_password(clean_password(new))
    audit(person, "person.password_change", person)


def reset_password(person: Person, new: str, *, actor: Person | None) -> None:
    person.set_password(clean_password(new))
    audit(actor, "person.password_reset", person)


# --- API tokens ------------------------------------------------------------------------------

def create_token(person: Person, *, scopes: Iterable[str] = (), label: str = "") -> tuple[ApiToken, str]:
    """Make a personal token; returns the record and the token, which is never stored or shown again."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in TOKEN_SCOPES]
    if unknown:
        raise InvalidInput(_("Unknown token scope: %(name)s", name=", ".join(unknown)), field="scopes")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(person=person, digest=ApiToken.digest_of(token), scopes=scopes, label=label)
    db.session.add(record)
    db.session.flush()
    audit(person, "token.create", record, scopes=scopes)
    return record, token


# Built once: every API call runs it, and building a statement costs more than running this one.
_TOKEN_AND_PERSON = (select(ApiToken, Person).join(ApiToken.person)
                     .where(ApiToken.digest == bindparam("digest")))
VERIFIED_TOKENS = "verified_tokens"
VERIFIED_TOKENS_KEPT = 10_000


@dataclass
class VerifiedToken:
    """A live token of an active person, as last read: what the API needs of the token, and a
    detached copy of the person (each request merges it into its own session, see
    :func:`core.api.load_person_from_token`)."""

    id: int
    scopes: tuple[str, ...]
    last_used_at: datetime | None
    person: Person


def verified_token(token: str) -> VerifiedToken | None:
    """The live token and its active person, or ``None``: one query, then kept in this process for
    ``API_TOKEN_RECHECK_SECONDS``. A commit in this process that changes a person or a token forgets
    every kept token at once; other processes see a revocation or a deactivation within those seconds."""
    digest = ApiToken.digest_of(token or "")
    seconds = float(current_app.config["API_TOKEN_RECHECK_SECONDS"])
    if seconds <= 0:
        return _read_token(digest)
    kept = kept_results(VERIFIED_TOKENS, max_entries=VERIFIED_TOKENS_KEPT, max_age=seconds)
    return kept.get_or_make(digest, lambda: _read_token(digest))


def _read_token(digest: str) -> VerifiedToken | None:
    row = db.session.execute(_TOKEN_AND_PERSON, {"digest": digest}).first()
    if row is None:
        return None
    record, person = row
    if record.revoked_at is not None or not person.active:
        return None
    return VerifiedToken(record.id, tuple(record.scopes or ()), record.last_used_at, _detached_copy(person))


def _detached_copy(person: Person) -> Person:
    copy = Person(**{column.key: getattr(person, column.key) for column in sa_inspect(Person).column_attrs})
    make_transient_to_detached(copy)
    return copy


@event.listens_for(Session, "after_flush")
def _note_changed_people_or_tokens(session: Session, _flush_context) -> None:
    if any(isinstance(changed, (Person, ApiToken)) for changed in (*session.new, *session.dirty, *session.deleted)):
        session.info[VERIFIED_TOKENS] = True


@event.listens_for(Session, "after_commit")
def _forget_verified_tokens(session: Session) -> None:
    if session.info.pop(VERIFIED_TOKENS, False) and has_app_context():
        forget_kept(VERIFIED_TOKENS)


@event.listens_for(Session, "after_soft_rollback")
def _nothing_changed(session: Session, _previous_transaction) -> None:
    session.info.pop(VERIFIED_TOKENS, None)


def token_use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether :func:`mark_token_used` would write: the last use is recorded to the minute."""
    return last_used_at is None or now - last_used_at > TOKEN_USE_RESOLUTION


def mark_token_used(token_id: int, *, now: datetime) -> None:
    """Record a token's use (to the minute; several processes may try in the same minute)."""
    tokens = ApiToken.__table__.c
    db.session.execute(
        update(ApiToken.__table__)
        .where(tokens.id == token_id,
               or_(tokens.last_used_at.is_(None), tokens.last_used_at <= now - TOKEN_USE_RESOLUTION))
        .values(last_used_at=now)
    )


def revoke_token(record: ApiToken, *, actor: Person, now: datetime | None = None) -> None:
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
        audit(actor, "token.revoke", record)


def set_managed_sites(person: Person, sites: Iterable[Site], *, actor: Person | None) -> None:
    """The sites a manager oversees; only managers and admins manage sites."""
    sites = list(dict.fromkeys(sites))
    if sites and not person.has_role("manager"):
        raise InvalidInput(_("Only managers and admins manage sites."), field="managed_sites")
    old = {s.name for s in person.managed_sites}
    person.managed_sites = sites
    if old != {s.name for s in sites}:
        audit(actor, "person.sites", person, old=sorted(old), new=sorted(s.name for s in sites))
