"""Digest slots: daily at a time or weekly on a day and time, in a time zone, across DST changes."""
from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from core.errors import InvalidInput
from digests.schedule import Schedule, latest_slot, next_slot, parse_time, slot_for

UTC = timezone.utc
FRIDAY_1600_SHANGHAI = Schedule("weekly", time(16, 0), "Asia/Shanghai", weekday=4)
FRIDAY_1600_LONDON = Schedule("weekly", time(16, 0), "Europe/London", weekday=4)
DAILY_0800_LONDON = Schedule("daily", time(8, 0), "Europe/London")


def test_a_weekly_slot_in_each_teams_own_time_zone():
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # Friday 16:00 in Shanghai, 08:00 in London
    shanghai, london = latest_slot(FRIDAY_1600_SHANGHAI, now), latest_slot(FRIDAY_1600_LONDON, now)
    assert (shanghai.period, shanghai.sends_at) == ("2026-W47", now)
    assert shanghai.starts_at == datetime(2026, 11, 13, 8, 0, tzinfo=UTC)
    assert (london.period, london.sends_at) == ("2026-W46", datetime(2026, 11, 13, 16, 0, tzinfo=UTC))
    assert latest_slot(FRIDAY_1600_SHANGHAI, datetime(2026, 11, 20, 7, 59, tzinfo=UTC)).period == "2026-W46"


def test_a_daily_slot_and_a_dst_change():
    # London leaves summer time on Sunday 25 October 2026: 08:00 is 07:00 UTC before, 08:00 UTC after.
    saturday = latest_slot(DAILY_0800_LONDON, datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    sunday = latest_slot(DAILY_0800_LONDON, datetime(2026, 10, 25, 12, 0, tzinfo=UTC))
    assert saturday.sends_at == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
    assert (sunday.period, sunday.starts_at, sunday.sends_at) == (
        "2026-10-25", saturday.sends_at, datetime(2026, 10, 25, 8, 0, tzinfo=UTC))  # a 25-hour day


def test_period_keys_name_slots_and_the_coming_slot():
    assert slot_for(FRIDAY_1600_SHANGHAI, "2026-W47") == latest_slot(FRIDAY_1600_SHANGHAI,
                                                                     datetime(2026, 11, 21, tzinfo=UTC))
    assert slot_for(FRIDAY_1600_SHANGHAI, "2026-11-20") is None  # a daily key for a weekly schedule
    assert slot_for(DAILY_0800_LONDON, "2026-11-20").sends_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    coming = next_slot(FRIDAY_1600_SHANGHAI, datetime(2026, 11, 23, tzinfo=UTC))
    assert (coming.period, coming.sends_at) == ("2026-W48", datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    for bad in ("2026-W60", "2026-13-01", "last week", ""):
        with pytest.raises(InvalidInput):
            slot_for(DAILY_0800_LONDON, bad)


def test_times_are_hours_and_minutes():
    assert parse_time(" 07:45 ") == time(7, 45)
    for bad in ("25:00", "noon", ""):
        with pytest.raises(InvalidInput):
            parse_time(bad)
