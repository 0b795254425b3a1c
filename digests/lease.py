"""The scheduler lease: one row in the database says which scheduler process may act.

Every scheduler process tries to take or renew the lease every few seconds with one atomic UPDATE
(``WHERE holder = me OR expires_at < now``); the one that holds it runs the jobs, the others wait as
standbys and take over once it expires (its holder died or lost the database). Deliveries are
idempotent anyway, so two holders for a moment (a paused process) would still send nothing twice.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, update

from core.db import UTCDateTime
from core.extensions import db
from digests.models import SchedulerLease
from recognition.ledger import dialect_insert

LEASE_NAME = "scheduler"


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(holder: str, *, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease until ``now + ttl``; True when ``holder`` holds it. Commits."""
    taken = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name,
               or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl,
                acquired_at=case((SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=literal(now, UTCDateTime())))
        .returning(SchedulerLease.name)
        .execution_options(synchronize_session=False)
    ).first() is not None
    if not taken:
        # The very first scheduler creates the row; a concurrent first one loses the insert.
        taken = db.session.execute(
            dialect_insert(SchedulerLease)
            .values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(SchedulerLease.name)  # (rowcount is not reliable after ON CONFLICT on every driver)
        ).first() is not None
    db.session.commit()
    return taken


def release(holder: str, *, now: datetime, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (on a clean shutdown) so a standby need not wait for it to expire."""
    db.session.execute(
        update(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()


def current(name: str = LEASE_NAME) -> SchedulerLease | None:
    return db.session.get(SchedulerLease, name)
