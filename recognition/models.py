"""Public praise: values, kudos with reactions and comments, the points ledger and its tallies, badges.

The ledger (:class:`PointsEntry`) is append-only and the single source of points; the tallies
(:class:`PointsTally`, :class:`TeamTally`) are sums of it kept in the same transaction as each
append, so boards read a handful of rows instead of aggregating the ledger.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.models import Person, Team

LEDGER_KINDS = ("kudos", "kudos_retracted", "kudos_hidden", "award", "badge", "adjustment")
KUDOS_LEDGER_KINDS = ("kudos", "kudos_retracted", "kudos_hidden")
PERIODS = ("week", "month", "all")
ALL_TIME_KEY = "all"
ANNOUNCEMENT_KINDS = ("badge", "award")
REACTION_KINDS = ("applause",)


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


class Value(Base):
    """One of the organisation's values; every kudos is tagged with one."""

    __tablename__ = "value"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name_in(self, locale: str | None) -> str:
        return self.name_zh if str(locale or "").startswith("zh") and self.name_zh else self.name_en

    def description_in(self, locale: str | None) -> str:
        if str(locale or "").startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description_en

    def __repr__(self) -> str:
        return f"<Value {self.slug}>"


class Kudos(Base):
    """Praise from one giver to people (or a team), tagged with a value.

    ``points`` is what left the giver's budget: ``points_each`` times the number of recipients
    (the remainder of an uneven split is never spent). ``week_key``/``month_key`` are the
    organisation-time-zone periods of the moment it was given.
    """

    __tablename__ = "kudos"
    __table_args__ = (
        CheckConstraint("points >= 0 AND points_each >= 0", name="points"),
        Index("ix_kudos_giver_month", "giver_id", "month_key"),
        Index("ix_kudos_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    value_id: Mapped[int] = mapped_column(ForeignKey("value.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    message: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(default=0)
    points_each: Mapped[int] = mapped_column(default=0)
    by_supervisor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    week_key: Mapped[str] = mapped_column(String(8))
    month_key: Mapped[str] = mapped_column(String(7))
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    giver: Mapped[Person] = relationship(foreign_keys=[giver_id])
    value: Mapped[Value] = relationship()
    team: Mapped[Team | None] = relationship()
    hidden_by: Mapped[Person | None] = relationship(foreign_keys=[hidden_by_id])
    recipients: Mapped[list[KudosRecipient]] = relationship(
        back_populates="kudos", cascade="all, delete-orphan", order_by="KudosRecipient.person_id"
    )

    @property
    def visible(self) -> bool:
        """Shown in feeds and counted on boards: neither retracted by its giver nor hidden by an admin."""
        return self.retracted_at is None and self.hidden_at is None

    def __repr__(self) -> str:
        return f"<Kudos {self.id} from {self.giver_id}>"


class KudosRecipient(Base):
    """A person praised by a kudos, their share of its points and their team at that moment."""

    __tablename__ = "kudos_recipient"
    __table_args__ = (
        Index("ix_kudos_recipient_person_kudos", "person_id", "kudos_id"),
        Index("ix_kudos_recipient_team_kudos", "team_id", "kudos_id"),
    )

    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    points: Mapped[int] = mapped_column(default=0)

    kudos: Mapped[Kudos] = relationship(back_populates="recipients")
    person: Mapped[Person] = relationship()


class Reaction(Base):
    """Applause: at most one of each kind per person per kudos."""

    __tablename__ = "reaction"
    __table_args__ = (
        UniqueConstraint("kudos_id", "person_id", "kind"),
        CheckConstraint(f"kind IN ({_quoted(REACTION_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="applause")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    """A short public comment on a kudos."""

    __tablename__ = "kudos_comment"
    __table_args__ = (Index("ix_kudos_comment_kudos_id", "kudos_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Person] = relationship()


class PointsEntry(Base):
    """One append-only line of the points ledger; rows are never updated or deleted.

    ``week_key``/``month_key`` are the periods of the event the points belong to, so a reversal
    (a retracted or hidden kudos) lands in the period of the kudos it reverses. ``team_id`` is the
    team the points count for on team boards (the person's team when the event happened).
    """

    __tablename__ = "points_entry"
    __table_args__ = (CheckConstraint(f"kind IN ({_quoted(LEDGER_KINDS)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int]
    kudos_id: Mapped[int | None] = mapped_column(ForeignKey("kudos.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    week_key: Mapped[str] = mapped_column(String(8))
    month_key: Mapped[str] = mapped_column(String(7))


class PointsTally(Base):
    """A person's ledger sum for one week, one month or all time (``period_key`` ``all``)."""

    __tablename__ = "points_tally"
    __table_args__ = (
        UniqueConstraint("person_id", "period", "period_key"),
        Index("ix_points_tally_board", "period", "period_key", "points"),
        CheckConstraint(f"period IN ({_quoted(PERIODS)})", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    period_key: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(default=0)


class TeamTally(Base):
    """A team's ledger sum (points earned by its members while in it) for one period."""

    __tablename__ = "team_tally"
    __table_args__ = (
        UniqueConstraint("team_id", "period", "period_key"),
        Index("ix_team_tally_board", "period", "period_key", "points"),
        CheckConstraint(f"period IN ({_quoted(PERIODS)})", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    period_key: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(default=0)


class GivingSpend(Base):
    """Points a giver has spent from their budget in one month; locked while a kudos is checked."""

    __tablename__ = "giving_spend"
    __table_args__ = (CheckConstraint("spent >= 0", name="spent"),)

    giver_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    month_key: Mapped[str] = mapped_column(String(7), primary_key=True)
    spent: Mapped[int] = mapped_column(default=0)


class BadgeAward(Base):
    """A badge earned by a person; each (code, context) at most once per person.

    ``context_key`` tells badges of one kind apart: the value slug of a value badge, a campaign's
    key for a campaign award, ``""`` for one-off badges.
    """

    __tablename__ = "badge_award"
    __table_args__ = (UniqueConstraint("person_id", "code", "context_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    context_key: Mapped[str] = mapped_column(String(64), default="")
    points: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()


class Announcement(Base):
    """A public line in the feed about a person: a badge earned or an award won.

    ``params`` holds what the text is built from at read time, in the reader's language
    (e.g. ``{"badge": "value_champion", "context": "customer-first"}``).
    """

    __tablename__ = "announcement"
    __table_args__ = (
        Index("ix_announcement_created_at_id", "created_at", "id"),
        CheckConstraint(f"kind IN ({_quoted(ANNOUNCEMENT_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
