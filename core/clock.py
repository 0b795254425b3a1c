"""The one clock: services take ``now`` from here (or as an argument) so tests can set the time."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def org_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def org_isoformat(moment: datetime | None) -> str | None:
    """``moment`` as ISO 8601 in the organisation's time zone, with its offset (API.md's time format)."""
    return None if moment is None else moment.astimezone(org_timezone()).isoformat()
