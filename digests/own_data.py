"""Digests' part of a person's own-data export: their channel choices and the digests in their inbox."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.clock import org_isoformat
from core.extensions import db
from core.models import Person
from digests.models import DigestPreference, InboxMessage


def digest_data(person: Person) -> dict[str, Any]:
    preferences = db.session.execute(select(DigestPreference).where(DigestPreference.person_id == person.id)
                                     .order_by(DigestPreference.kind)).scalars()
    inbox = db.session.execute(select(InboxMessage).where(InboxMessage.person_id == person.id)
                               .order_by(InboxMessage.created_at, InboxMessage.id)).scalars()
    return {
        "preferences": [{"kind": p.kind, "email": p.email, "in_app": p.in_app, "frequency": p.frequency}
                        for p in preferences],
        "inbox": [{"kind": message.kind, "period": message.period, "subject": message.subject,
                   "html": message.html, "created_at": org_isoformat(message.created_at),
                   "read_at": org_isoformat(message.read_at)} for message in inbox],
    }
