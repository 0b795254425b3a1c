"""Shared set-up for the coaching tests: a fixed clock and entries in a given state."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from coaching import services
from coaching.services import ActionDraft
from core.extensions import db
from recognition import services as recognition

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


MARKER = f"CANARY-{uuid.uuid4().hex}"
PRAISE = "You stayed calm and solved the double-billing case on the first call."


@pytest.fixture
def private_writing(org):
    """Coaching, one-to-one and journal text of agent1 and super1, each piece carrying the marker."""
    def text(what: str) -> str:
        return f"{MARKER} {what}"

    later = NOW + timedelta(hours=1)
    draft = services.create_entry(org.supervisor, org.agent, kind="other", occurred_on=TODAY, now=NOW,
                                  went_well=text("draft went well"), to_improve=text("draft to improve"))
    entries = []
    for kind in ("qa_evaluation", "monitoring_random", "side_by_side"):
        entry = services.create_entry(
            org.supervisor, org.agent, kind=kind, occurred_on=TODAY, now=NOW,
            qa_score=42 if kind == "qa_evaluation" else None, interaction_ref=MARKER[:100],
            went_well=text("went well"), to_improve=text("to improve"), target_metric="aht",
            actions=[ActionDraft(text("action"), TODAY + timedelta(days=3))],
        )
        services.share_entry(entry, org.supervisor, now=later)
        entries.append(entry)
    services.respond_to_entry(entries[0], org.agent, agrees=True, comment=text("agreed comment"), now=later)
    services.respond_to_entry(entries[1], org.agent, agrees=False, comment=text("dispute text"), now=later)
    services.resolve_dispute(entries[1], org.manager, outcome="amended", resolution=text("resolution"),
                             changes={"to_improve": text("amended value")}, now=later)
    services.amend_entry(entries[2], org.supervisor, {"went_well": text("amendment")}, reason=text("reason"),
                         now=later)

    meeting = services.schedule_one_to_one(org.supervisor, org.agent, NOW + timedelta(days=2), now=NOW)
    for author, kind in ((org.agent, "agenda"), (org.supervisor, "agenda"), (org.supervisor, "shared"),
                         (org.agent, "growth_goal"), (org.agent, "learned"),
                         (org.agent, "private"), (org.supervisor, "private")):
        services.add_one_to_one_note(meeting, author, kind, text(f"{kind} note by {author.username}"), now=NOW)
    services.add_one_to_one_action(meeting, org.supervisor, text("one-to-one action"), now=NOW)
    services.write_journal_entry(org.agent, text("journal"), now=NOW)

    # What went well goes public as kudos; the rest of that entry (all marked) must not follow it.
    value = recognition.create_value("customer-first", name_en="Customer first", actor=None)
    praised = services.create_entry(
        org.supervisor, org.agent, kind="side_by_side", occurred_on=TODAY, now=NOW, went_well=PRAISE,
        to_improve=text("to improve of the praised entry"), interaction_ref=MARKER[:100], target_metric="aht",
        actions=[ActionDraft(text("action of the praised entry"), TODAY + timedelta(days=3))],
    )
    services.share_entry(praised, org.supervisor, now=later)
    kudos = services.publish_went_well(praised, org.supervisor, value, 5, now=later)
    db.session.commit()
    return {"draft": draft, "entries": entries, "meeting": meeting, "praised": praised, "kudos": kudos}
