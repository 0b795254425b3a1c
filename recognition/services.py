"""Rules and writes for values, kudos, reactions, comments and giving budgets.

Points are never created from nothing: a kudos moves points from the giver's monthly budget
(:class:`GivingSpend`) to the recipients' ledger lines. The bookkeeping invariant, checked by the
tests::

    sum(ledger amounts of kinds kudos, kudos_retracted, kudos_hidden)
        == sum(GivingSpend.spent) - sum(Kudos.points of hidden kudos)

because giving adds ``points`` to both sides, a retraction takes them off both (a refund), and
hiding takes them off the ledger only (nothing is refunded). A kudos cannot be both retracted and
hidden.

Services take ``now`` (an aware UTC datetime) and the acting person, and never commit. Giving,
retracting and hiding emit ``kudos.given`` / ``kudos.removed`` (:mod:`core.hooks`) so campaign
standings and wallboards follow.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import make_transient_to_detached

from core import access
from core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from core.extensions import db
from core.hooks import emit_event
from core.models import Person, Team, team_supervisors
from core.services import audit
from recognition import badges
from recognition.ledger import LedgerLine, append_to_ledger, dialect_insert, insert_for, period_keys
from recognition.models import (
    REACTION_KINDS, Comment, GivingSpend, Kudos, KudosRecipient, PointsTally, Reaction, Value,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_MESSAGE_LENGTH = 2000
MAX_COMMENT_LENGTH = 500
MAX_RECIPIENTS = 50


# --- broken rules (API 422 with these codes) -------------------------------------------------

class OverBudget(DomainError):
    code = "over_budget"


class SelfKudos(DomainError):
    code = "self_kudos"


class PairCapReached(DomainError):
    code = "pair_cap"


class MessageTooShort(DomainError):
    code = "message_too_short"


class InactiveValue(DomainError):
    code = "inactive_value"


class InactiveRecipient(DomainError):
    code = "inactive_recipient"


class NoRecipients(DomainError):
    code = "no_recipients"


class RetractWindowClosed(DomainError):
    code = "retract_window_closed"


class AlreadyReacted(Conflict):
    code = "already_reacted"


# --- values ----------------------------------------------------------------------------------

def value_by_slug(slug: str) -> Value | None:
    slug = (slug or "").strip().lower()
    return db.session.execute(select(Value).where(Value.slug == slug)).scalar_one_or_none()


def require_value(slug: str, field: str = "value") -> Value:
    """:raise NotFound: when no value has this slug"""
    value = value_by_slug(slug)
    if value is None:
        raise NotFound(_("No value has the slug %(name)s.", name=slug), field=field)
    return value


def _clean_value_name(name: str | None, field: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise InvalidInput(_("A name is required (at most 120 characters)."), field=field)
    return name


def _clean_description(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if len(text) > 1000:
        raise InvalidInput(_("At most %(n)d characters.", n=1000), field=field)
    return text


def create_value(slug: str, *, name_en: str, name_zh: str | None = None, description_en: str = "",
                 description_zh: str = "", position: int | None = None, active: bool = True,
                 actor: Person | None) -> Value:
    """Add one of the organisation's values; a missing Chinese name or description uses the English one.

    :raise InvalidInput: for a malformed slug or name
    :raise Conflict: when the slug is taken
    """
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(_("A slug is 2 to 64 lowercase letters, digits or dashes."), field="slug")
    name_en = _clean_value_name(name_en, "name_en")
    value = Value(
        slug=slug,
        name_en=name_en,
        name_zh=_clean_value_name(name_zh, "name_zh") if name_zh else name_en,
        description_en=_clean_description(description_en, "description_en"),
        description_zh=_clean_description(description_zh or description_en, "description_zh"),
        active=active,
    )
    if value_by_slug(slug) is not None:
        raise Conflict(_("A value with the slug %(name)s exists already.", name=slug), field="slug")
    if position is None:
        position = (db.session.execute(select(func.max(Value.position))).scalar() or 0) + 1
    value.position = position
    db.session.add(value)
    db.session.flush()
    audit(actor, "value.create", value, slug=slug)
    return value


def update_value(value: Value, *, actor: Person | None, **changes) -> Value:
    """Change a value's names, descriptions, position or ``active`` (an inactive value takes no new kudos)."""
    cleaners = {
        "name_en": lambda v: _clean_value_name(v, "name_en"),
        "name_zh": lambda v: _clean_value_name(v, "name_zh"),
        "description_en": lambda v: _clean_description(v, "description_en"),
        "description_zh": lambda v: _clean_description(v, "description_zh"),
        "position": int,
        "active": bool,
    }
    for field, new in changes.items():
        if field not in cleaners:
            raise InvalidInput(_("Unknown field: %(name)s", name=field), field=field)
        if new is not None:
            setattr(value, field, cleaners[field](new))
    audit(actor, "value.update", value, fields=sorted(k for k, v in changes.items() if v is not None))
    return value


