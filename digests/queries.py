"""Reads for the digest pages: the inbox, the delivery log, webhooks."""
from __future__ import annotations

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from core.models import Person
from digests.models import DELIVERY_STATUSES, Delivery, InboxMessage, Webhook


def inbox_of(person: Person) -> Select:
    """The person's in-app messages, newest first."""
    return (select(InboxMessage).where(InboxMessage.person_id == person.id)
            .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()))


def unread_count(person: Person) -> Select:
    return select(func.count()).where(InboxMessage.person_id == person.id, InboxMessage.read_at.is_(None))


def delivery_runs() -> Select:
    """One row per run (kind, period): when it started and how many deliveries are in each state."""
    counts = [func.sum(case((Delivery.status == status, 1), else_=0)).label(status) for status in DELIVERY_STATUSES]
    return (
        select(Delivery.kind, Delivery.period, func.min(Delivery.created_at).label("started_at"),
               func.max(Delivery.attempts).label("most_attempts"), func.count().label("total"), *counts)
        .group_by(Delivery.kind, Delivery.period)
        .order_by(func.min(Delivery.created_at).desc(), Delivery.kind, Delivery.period)
    )


def deliveries_of_run(kind: str, period: str, *, status: str | None = None) -> Select:
    stmt = (select(Delivery).where(Delivery.kind == kind, Delivery.period == period)
            .options(selectinload(Delivery.person), selectinload(Delivery.webhook))
            .order_by(Delivery.id))
    return stmt.where(Delivery.status == status) if status else stmt


def all_webhooks() -> Select:
    return select(Webhook).options(selectinload(Webhook.team)).order_by(Webhook.id)
