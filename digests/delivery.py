"""Exactly-once delivery: a :class:`~digests.models.Delivery` row per (kind, period, recipient, channel),
claimed by INSERT before anything is sent.

- The unique key decides: of two processes building the same digest at the same moment, only one
  inserts the row (``ON CONFLICT DO NOTHING``, race-free on PostgreSQL; SQLite serialises writers), and
  only the one that inserted it sends. A row marked ``sent`` is never sent again.
- In-app messages are written in the same transaction as their row: exactly once, by construction.
- E-mail and webhooks are claimed (``sending``, committed), sent, then recorded (``sent``, or
  ``failed`` with the message kept for a retry at 1, 5, 30 minutes, then ``gave_up``), a few dozen
  outcomes per commit.
- A crash between claiming and recording leaves rows ``sending``. After ``DIGEST_SENDING_TIMEOUT_MINUTES``
  the retry job marks them ``interrupted`` and does *not* resend them: at most once, because a repeated
  digest costs trust and a missing one is visible in the delivery log. With
  ``DIGEST_RESEND_INTERRUPTED`` the message is kept at claim time and resent instead: at least once
  (the ``Message-ID`` stays the same, so mail clients can drop a duplicate). A connection that breaks
  after the whole message went out is treated the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from core.db import commit_keeping_loaded
from core.extensions import db
from digests.channels import webhooks
from digests.channels.email import Mailer, OutcomeUnknown, SendFailed, mail_settings
from digests.models import Delivery, InboxMessage, Webhook
from recognition.ledger import dialect_insert

BATCH = 200
UNIQUE_KEY = ["kind", "period", "recipient", "channel"]


@dataclass
class Outgoing:
    """One message to one recipient on one channel; ``payload`` ``None``: nothing to say (skipped).

    Payloads: e-mail ``{"to", "message"}``; in-app ``{"subject", "html"}``; webhook ``{"body"}``.
    """

    kind: str
    period: str
    recipient: str
    channel: str
    payload: dict[str, Any] | None
    person_id: int | None = None
    webhook_id: int | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.kind, self.period, self.recipient, self.channel


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    interrupted: int = 0
    skipped: int = 0
    already: int = 0  # delivered (or claimed) before, by this or another process

    def add(self, other: Report) -> Report:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def __str__(self) -> str:
        return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in vars(self).items())


def _commit() -> None:
    # Objects loaded to build the digests stay loaded: expiring them at each of a batch's many commits
    # would cost more than the sending itself. The batch expires them once, at its end.
    commit_keeping_loaded(db.session)


@contextmanager
def _batch() -> Iterator[None]:
    try:
        yield
    finally:
        db.session.expire_all()


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def delivered_keys(kind: str, periods: Iterable[str]) -> set[tuple[str, str, str]]:
    """(period, recipient, channel) of every row of these runs, whatever its state: no need to build those."""
    periods = sorted(set(periods))
    if not periods:
        return set()
    found: set[tuple[str, str, str]] = set()
    for chunk in _chunks(periods, 500):
        found.update(tuple(row) for row in db.session.execute(
            select(Delivery.period, Delivery.recipient, Delivery.channel)
            .where(Delivery.kind == kind, Delivery.period.in_(chunk))
        ))
    return found


def _claim(items: list[Outgoing], *, status: str, now: datetime, keep_payload: bool) -> dict[tuple, int]:
    """Insert the rows that do not exist yet; returns the key → id of those this call inserted."""
    rows = [dict(kind=i.kind, period=i.period, recipient=i.recipient, channel=i.channel, person_id=i.person_id,
                 webhook_id=i.webhook_id, status=status, attempts=0 if status in ("pending", "skipped") else 1,
                 payload=i.payload if keep_payload else None, created_at=now,
                 claimed_at=None if status in ("pending", "skipped") else now,
                 sent_at=now if status == "sent" else None, next_attempt_at=now if status == "pending" else None)
            for i in items]
    stmt = (dialect_insert(Delivery).values(rows).on_conflict_do_nothing(index_elements=UNIQUE_KEY)
            .returning(Delivery.id, Delivery.kind, Delivery.period, Delivery.recipient, Delivery.channel))
    return {(row.kind, row.period, row.recipient, row.channel): row.id for row in db.session.execute(stmt)}


def deliver(items: list[Outgoing], *, now: datetime) -> Report:
    """Deliver each item once: skipped ones recorded, in-app ones written, the others claimed and sent."""
    with _batch():
        return _deliver(items, now=now)


def _deliver(items: list[Outgoing], *, now: datetime) -> Report:
    report = Report()
    for chunk in _chunks([i for i in items if i.payload is None]):
        claimed = _claim(chunk, status="skipped", now=now, keep_payload=False)
        _commit()
        report.skipped += len(claimed)
        report.already += len(chunk) - len(claimed)
    for chunk in _chunks([i for i in items if i.payload is not None and i.channel == "in_app"]):
        claimed = _claim(chunk, status="sent", now=now, keep_payload=False)
        messages = [dict(person_id=i.person_id, kind=i.kind, period=i.period, subject=i.payload["subject"][:255],
                         html=i.payload["html"], created_at=now) for i in chunk if i.key in claimed]
        if messages:
            db.session.execute(insert(InboxMessage), messages)
        _commit()
        report.sent += len(claimed)
        report.already += len(chunk) - len(claimed)
    outbound = [i for i in items if i.payload is not None and i.channel != "in_app"]
    keep = resend_interrupted()
    with Senders(now) as senders:
        for chunk in _chunks(outbound):
            claimed = _claim(chunk, status="sending", now=now, keep_payload=keep)
            _commit()
            for item in chunk:
                if item.key not in claimed:
                    report.already += 1
                    continue
                senders.attempt(claimed[item.key], item.channel, item.payload, item.webhook_id, attempts=1,
                                report=report)
    return report


def record_pending(items: list[Outgoing], *, now: datetime) -> int:
    """Record work for the retry job to do (e.g. award announcements), in the caller's transaction."""
    return sum(len(_claim(chunk, status="pending", now=now, keep_payload=True)) for chunk in _chunks(items))