def move_value(value: Value, offset: int, *, actor: Person | None) -> None:
    """Move a value up (``offset`` -1) or down (+1) in the organisation's order; positions become 1..n."""
    ordered = list(db.session.execute(select(Value).order_by(Value.position, Value.id)).scalars())
    index = ordered.index(value)
    target = min(max(index + offset, 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    for position, each in enumerate(ordered, 1):
        each.position = position
    if target != index:
        audit(actor, "value.move", value, position=target + 1)


# --- budgets ---------------------------------------------------------------------------------

def monthly_budget(person: Person) -> int:
    """Points the person may give in a month: by role, plus an amount per active agent they lead."""
    config = current_app.config
    budget = int(config[f"GIVING_BUDGET_{person.role.upper()}"])
    per_report = int(config["BUDGET_PER_DIRECT_REPORT"])
    if per_report and person.has_role("supervisor"):
        led = select(team_supervisors.c.team_id).where(team_supervisors.c.person_id == person.id)
        reports = db.session.execute(
            select(func.count(Person.id)).where(Person.team_id.in_(led), Person.role == "agent",
                                                Person.active.is_(True))
        ).scalar_one()
        budget += per_report * reports
    return budget


def budget_spent(person: Person, month_key: str) -> int:
    spent = db.session.execute(
        select(GivingSpend.spent).where(GivingSpend.giver_id == person.id, GivingSpend.month_key == month_key)
    ).scalar_one_or_none()
    return spent or 0


def giving_budget_left(person: Person, *, now: datetime) -> int:
    """What the person may still give this month (organisation time zone); unspent points do not roll over."""
    _week, month_key = period_keys(now)
    return max(0, monthly_budget(person) - budget_spent(person, month_key))


def points_balance(person: Person) -> int:
    """Lifetime points: the sum of the person's ledger lines (read from the all-time tally)."""
    points = db.session.execute(
        select(PointsTally.points).where(PointsTally.person_id == person.id, PointsTally.period == "all")
    ).scalar_one_or_none()
    return points or 0


def _locked_spend(giver_id: int, month_key: str) -> GivingSpend:
    """The giver's spend row for a month, created if missing and locked (FOR UPDATE) until commit."""
    db.session.execute(
        dialect_insert(GivingSpend).values(giver_id=giver_id, month_key=month_key, spent=0)
        .on_conflict_do_nothing(index_elements=["giver_id", "month_key"])
    )
    return db.session.execute(
        select(GivingSpend).where(GivingSpend.giver_id == giver_id, GivingSpend.month_key == month_key)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def rebuild_giving_spend() -> None:
    """Recompute every giver's monthly spend from their kudos (after a bulk load that wrote kudos directly).

    Retracted kudos were refunded; hidden ones were not.
    """
    db.session.execute(delete(GivingSpend))
    db.session.execute(insert(GivingSpend).from_select(
        ["giver_id", "month_key", "spent"],
        select(Kudos.giver_id, Kudos.month_key, func.sum(Kudos.points))
        .where(Kudos.retracted_at.is_(None)).group_by(Kudos.giver_id, Kudos.month_key),
    ))


# --- giving kudos ----------------------------------------------------------------------------

def clean_message(message: str | None) -> str:
    """The message, trimmed; its length counts characters (a Chinese character counts one).

    :raise MessageTooShort: below ``KUDOS_MIN_MESSAGE_LENGTH`` characters
    :raise InvalidInput: above the maximum length
    """
    text = unicodedata.normalize("NFC", message or "").strip()
    minimum = int(current_app.config["KUDOS_MIN_MESSAGE_LENGTH"])
    if len(text) < minimum:
        raise MessageTooShort(
            _("Say what was done: at least %(n)d characters.", n=minimum), field="message"
        )
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(_("At most %(n)d characters.", n=MAX_MESSAGE_LENGTH), field="message")
    return text


def _recipients_of(giver: Person, people: Sequence[Person], team: Team | None) -> list[Person]:
    """The people a kudos goes to: the given people, or the team's active members but the giver."""
    if bool(people) == (team is not None):
        raise InvalidInput(_("Choose one or more people, or one team."), field="recipients")
    if team is not None:
        if not team.active:
            raise InactiveRecipient(_("%(name)s is not an active team.", name=team.name), field="team")
        members = db.session.execute(
            select(Person).where(Person.team_id == team.id, Person.active.is_(True), Person.id != giver.id)
            .order_by(Person.id)
        ).scalars().all()
        if not members:
            raise NoRecipients(_("The team has no one else to thank."), field="team")
        return list(members)
    unique = list({person.id: person for person in people}.values())
    if len(unique) > MAX_RECIPIENTS:
        raise InvalidInput(_("At most %(n)d people at once.", n=MAX_RECIPIENTS), field="recipients")
    if any(person.id == giver.id for person in unique):
        raise SelfKudos(_("You cannot give kudos to yourself."), field="recipients")
    inactive = [person.username for person in unique if not person.active]
    if inactive:
        raise InactiveRecipient(
            _("%(name)s is no longer active.", name=", ".join(inactive)), field="recipients"
        )
    return unique


@lru_cache(maxsize=None)
def _given_to_statement():
    """Points the giver gave each of some people in a month (retracted kudos were refunded)."""
    return (
        select(KudosRecipient.person_id, func.sum(KudosRecipient.points))
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.giver_id == bindparam("giver_id"), Kudos.month_key == bindparam("month_key"),
               Kudos.retracted_at.is_(None), KudosRecipient.person_id.in_(bindparam("people", expanding=True)))
        .group_by(KudosRecipient.person_id)
    )


def _check_pair_cap(giver: Person, recipients: list[Person], points_each: int, month_key: str) -> None:
    """:raise PairCapReached: when a recipient would pass ``KUDOS_PAIR_CAP`` points from the giver this month

    Hidden kudos still count (their points were spent); retracted ones were refunded and do not.
    """
    if points_each <= 0:
        return
    cap = int(current_app.config["KUDOS_PAIR_CAP"])
    given = dict(db.session.connection().execute(_given_to_statement(), {
        "giver_id": giver.id, "month_key": month_key, "people": [p.id for p in recipients]}).all())
    over = [p for p in recipients if given.get(p.id, 0) + points_each > cap]
    if over:
        person = over[0]
        left = max(0, cap - given.get(person.id, 0))
        raise PairCapReached(
            _("%(name)s can receive at most %(cap)d points from you a month; %(left)d left.",
              name=person.name, cap=cap, left=left),
            field="points",
        )


@lru_cache(maxsize=None)
def _spend_statement(dialect: str):
    """Add ``cost`` to the giver's spend of a month unless it would pass ``budget``: one upsert, which
    also locks the row until commit (on PostgreSQL, even when it adds nothing). It returns the new
    spend, or no row when the budget does not allow it."""
    spend = GivingSpend.__table__
    stmt = insert_for(dialect, spend).values(
        giver_id=bindparam("giver_id"), month_key=bindparam("month_key"), spent=bindparam("cost"))
    return stmt.on_conflict_do_update(
        index_elements=["giver_id", "month_key"], set_={"spent": spend.c.spent + stmt.excluded.spent},
        where=spend.c.spent + stmt.excluded.spent <= bindparam("budget"),
    ).returning(spend.c.spent)


def _spend_from_budget(giver: Person, cost: int, month_key: str) -> None:
    """Take ``cost`` from the giver's budget of the month (their spend row stays locked until commit).

    :raise OverBudget: when what is left cannot cover it
    """
    budget = monthly_budget(giver)
    connection = db.session.connection()
    spent = None
    if cost <= budget:
        spent = connection.execute(_spend_statement(connection.dialect.name), {
            "giver_id": giver.id, "month_key": month_key, "cost": cost, "budget": budget}).scalar()
    if spent is None:
        left = max(0, budget - budget_spent(giver, month_key))
        raise OverBudget(
            _("This needs %(cost)d points but only %(left)d of your %(budget)d are left this month.",
              cost=cost, left=left, budget=budget),
            field="points",
        )


def _record_kudos(row: dict, recipient_rows: list[dict], *, giver: Person, value: Value, team: Team | None,
                  people: list[Person]) -> Kudos:
    """Insert a kudos and its recipients with two statements, and return it as a loaded object of the
    session: a kudos is given far more often than anything else is written, and the ORM's unit of
    work would cost more than the inserts themselves."""
    connection = db.session.connection()
    kudos_id = connection.execute(insert(Kudos.__table__).returning(Kudos.__table__.c.id), row).scalar_one()
    for recipient in recipient_rows:
        recipient["kudos_id"] = kudos_id
    connection.execute(insert(KudosRecipient.__table__), recipient_rows)
    recipients = [KudosRecipient(**recipient, person=person) for recipient, person in zip(recipient_rows, people)]
    kudos = Kudos(id=kudos_id, **row, giver=giver, value=value, team=team, recipients=recipients)
    for loaded in (kudos, *recipients):
        make_transient_to_detached(loaded)  # as if read back: persistent once added, nothing to flush
    db.session.add(kudos)
    return kudos


def give_kudos(giver: Person, value: Value, message: str, points: int = 0, *,
               recipients: Sequence[Person] = (), team: Team | None = None, now: datetime) -> Kudos:
    """Record kudos and move ``points`` from the giver's monthly budget to the recipients.

    ``points`` is the total leaving the budget, split evenly among the recipients (the given people,
    or the team's active members other than the giver); the remainder of the split stays in the
    budget. A giver of role supervisor or above makes supervisor kudos.

    :raise InvalidInput: for neither or both of people and team, a negative ``points``, a message too long
    :raise SelfKudos: when the giver is among the people
    :raise InactiveRecipient: for a deactivated person or team
    :raise NoRecipients: for a team with no one but the giver
    :raise MessageTooShort: below the minimum length
    :raise InactiveValue: for a value no longer in use
    :raise OverBudget: when this month's budget cannot cover the points
    :raise PairCapReached: when a recipient would pass the monthly cap from this giver
    """
    people = _recipients_of(giver, recipients, team)
    text = clean_message(message)
    if not value.active:
        raise InactiveValue(_("The value %(name)s is no longer in use.", name=value.name_en), field="value")
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise InvalidInput(_("Points must be a whole number, 0 or more."), field="points")
    points_each = points // len(people)
    cost = points_each * len(people)
    week_key, month_key = period_keys(now)

    db.session.flush()  # what the caller changed is written before the statements below
    if cost:
        _spend_from_budget(giver, cost, month_key)
    _check_pair_cap(giver, people, points_each, month_key)

    kudos = _record_kudos(
        dict(giver_id=giver.id, value_id=value.id, team_id=team.id if team else None, message=text,
             points=cost, points_each=points_each, by_supervisor=giver.has_role("supervisor"), created_at=now,
             week_key=week_key, month_key=month_key, retracted_at=None, hidden_at=None, hidden_by_id=None,
             hidden_reason=None),
        [dict(person_id=p.id, team_id=p.team_id, points=points_each) for p in people],
        giver=giver, value=value, team=team, people=people,
    )
    append_to_ledger(
        [LedgerLine(p.id, points_each, "kudos", team_id=p.team_id, kudos_id=kudos.id) for p in people],
        now=now, week_key=week_key, month_key=month_key,
    )
    badges.award_after_kudos(kudos, now=now)
    emit_event("kudos.given", kudos=kudos)
    return kudos


def _locked_visible_kudos(kudos: Kudos) -> Kudos:
    """Re-read and lock the kudos, so a retraction and a hiding cannot both reverse it.

    :raise NotFound: when it is already retracted or hidden
    """
    locked = db.session.execute(
        select(Kudos).where(Kudos.id == kudos.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    if not locked.visible:
        raise NotFound(_("Not found."))
    return locked


def _reverse(kudos: Kudos, kind: str, now: datetime) -> None:
    """Take a kudos' points back off its recipients, in the kudos' own week and month."""
    append_to_ledger(
        [LedgerLine(r.person_id, -r.points, kind, team_id=r.team_id, kudos_id=kudos.id)
         for r in kudos.recipients],
        now=now, week_key=kudos.week_key, month_key=kudos.month_key,
    )


def retract_kudos(kudos: Kudos, *, actor: Person, now: datetime) -> None:
    """The giver takes a kudos back within ``KUDOS_RETRACT_MINUTES``; its points return to their budget.

    :raise NotAllowed: for anyone but the giver
    :raise NotFound: when it is already retracted or hidden
    :raise RetractWindowClosed: after the window
    """
    if actor.id != kudos.giver_id:
        raise NotAllowed(_("Only the giver can take kudos back."))
    kudos = _locked_visible_kudos(kudos)
    window = timedelta(minutes=int(current_app.config["KUDOS_RETRACT_MINUTES"]))
    if now - kudos.created_at > window:
        raise RetractWindowClosed(
            _("Kudos can be taken back only within %(n)d minutes of giving them.",
              n=int(window.total_seconds() // 60))
        )
    kudos.retracted_at = now
    spend = _locked_spend(kudos.giver_id, kudos.month_key)
    spend.spent -= kudos.points
    _reverse(kudos, "kudos_retracted", now)
    emit_event("kudos.removed", kudos=kudos)


def hide_kudos(kudos: Kudos, *, actor: Person, reason: str, now: datetime) -> None:
    """An admin hides a kudos (audited): gone from feeds and boards, nothing refunded.

    :raise NotAllowed: for anyone but an admin
    :raise InvalidInput: without a reason
    :raise NotFound: when it is already retracted or hidden
    """
    if not access.can_administer(actor):
        raise NotAllowed(_("You are not allowed to do this."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Give a reason for hiding this kudos."), field="reason")
    if len(reason) > 500:
        raise InvalidInput(_("At most %(n)d characters.", n=500), field="reason")
    kudos = _locked_visible_kudos(kudos)
    kudos.hidden_at = now
    kudos.hidden_by = actor
    kudos.hidden_reason = reason
    _reverse(kudos, "kudos_hidden", now)
    emit_event("kudos.removed", kudos=kudos)
    audit(actor, "kudos.hide", kudos, reason=reason, giver=kudos.giver.username, points=kudos.points)


def remove_kudos(kudos: Kudos, *, actor: Person, reason: str | None, now: datetime) -> str:
    """Take a kudos out of the feed: its giver retracts it; an admin (an admin giver: with a reason) hides it.

    :return: ``"retracted"`` or ``"hidden"``
    :raise NotAllowed: for anyone else (when the kudos is visible)
    """
    if not kudos.visible:
        raise NotFound(_("Not found."))
    is_admin = access.can_administer(actor)
    if actor.id == kudos.giver_id and not (is_admin and reason):
        retract_kudos(kudos, actor=actor, now=now)
        return "retracted"
    if is_admin:
        hide_kudos(kudos, actor=actor, reason=reason or "", now=now)
        return "hidden"
    raise NotAllowed(_("Only the giver or an admin can remove kudos."))


# --- reactions and comments ------------------------------------------------------------------

def visible_kudos_or_404(kudos_id: int) -> Kudos:
    """A kudos anyone in the organisation may see; retracted and hidden ones are not found."""
    kudos = db.session.get(Kudos, kudos_id)
    if kudos is None or not kudos.visible:
        raise NotFound(_("Not found."))
    return kudos


def react(kudos: Kudos, person: Person, kind: str = "applause", *, now: datetime) -> None:
    """Applaud a kudos, once per person.

    :raise InvalidInput: for an unknown kind
    :raise AlreadyReacted: when the person already did
    """
    if kind not in REACTION_KINDS:
        raise InvalidInput(_("Unknown reaction."), field="kind")
    if not kudos.visible:
        raise NotFound(_("Not found."))
    # ON CONFLICT DO NOTHING: a double click racing itself is refused, not a 500.
    stmt = (
        dialect_insert(Reaction)
        .values(kudos_id=kudos.id, person_id=person.id, kind=kind, created_at=now)
        .on_conflict_do_nothing(index_elements=["kudos_id", "person_id", "kind"])
        .returning(Reaction.id)
    )
    if db.session.execute(stmt).scalar_one_or_none() is None:
        raise AlreadyReacted(_("You have applauded this already."), field="kind")


def remove_reaction(kudos: Kudos, person: Person, kind: str = "applause") -> None:
    """Withdraw one's applause (no error when there was none)."""
    reaction = db.session.execute(
        select(Reaction).where(Reaction.kudos_id == kudos.id, Reaction.person_id == person.id,
                               Reaction.kind == kind)
    ).scalar_one_or_none()
    if reaction is not None:
        db.session.delete(reaction)


def add_comment(kudos: Kudos, author: Person, text: str, *, now: datetime) -> Comment:
    """A short public comment.

    :raise InvalidInput: for an empty comment or one over 500 characters
    """
    if not kudos.visible:
        raise NotFound(_("Not found."))
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise InvalidInput(_("Write a comment."), field="text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(_("At most %(n)d characters.", n=MAX_COMMENT_LENGTH), field="text")
    comment = Comment(kudos_id=kudos.id, author=author, text=text, created_at=now)
    db.session.add(comment)
    db.session.flush()
    return comment
