"""Which digests are due, building them and handing them to :mod:`digests.delivery`.

A run of a kind looks at every recipient's schedule in their own time zone (a team's, or a person's),
keeps the slots whose send moment has come (and, for the scheduler, not more than
``DIGEST_CATCH_UP_HOURS`` ago, so a scheduler that was down does not send stale digests), leaves out
what the delivery log already holds, and builds the rest in batches: a bounded number of queries per
batch, per team or per supervisor, never per kudos, entry or member.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha1
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.access import supervised_team_ids
from core.errors import DomainError, InvalidInput, NotAllowed
from core.extensions import db
from core.models import Person, Team, team_supervisors
from digests import delivery
from digests.builders.awards import render_awards
from digests.builders.personal import PersonalDigests
from digests.builders.supervisor import render_supervisor_digest, supervisor_news
from digests.builders.team import TeamDigests
from digests.channels.email import SendFailed, compose, mail_settings
from digests.channels.webhooks import body_for
from digests.delivery import Outgoing, Report
from digests.models import DIGEST_KINDS, Delivery, Webhook
from digests.render import Digest, app_url, locale_of
from digests.schedule import Schedule, Slot, latest_slot, next_slot, period_day, slot_for
from digests.services import (
    Preference, person_schedule, preferences_for_kind, preferences_of, team_schedules, timezone_of,
    unsubscribe_token,
)

BATCH = 500


@dataclass(frozen=True)
class Recipient:
    """What sending needs of a person, read as plain values (they outlive the run's commits)."""

    id: int
    name: str
    email: str
    locale: str | None
    tz: str
    team_id: int | None

    @property
    def key(self) -> str:
        return f"person:{self.id}"


def _recipients(*conditions) -> list[Recipient]:
    org_tz = current_app.config["TIMEZONE"]
    rows = db.session.execute(
        select(Person.id, Person.name, Person.email, Person.locale, Person.timezone, Person.team_id, Team.timezone)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.active.is_(True), *conditions)
        .order_by(Person.id)
    )
    return [Recipient(row[0], row[1], row[2], row[3], row[4] or row[6] or org_tz, row[5]) for row in rows]


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _slot(schedule: Schedule, now: datetime, period: str | None, catch_up: timedelta | None) -> Slot | None:
    """The slot to send now (``period`` given: that one, when its moment has come), or ``None``."""
    slot = slot_for(schedule, period) if period else latest_slot(schedule, now)
    if slot is None or slot.sends_at > now:
        return None
    if period is None and catch_up is not None and now - slot.sends_at > catch_up:
        return None
    return slot


def _channels(recipient: Recipient, preference: Preference) -> list[str]:
    channels = []
    if preference.email and recipient.email and mail_settings() is not None:
        channels.append("email")
    if preference.in_app:
        channels.append("in_app")
    return channels


def _message_id(kind: str, period: str, recipient_id: int) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "bravo.localhost"
    return f"<{kind}.{period}.{recipient_id}@{host}>"


def _to_person(kind: str, period: str, recipient: Recipient, channel: str, digest: Digest | None) -> Outgoing:
    payload = None
    if digest is not None and channel == "email":
        message = compose(digest, to=recipient.email, sender=current_app.config["MAIL_FROM"],
                          message_id=_message_id(kind, period, recipient.id),
                          unsubscribe_url=app_url("digests.unsubscribe", token=unsubscribe_token(recipient.id, kind)))
        payload = {"to": recipient.email, "message": message}
    elif digest is not None:
        payload = {"subject": digest.subject, "html": digest.html}
    return Outgoing(kind, period, recipient.key, channel, payload, person_id=recipient.id)


def _unsent(kind: str, due: list[tuple[Recipient, Slot, list[str]]]):
    """Leave out what the delivery log already holds (sent, failing, or being sent elsewhere)."""
    existing = delivery.delivered_keys(kind, {slot.period for _r, slot, _c in due})
    for recipient, slot, channels in due:
        left = [c for c in channels if (slot.period, recipient.key, c) not in existing]
        if left:
            yield recipient, slot, left


# --- team wins digests -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Hook:
    id: int
    format: str
    team_id: int | None