class Senders:
    """The channels' connections for one batch, and the recording of each attempt's outcome.

    Outcomes are written ``RECORD_EVERY`` at a time (one at a time when interrupted messages are resent,
    so that a crash can repeat at most one): a crash leaves the unrecorded ones ``sending``, to be
    settled as interrupted like the rest of their claimed batch.
    """

    RECORD_EVERY = 50

    def __init__(self, now: datetime):
        self.now = now
        self._mailer: Mailer | None = None
        self._outcomes: list[dict[str, Any]] = []
        self._record_every = 1 if resend_interrupted() else self.RECORD_EVERY

    def __enter__(self) -> Senders:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.record()
        finally:
            if self._mailer is not None:
                self._mailer.close()

    def record(self) -> None:
        """Write the outcomes not written yet (one statement) and commit."""
        if self._outcomes:
            db.session.execute(update(Delivery), self._outcomes)
            self._outcomes = []
            _commit()

    def _send(self, channel: str, payload: dict[str, Any], webhook_id: int | None) -> None:
        if channel == "email":
            if self._mailer is None:
                settings = mail_settings()
                if settings is None:
                    raise SendFailed("e-mail is off: BRAVO_SMTP_HOST is not set")
                self._mailer = Mailer(settings)
            self._mailer.send(payload["to"], payload["message"])
        else:
            webhook = db.session.get(Webhook, webhook_id) if webhook_id else None
            if webhook is None:
                raise SendFailed("the webhook was removed")
            webhooks.post(webhook, payload["body"], now=self.now)

    def attempt(self, delivery_id: int, channel: str, payload: dict[str, Any], webhook_id: int | None, *,
                attempts: int, report: Report, build: Callable[[], dict[str, Any]] | None = None) -> None:
        """Send a claimed delivery (built first by ``build``, for pending work) and note the outcome."""
        values: dict[str, Any]
        try:
            if build is not None:
                payload = build()
            self._send(channel, payload, webhook_id)
        except (SendFailed, OutcomeUnknown) as error:
            if isinstance(error, OutcomeUnknown) and not resend_interrupted():
                values = dict(status="interrupted", next_attempt_at=None)
                report.interrupted += 1
            else:
                values = _after_failure(attempts, self.now)
                report.failed += values["status"] == "failed"
                report.gave_up += values["status"] == "gave_up"
            values.update(last_error=str(error)[:2000], payload=payload)
        else:
            values = dict(status="sent", sent_at=self.now, last_error=None, payload=None, next_attempt_at=None)
            report.sent += 1
        self._outcomes.append({"id": delivery_id, "sent_at": None, "next_attempt_at": None, **values})
        if len(self._outcomes) >= self._record_every:
            self.record()


def resend_interrupted() -> bool:
    return bool(current_app.config["DIGEST_RESEND_INTERRUPTED"])


def _after_failure(attempts: int, now: datetime) -> dict[str, Any]:
    """Try again after 1, 5, 30 minutes (``DIGEST_RETRY_MINUTES``), then give up."""
    delays = current_app.config["DIGEST_RETRY_MINUTES"]
    if attempts > len(delays):
        return dict(status="gave_up", next_attempt_at=None)
    return dict(status="failed", next_attempt_at=now + timedelta(minutes=float(delays[attempts - 1])))


def retry_due(*, now: datetime, build_pending=None) -> Report:
    """Settle stale claims, then send what is due: failed rows whose time has come, and pending work.

    ``build_pending(row) -> payload`` turns a pending row's recipe into the payload to send
    (:raise SendFailed: when it cannot).
    """
    with _batch():
        return _retry_due(now=now, build_pending=build_pending)


def _retry_due(*, now: datetime, build_pending) -> Report:
    report = Report()
    stale = now - timedelta(minutes=float(current_app.config["DIGEST_SENDING_TIMEOUT_MINUTES"]))
    settle = update(Delivery).where(Delivery.status == "sending", Delivery.claimed_at < stale)
    if resend_interrupted():
        db.session.execute(settle.where(Delivery.payload.is_not(None))
                           .values(status="failed", next_attempt_at=now,
                                   last_error="interrupted while sending; sent again (at least once)")
                           .execution_options(synchronize_session=False))
    db.session.execute(settle.values(status="interrupted",
                                     last_error="interrupted while sending; not sent again (at most once)")
                       .execution_options(synchronize_session=False))
    _commit()

    due = db.session.execute(
        select(Delivery.id, Delivery.status, Delivery.attempts)
        .where(Delivery.status.in_(("failed", "pending")), Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(1000)
    ).all()
    with Senders(now) as senders:
        for row in due:
            # Compare-and-set: of two retry jobs only one moves the row on from the state it read.
            claimed = db.session.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.status == row.status, Delivery.attempts == row.attempts)
                .values(status="sending", claimed_at=now, attempts=row.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            _commit()
            if not claimed:
                report.already += 1
                continue
            delivery = db.session.get(Delivery, row.id, populate_existing=True)
            build = None
            if row.status == "pending" and build_pending is not None:
                build = partial(build_pending, delivery)
            senders.attempt(delivery.id, delivery.channel, delivery.payload or {}, delivery.webhook_id,
                            attempts=row.attempts + 1, report=report, build=build)
    return report

