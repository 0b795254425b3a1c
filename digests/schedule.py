"""When digests go out: recurring slots (daily at a time, or weekly on a day and time) in a time zone.

A slot is one run of a recurring digest: its ``period`` key (``2026-11-27`` daily, ``2026-W48``
weekly, from the local date it is sent on), the moment it is sent, and the moment the window it
covers starts (the previous slot's send moment).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from core.errors import InvalidInput
from recognition.ledger import week_key_of

WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
DAY_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Schedule:
    frequency: str  # "daily" or "weekly"
    at: time
    timezone: str
    weekday: int = 0  # Monday 0 … Sunday 6, weekly only


@dataclass(frozen=True)
class Slot:
    period: str
    starts_at: datetime
    sends_at: datetime

    @property
    def middle(self) -> datetime:
        """The moment whose week the digest's board is of (a Monday digest speaks of last week)."""
        return self.starts_at + (self.sends_at - self.starts_at) / 2


def _moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc)


def _slot_on(schedule: Schedule, day: date) -> Slot:
    tz = ZoneInfo(schedule.timezone)
    if schedule.frequency == "daily":
        return Slot(day.isoformat(), _moment(day - timedelta(days=1), schedule.at, tz), _moment(day, schedule.at, tz))
    return Slot(week_key_of(day), _moment(day - timedelta(days=7), schedule.at, tz), _moment(day, schedule.at, tz))


def latest_slot(schedule: Schedule, now: datetime) -> Slot:
    """The most recent slot whose send moment has come."""
    local = now.astimezone(ZoneInfo(schedule.timezone))
    if schedule.frequency == "daily":
        day, step = local.date(), timedelta(days=1)
    else:
        day, step = local.date() - timedelta(days=local.weekday() - schedule.weekday), timedelta(days=7)
    slot = _slot_on(schedule, day)
    return slot if slot.sends_at <= now else _slot_on(schedule, day - step)


def next_slot(schedule: Schedule, now: datetime) -> Slot:
    """The coming slot: what a preview shows, its window running from the latest send moment to now."""
    latest = latest_slot(schedule, now)
    local_day = latest.sends_at.astimezone(ZoneInfo(schedule.timezone)).date()
    return _slot_on(schedule, local_day + timedelta(days=1 if schedule.frequency == "daily" else 7))


def period_day(period: str) -> tuple[str, date]:
    """``("daily", the day)`` or ``("weekly", its Monday)`` of a period key.

    :raise InvalidInput: for a key that is neither ``YYYY-MM-DD`` nor ``YYYY-Www``
    """
    week = WEEK_KEY.match(period or "")
    try:
        if week:
            return "weekly", date.fromisocalendar(int(week[1]), int(week[2]), 1)
        if DAY_KEY.match(period or ""):
            return "daily", date.fromisoformat(period)
    except ValueError:
        pass
    raise InvalidInput(_("A period is a day (2026-11-27) or an ISO week (2026-W48)."), field="period")


def slot_for(schedule: Schedule, period: str) -> Slot | None:
    """The slot of a period key, or ``None`` when the key is of the other frequency.

    :raise InvalidInput: for a malformed key
    """
    frequency, day = period_day(period)
    if frequency != schedule.frequency:
        return None
    return _slot_on(schedule, day + timedelta(days=schedule.weekday) if frequency == "weekly" else day)


def parse_time(text: str) -> time:
    """``HH:MM`` as a time.

    :raise InvalidInput: for anything else
    """
    try:
        return time.fromisoformat(text.strip()).replace(second=0, microsecond=0)
    except (ValueError, AttributeError):
        raise InvalidInput(_("A time is HH:MM, e.g. 16:00."), field="send_at") from None