def send_team_digests(now: datetime, *, period: str | None = None, catch_up: timedelta | None = None) -> Report:
    teams = list(db.session.execute(select(Team).where(Team.active.is_(True)).order_by(Team.id)).scalars())
    schedules = team_schedules(teams)
    due = [(team, slot) for team in teams if (slot := _slot(schedules[team.id], now, period, catch_up))]
    report = Report()
    if not due:
        return report
    team_ids = [team.id for team, _slot in due]
    preferences = preferences_for_kind("team")
    members: dict[int, list[Recipient]] = defaultdict(list)
    for recipient in _recipients(Person.team_id.in_(team_ids)):
        members[recipient.team_id].append(recipient)
    hooks = [_Hook(*row) for row in db.session.execute(select(Webhook.id, Webhook.format, Webhook.team_id))]
    existing = delivery.delivered_keys("team", {slot.period for _team, slot in due})
    builder = TeamDigests(now)
    default_locale = current_app.config["DEFAULT_LOCALE"]
    for team, slot in due:
        people = [(r, c) for r in members.get(team.id, [])
                  for c in _channels(r, preferences.get(r.id, Preference("team")))
                  if (slot.period, r.key, c) not in existing]
        rooms = [(hook, f"webhook:{hook.id}" if hook.team_id else f"webhook:{hook.id}/team:{team.id}")
                 for hook in hooks if hook.team_id in (team.id, None)]
        rooms = [(hook, key) for hook, key in rooms if (slot.period, key, "webhook") not in existing]
        if not people and not rooms:
            continue
        wins = builder.wins(team, slot)
        rendered: dict[str, Digest] = {}

        def digest_in(locale: str) -> Digest | None:
            if wins.empty:
                return None
            if locale not in rendered:
                rendered[locale] = builder.render(wins, locale)
            return rendered[locale]

        items = [_to_person("team", slot.period, r, c, digest_in(locale_of(r))) for r, c in people]
        for hook, key in rooms:
            digest = digest_in(default_locale)
            body = body_for(hook.format, digest, url=app_url("home.index"), team=team.name,
                            period=slot.period) if digest else None
            items.append(Outgoing("team", slot.period, key, "webhook", {"body": body} if body else None,
                                  webhook_id=hook.id))
        report.add(delivery.deliver(items, now=now))
    return report


# --- personal digests ------------------------------------------------------------------------

def send_personal_digests(now: datetime, *, period: str | None = None, catch_up: timedelta | None = None) -> Report:
    preferences = preferences_for_kind("personal")
    schedules: dict[tuple[str, str], Schedule] = {}
    due = []
    for recipient in _recipients():
        preference = preferences.get(recipient.id, Preference("personal"))
        channels = _channels(recipient, preference)
        if preference.frequency == "none" or not channels:
            continue
        key = (preference.frequency, recipient.tz)
        if key not in schedules:
            schedules[key] = person_schedule(preference.frequency, recipient.tz, kind="personal")
        slot = _slot(schedules[key], now, period, catch_up)
        if slot is not None:
            due.append((recipient, slot, channels))
    report = Report()
    builder = PersonalDigests(now)
    for chunk in _chunks(list(_unsent("personal", due))):
        news = {item.person.id: item for item in builder.news([(r, slot, r.tz) for r, slot, _c in chunk])}
        items = []
        for recipient, slot, channels in chunk:
            item = news[recipient.id]
            digest = None if item.empty else builder.render(item, locale_of(recipient))
            items += [_to_person("personal", slot.period, recipient, c, digest) for c in channels]
        report.add(delivery.deliver(items, now=now))
    return report


# --- supervisor digests ----------------------------------------------------------------------

def _supervisor_slots(recipient: Recipient, now: datetime, period: str | None,
                      catch_up: timedelta | None) -> list[tuple[Slot, bool]]:
    """The weekly slot and, on the other days, the daily one (sent only when something is overdue)."""
    weekly = person_schedule("weekly", recipient.tz, kind="supervisor")
    daily = person_schedule("daily", recipient.tz, kind="supervisor")
    slots = []
    if (slot := _slot(weekly, now, period, catch_up)) is not None:
        slots.append((slot, False))
    slot = _slot(daily, now, period, catch_up)
    if slot is not None and slot.sends_at.astimezone(ZoneInfo(recipient.tz)).weekday() != weekly.weekday:
        slots.append((slot, True))
    return slots


def send_supervisor_digests(now: datetime, *, period: str | None = None,
                            catch_up: timedelta | None = None) -> Report:
    preferences = preferences_for_kind("supervisor")
    due = []
    for recipient in _recipients(Person.id.in_(select(team_supervisors.c.person_id))):
        channels = _channels(recipient, preferences.get(recipient.id, Preference("supervisor")))
        if channels:
            due += [((recipient, slot, channels), daily)
                    for slot, daily in _supervisor_slots(recipient, now, period, catch_up)]
    daily_of = {(r.id, slot.period): daily for (r, slot, _c), daily in due}
    report = Report()
    for chunk in _chunks(list(_unsent("supervisor", [item for item, _daily in due])), 50):
        items = []
        for recipient, slot, channels in chunk:
            supervisor = db.session.get(Person, recipient.id)
            news = supervisor_news(supervisor, slot, recipient.tz, daily=daily_of[(recipient.id, slot.period)],
                                   now=now)
            digest = None if news.empty else render_supervisor_digest(news, locale_of(recipient))
            items += [_to_person("supervisor", slot.period, recipient, c, digest) for c in channels]
        report.add(delivery.deliver(items, now=now))
    return report


