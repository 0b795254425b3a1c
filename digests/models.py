"""Digest records: team schedules, people's preferences, deliveries, the in-app inbox, chat webhooks and
the scheduler lease.

A :class:`Delivery` row is the exactly-once ledger: one row per (kind, period, recipient, channel),
claimed by inserting it *before* anything is sent.
"""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.models import Person, Team

DIGEST_KINDS = ("team", "personal", "supervisor")
DELIVERY_KINDS = (*DIGEST_KINDS, "awards")
CHANNELS = ("email", "in_app", "webhook")
PERSON_CHANNELS = ("email", "in_app")
TEAM_FREQUENCIES = ("daily", "weekly")
PERSONAL_FREQUENCIES = ("daily", "weekly", "none")
WEBHOOK_FORMATS = ("generic", "slack", "teams", "wecom", "dingtalk", "feishu")
# pending: recorded, not tried yet; sending: claimed by a sender; sent; failed: to retry at
# next_attempt_at; gave_up: failed too often; interrupted: a sender died between sending and recording
# (not resent: at most once); skipped: nothing to say this period.
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "gave_up", "interrupted", "skipped")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class TeamDigestSchedule(Base):
    """When a team's wins digest goes out, in the team's time zone; a team without a row uses the default."""

    __tablename__ = "team_digest_schedule"
    __table_args__ = (
        CheckConstraint(_one_of("frequency", TEAM_FREQUENCIES), name="frequency"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
    )

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    weekday: Mapped[int] = mapped_column(default=4)  # Monday 0 … Sunday 6; weekly only
    send_at: Mapped[time] = mapped_column(Time, default=time(16, 0))

    team: Mapped[Team] = relationship()


class DigestPreference(Base):
    """A person's choice for one kind of digest; without a row: both channels, weekly."""

    __tablename__ = "digest_preference"
    __table_args__ = (
        CheckConstraint(_one_of("kind", DIGEST_KINDS), name="kind"),
        CheckConstraint(_one_of("frequency", PERSONAL_FREQUENCIES), name="frequency"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    # The personal digest's daily, weekly or none; the other kinds follow their own schedule.
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")


class Webhook(Base):
    """A chat room that receives team wins digests and award announcements (of one team, or all)."""

    __tablename__ = "webhook"
    __table_args__ = (CheckConstraint(_one_of("format", WEBHOOK_FORMATS), name="format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    team: Mapped[Team | None] = relationship()


class Delivery(Base):
    """One digest (or announcement) to one recipient on one channel; inserted before it is sent.

    ``recipient`` is ``person:ID`` or ``webhook:ID`` (``webhook:ID/team:ID`` for an organisation-wide
    webhook, which gets every team's digest). ``payload`` keeps what a retry must send: the message
    built for the first attempt, or what to build it from.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("kind", "period", "recipient", "channel"),
        CheckConstraint(_one_of("kind", DELIVERY_KINDS), name="kind"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_delivery_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person | None] = relationship()
    webhook: Mapped[Webhook | None] = relationship()


class InboxMessage(Base):
    """A digest delivered in the app; its delivery row and it are written in one transaction."""

    __tablename__ = "inbox_message"
    __table_args__ = (Index("ix_inbox_message_person_read", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SchedulerLease(Base):
    """Which scheduler process may act: held by ``holder`` until ``expires_at``, renewed while alive."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
