"""Shared set-up for the coaching tests: a fixed clock and entries in a given state."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from coaching import services
from coaching.services import ActionDraft
from core.extensions import db

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Asia/Shanghai
TODAY = date(2026, 3, 10)


def write_entry(author, agent, *, kind="side_by_side", share=False, now=NOW, **fields):
    """A committed entry; ``share`` shares it an hour later."""
    fields.setdefault("occurred_on", TODAY)
    fields.setdefault("went_well", "Clear greeting and verification.")
    fields.setdefault("to_improve", "Summarise the next steps.")
    if kind == "qa_evaluation":
        fields.setdefault("qa_score", 80)
    entry = services.create_entry(author, agent, kind=kind, now=now, **fields)
    if share:
        services.share_entry(entry, author, now=now + timedelta(hours=1))
    db.session.commit()
    return entry


def shared_entry(org, **fields):
    """An entry by super1 for agent1 (team Alpha, site Shanghai), shared, with one action."""
    fields.setdefault("actions", [ActionDraft("Use the callback script", TODAY + timedelta(days=7))])
    return write_entry(org.supervisor, org.agent, share=True, **fields)


def disputed_entry(org, comment="I disagree: the customer asked to hold."):
    entry = shared_entry(org)
    services.respond_to_entry(entry, org.agent, agrees=False, comment=comment, now=NOW + timedelta(hours=2))
    db.session.commit()
    return entry
