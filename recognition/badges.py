"""Badges: the catalogue, the rules that award them after kudos, and feed announcements.

Every badge is earned at most once per person and context (a unique key in the database); a badge
is never taken back, even when the kudos that earned it is later retracted or hidden.
New badges and awards are announced in the public feed through :class:`Announcement` rows, which
the feed interleaves with kudos by time (see :func:`recognition.queries.feed_page`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.clock import org_timezone
from core.errors import InvalidInput
from core.extensions import db
from core.models import Person
from recognition.ledger import LedgerLine, append_to_ledger, dialect_insert, period_keys, week_key_of
from recognition.models import Announcement, BadgeAward, Kudos, KudosRecipient, Value

FIRST_GIVEN = "first_kudos_given"
FIRST_RECEIVED = "first_kudos_received"
VALUE_CHAMPION = "value_champion"
GIVING_STREAK = "giving_streak"

VALUE_CHAMPION_KUDOS = 10
STREAK_WEEKS = 4


@dataclass(frozen=True)
class BadgeKind:
    code: str
    title: LazyString | str
    description: LazyString | str


BADGE_KINDS: dict[str, BadgeKind] = {}


def register_badge_kind(code: str, title: LazyString | str, description: LazyString | str) -> BadgeKind:
    """Add a kind of badge to the catalogue (campaigns add their award badges this way)."""
    kind = BadgeKind(code, title, description)
    BADGE_KINDS[code] = kind
    return kind


register_badge_kind(FIRST_GIVEN, _l("First kudos given"), _l("Gave their first kudos."))
register_badge_kind(FIRST_RECEIVED, _l("First kudos received"), _l("Received their first kudos."))
register_badge_kind(VALUE_CHAMPION, _l("Value champion"),
                    _l("Received 10 kudos in one of the organisation's values."))
register_badge_kind(GIVING_STREAK, _l("Giving streak"), _l("Gave kudos in each of 4 weeks in a row."))


def badge_title(code: str, context_key: str = "", *, value_names: dict[str, str] | None = None) -> str:
    """A badge's name in the current language, e.g. "Value champion: Customer first"."""
    kind = BADGE_KINDS.get(code)
    title = str(kind.title) if kind else code
    if code == VALUE_CHAMPION and context_key:
        name = (value_names or {}).get(context_key, context_key)
        return _("%(badge)s: %(value)s", badge=title, value=name)
    return title


def announce(kind: str, person: Person, params: dict[str, Any], *, now: datetime) -> Announcement:
    """Put a line about a person in the public feed (``kind`` ``badge`` or ``award``)."""
    announcement = Announcement(kind=kind, person_id=person.id, team_id=person.team_id, params=params,
                                created_at=now)
    db.session.add(announcement)
    return announcement


def award_badge(person: Person, code: str, *, context_key: str = "", now: datetime,
                points: int = 0) -> BadgeAward | None:
    """Award a badge once: with ``points`` into the ledger and an announcement in the feed.

    :return: the new award, or ``None`` when the person already holds this badge
    :raise InvalidInput: for a badge code not in the catalogue or negative points
    """
    if code not in BADGE_KINDS:
        raise InvalidInput(_("Unknown badge: %(name)s", name=code), field="badge")
    if points < 0:
        raise InvalidInput(_("Points cannot be negative."), field="points")
    # ON CONFLICT DO NOTHING: two transactions awarding the same badge cannot both succeed.
    stmt = (
        dialect_insert(BadgeAward)
        .values(person_id=person.id, code=code, context_key=context_key, points=points, created_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "code", "context_key"])
        .returning(BadgeAward.id)
    )
    award_id = db.session.execute(stmt).scalar_one_or_none()
    if award_id is None:
        return None
    week_key, month_key = period_keys(now)
    append_to_ledger([LedgerLine(person.id, points, "badge", team_id=person.team_id,
                                 note=f"{code}:{context_key}" if context_key else code)],
                     now=now, week_key=week_key, month_key=month_key)
    announce("badge", person, {"badge": code, "context": context_key}, now=now)
    return db.session.get(BadgeAward, award_id)


def _held(person_ids: list[int], codes: tuple[str, ...]) -> set[tuple[int, str, str]]:
    rows = db.session.execute(
        select(BadgeAward.person_id, BadgeAward.code, BadgeAward.context_key)
        .where(BadgeAward.person_id.in_(person_ids), BadgeAward.code.in_(codes))
    )
    return {tuple(row) for row in rows}


def award_after_kudos(kudos: Kudos, *, now: datetime) -> list[BadgeAward]:
    """Apply the kudos rules to the giver and the recipients of a kudos just given."""
    giver = kudos.giver
    recipients = [r.person for r in kudos.recipients]
    slug = kudos.value.slug
    held = _held([giver.id] + [p.id for p in recipients], (FIRST_GIVEN, FIRST_RECEIVED, VALUE_CHAMPION,
                                                           GIVING_STREAK))
    earned: list[tuple[Person, str, str]] = []
    if (giver.id, FIRST_GIVEN, "") not in held:
        earned.append((giver, FIRST_GIVEN, ""))
    if (giver.id, GIVING_STREAK, "") not in held and _gave_every_week(giver, now):
        earned.append((giver, GIVING_STREAK, ""))
    for person in recipients:
        if (person.id, FIRST_RECEIVED, "") not in held:
            earned.append((person, FIRST_RECEIVED, ""))
    candidates = [p for p in recipients if (p.id, VALUE_CHAMPION, slug) not in held]
    for person in _received_at_least(candidates, kudos.value_id, VALUE_CHAMPION_KUDOS):
        earned.append((person, VALUE_CHAMPION, slug))
    awards = [award_badge(person, code, context_key=context, now=now) for person, code, context in earned]
    return [award for award in awards if award is not None]


def _received_at_least(people: list[Person], value_id: int, count: int) -> list[Person]:
    if not people:
        return []
    counts = dict(db.session.execute(
        select(KudosRecipient.person_id, func.count())
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(KudosRecipient.person_id.in_([p.id for p in people]), Kudos.value_id == value_id,
               Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None))
        .group_by(KudosRecipient.person_id)
    ).all())
    return [p for p in people if counts.get(p.id, 0) >= count]


def _gave_every_week(giver: Person, now: datetime) -> bool:
    """Whether the giver gave kudos in this org-time-zone ISO week and each of the 3 before it."""
    today = now.astimezone(org_timezone()).date()
    weeks = {week_key_of(today - timedelta(weeks=i)) for i in range(STREAK_WEEKS)}
    # The months those weeks touch bound the search on the (giver, month) index.
    first_day = today - timedelta(days=today.weekday(), weeks=STREAK_WEEKS - 1)
    months = {(first_day + timedelta(days=d)).strftime("%Y-%m") for d in range((today - first_day).days + 1)}
    given_in = set(db.session.execute(
        select(Kudos.week_key).distinct()
        .where(Kudos.giver_id == giver.id, Kudos.month_key.in_(months), Kudos.week_key.in_(weeks),
               Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None))
    ).scalars())
    return given_in >= weeks


def value_names(locale: str | None) -> dict[str, str]:
    """Value slug → name in a language, for badge titles."""
    return {v.slug: v.name_in(locale) for v in db.session.execute(select(Value)).scalars()}


def announcement_title(params: dict[str, Any], names: dict[str, str]) -> str:
    """What an announcement celebrates, in the current language: a badge's name or an award's title."""
    badge = params.get("badge")
    if badge:
        return badge_title(badge, params.get("context") or "", value_names=names)
    return str(params.get("title", ""))