# --- runs ------------------------------------------------------------------------------------

SENDERS = {"team": send_team_digests, "personal": send_personal_digests, "supervisor": send_supervisor_digests}


def send_run(kind: str, *, now: datetime, period: str | None = None) -> Report:
    """One run of a kind now, e.g. from ``flask digests send``: every slot whose moment has come.

    :raise InvalidInput: for an unknown kind or a malformed period
    """
    if kind not in SENDERS:
        raise InvalidInput(_("Kind must be one of: %(kinds)s.", kinds=", ".join(DIGEST_KINDS)), field="kind")
    if period is not None:
        period_day(period)
    return SENDERS[kind](now, period=period)


def dispatch_due(*, now: datetime) -> dict[str, Report]:
    """The scheduler's minute: every kind, slots due within the catch-up window."""
    catch_up = timedelta(hours=float(current_app.config["DIGEST_CATCH_UP_HOURS"]))
    return {kind: sender(now, catch_up=catch_up) for kind, sender in SENDERS.items()}


# --- award announcements ---------------------------------------------------------------------

def record_award_announcements(*, campaign_id: int, award_ids: list[int], now: datetime, **_more) -> int:
    """``awards.published``: queue a post to every chat room, inside the publishing transaction."""
    ids = sorted({int(i) for i in award_ids})
    if not ids:
        return 0
    period = f"c{campaign_id}-{sha1(','.join(map(str, ids)).encode()).hexdigest()[:12]}"
    recipe = {"campaign_id": campaign_id, "award_ids": ids, "since": now.isoformat()}
    items = [Outgoing("awards", period, f"webhook:{webhook_id}", "webhook", recipe, webhook_id=webhook_id)
             for webhook_id in db.session.execute(select(Webhook.id).order_by(Webhook.id)).scalars()]
    return delivery.record_pending(items, now=now)


def build_award_post(row: Delivery) -> dict:
    """Turn a queued award announcement into the chat room's body (at sending time)."""
    webhook = db.session.get(Webhook, row.webhook_id) if row.webhook_id else None
    if webhook is None:
        raise SendFailed("the webhook was removed")
    recipe = row.payload or {}
    digest = render_awards(list(recipe["award_ids"]),
                           since=datetime.fromisoformat(recipe["since"]) - timedelta(days=1),
                           locale=current_app.config["DEFAULT_LOCALE"])
    return {"body": body_for(webhook.format, digest, url=app_url("home.index"), period=row.period)}


# --- previews --------------------------------------------------------------------------------

def _coming(schedule: Schedule, now: datetime) -> Slot:
    """The next digest as it stands now: from the latest send moment until now."""
    return Slot(next_slot(schedule, now).period, latest_slot(schedule, now).sends_at, now)


def preview(person: Person, kind: str, *, now: datetime) -> Digest:
    """The person's next digest of a kind, as it would be if it went out now.

    :raise InvalidInput: for an unknown kind
    :raise DomainError: for a team digest of someone in no team
    :raise NotAllowed: for a supervisor digest of someone who leads no team
    """
    locale, tz = locale_of(person), timezone_of(person)
    if kind == "team":
        team = person.team
        if team is None:
            raise DomainError(_("You are in no team, so you get no team digest."), field="kind", code="no_team")
        builder = TeamDigests(now)
        return builder.render(builder.wins(team, _coming(team_schedules([team])[team.id], now)), locale)
    if kind == "personal":
        frequency = preferences_of(person)["personal"].frequency
        schedule = person_schedule("weekly" if frequency == "none" else frequency, tz, kind="personal")
        builder = PersonalDigests(now)
        return builder.render(builder.news([(person, _coming(schedule, now), tz)])[0], locale)
    if kind == "supervisor":
        if not supervised_team_ids(person):
            raise NotAllowed(_("Only team supervisors get a supervisor digest."), field="kind")
        slot = _coming(person_schedule("weekly", tz, kind="supervisor"), now)
        return render_supervisor_digest(supervisor_news(person, slot, tz, daily=False, now=now), locale)
    raise InvalidInput(_("Kind must be one of: %(kinds)s.", kinds=", ".join(DIGEST_KINDS)), field="kind")
