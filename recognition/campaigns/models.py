"""Campaigns: KPI definitions and daily values, campaigns with their brief, dimensions and award rules,
acknowledgements, nominations, stored standings, awards and wallboard links.

Version counters make reads cheap: every change to a campaign's inputs (KPIs of a participant inside
its window, kudos received in it, nominations, its own definition) adds one to ``inputs_version``;
stored standings carry the ``standings_version`` they were computed from, so they are recomputed only
when the two differ. ``awards_version`` moves when awards are published. Wallboards build their ETag
from these counters without building the board.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON, CheckConstraint, Column, Date, Float, ForeignKey, Index, String, Table, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import org_timezone, utcnow
from core.db import Base, UTCDateTime
from core.models import Person, Team

AGGREGATES = ("sum", "mean", "rate")
DIRECTIONS = ("higher_better", "lower_better")
SOURCE_KINDS = ("metric", "kudos", "nominations")
# Stored status; the state shown to people adds time: draft, scheduled, running, ended, published.
STATUSES = ("draft", "open", "published")
STATES = ("draft", "scheduled", "running", "ended", "published")


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


class MetricDefinition(Base):
    """A KPI: how its daily values add up over a period and which way is better.

    ``aggregate``: ``sum`` and ``mean`` of daily ``value``s, or ``rate`` = Σnumerator / Σdenominator
    (a fraction: 0.015 is 1.5 %; show it as a percentage when ``unit`` is ``%``).
    """

    __tablename__ = "metric_definition"
    __table_args__ = (
        CheckConstraint(f"aggregate IN ({_quoted(AGGREGATES)})", name="aggregate"),
        CheckConstraint(f"direction IN ({_quoted(DIRECTIONS)})", name="direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(32), default="")
    aggregate: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_rate(self) -> bool:
        return self.aggregate == "rate"

    def name_in(self, locale: str | None) -> str:
        return self.name_zh if str(locale or "").startswith("zh") and self.name_zh else self.name_en

    def __repr__(self) -> str:
        return f"<MetricDefinition {self.slug}>"


class MetricValue(Base):
    """One person's KPI for one day (organisation time zone): a ``value``, or a rate's two parts.

    Unique per (metric, day, person): intake upserts, so sending a day again replaces it.
    """

    __tablename__ = "metric_value"
    __table_args__ = (
        UniqueConstraint("metric_id", "day", "person_id"),
        Index("ix_metric_value_person_day", "person_id", "day"),
        CheckConstraint(
            "(value IS NOT NULL AND numerator IS NULL AND denominator IS NULL) OR "
            "(value IS NULL AND numerator IS NOT NULL AND denominator IS NOT NULL "
            "AND numerator >= 0 AND denominator >= 0)",
            name="value_or_rate",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric_definition.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


campaign_teams = Table(
    "campaign_team",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Campaign(Base):
    """A service-guarantee period: its teams, brief, weighted dimensions and award rules.

    Participants are the active agents of its teams. Its KPI window is the organisation-time-zone days
    from the day of ``starts_at`` to the day of the last moment before ``ends_at``.
    """

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(f"status IN ({_quoted(STATUSES)})", name="status"),
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint("award_top_n >= 1 AND award_points >= 0 AND award_budget >= 0", name="awards"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    award_top_n: Mapped[int] = mapped_column(default=3)
    award_one_per_person: Mapped[bool] = mapped_column(default=False)
    award_points: Mapped[int] = mapped_column(default=0)
    award_budget: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inputs_version: Mapped[int] = mapped_column(default=1)
    standings_version: Mapped[int] = mapped_column(default=0)
    standings_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awards_version: Mapped[int] = mapped_column(default=0)
    # Team aggregates against each bound requirement, computed with the standings (public).
    # Deferred: large with many teams, and read only where progress is shown (not by standings reads).
    team_progress: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, deferred=True)

    created_by: Mapped[Person | None] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary=campaign_teams, order_by="Team.name")
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Requirement.position")
    dimensions: Mapped[list[Dimension]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Dimension.position")

    def name_in(self, locale: str | None) -> str:
        return self.name_zh if str(locale or "").startswith("zh") and self.name_zh else self.name

    def state_at(self, now: datetime) -> str:
        """``draft``, ``scheduled`` (launched, not begun), ``running``, ``ended`` or ``published``."""
        if self.status in ("draft", "published"):
            return self.status
        if now < self.starts_at:
            return "scheduled"
        return "running" if now < self.ends_at else "ended"

    @property
    def first_day(self) -> date:
        return self.starts_at.astimezone(org_timezone()).date()

    @property
    def last_day(self) -> date:
        return (self.ends_at - timedelta(microseconds=1)).astimezone(org_timezone()).date()

    @property
    def standings_fresh(self) -> bool:
        return self.standings_version == self.inputs_version

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(team.id for team in self.teams)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r}>"


class Requirement(Base):
    """A written, actionable requirement of the brief; optionally bound to a KPI with a target."""

    __tablename__ = "campaign_requirement"
    __table_args__ = (
        CheckConstraint(f"direction IS NULL OR direction IN ({_quoted(DIRECTIONS)})", name="direction"),
        CheckConstraint("(metric_id IS NULL) = (target IS NULL)", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    metric_id: Mapped[int | None] = mapped_column(ForeignKey("metric_definition.id"), index=True)
    target: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str | None] = mapped_column(String(16))

    campaign: Mapped[Campaign] = relationship(back_populates="requirements")
    metric: Mapped[MetricDefinition | None] = relationship()

    @property
    def effective_direction(self) -> str | None:
        return self.direction or (self.metric.direction if self.metric else None)


class Dimension(Base):
    """A weighted benchmark dimension and where its score comes from.

    ``source``: ``metric`` (the KPI aggregated over the window; ``aggregate``/``direction`` default to
    the KPI's; eligible from ``min_volume``: days with a value for sum and mean, Σdenominator for a
    rate), ``kudos`` (kudos received in ``value``, or in any value, during the campaign) or
    ``nominations`` (supervisor nominations in this dimension); for these two the volume is the count.
    """

    __tablename__ = "campaign_dimension"
    __table_args__ = (
        CheckConstraint(f"source IN ({_quoted(SOURCE_KINDS)})", name="source"),
        CheckConstraint(f"aggregate IS NULL OR aggregate IN ({_quoted(AGGREGATES)})", name="aggregate"),
        CheckConstraint(f"direction IS NULL OR direction IN ({_quoted(DIRECTIONS)})", name="direction"),
        CheckConstraint("weight > 0 AND min_volume >= 0", name="weight"),
        CheckConstraint("(source = 'metric') = (metric_id IS NOT NULL)", name="metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[str] = mapped_column(String(16))
    metric_id: Mapped[int | None] = mapped_column(ForeignKey("metric_definition.id"), index=True)
    aggregate: Mapped[str | None] = mapped_column(String(8))
    direction: Mapped[str | None] = mapped_column(String(16))
    min_volume: Mapped[float] = mapped_column(Float, default=0.0)
    value_id: Mapped[int | None] = mapped_column(ForeignKey("value.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="dimensions")
    metric: Mapped[MetricDefinition | None] = relationship()

    @property
    def effective_aggregate(self) -> str | None:
        return self.aggregate or (self.metric.aggregate if self.metric else None)

    @property
    def higher_is_better(self) -> bool:
        direction = self.direction or (self.metric.direction if self.metric else "higher_better")
        return direction == "higher_better"


class Acknowledgement(Base):
    """A participant has read the campaign's brief."""

    __tablename__ = "campaign_acknowledgement"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nomination(Base):
    """A supervisor nominates a participant of their team in a dimension, with a reason (once each)."""

    __tablename__ = "campaign_nomination"
    __table_args__ = (UniqueConstraint("dimension_id", "person_id", "nominated_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("campaign_dimension.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dimension: Mapped[Dimension] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    nominated_by: Mapped[Person | None] = relationship(foreign_keys=[nominated_by_id])


class CampaignStanding(Base):
    """A participant's stored overall standing: weighted score (0–100), rank, gap to the rank above.

    ``team_id`` is the team at computation time (no foreign key: a stored result, rebuilt in bulk).
    """

    __tablename__ = "campaign_standing"
    __table_args__ = (Index("ix_campaign_standing_rank", "campaign_id", "rank"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int | None]
    rank: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    eligible_dimensions: Mapped[int] = mapped_column(default=0)
    gap_to_next: Mapped[float | None] = mapped_column(Float)


class DimensionStanding(Base):
    """A participant's stored standing in one dimension: raw aggregate, volume, eligibility, percentile.

    Rebuilt in bulk (participants × dimensions rows), so it carries only the keys reads need: the
    primary key (dimension, person) for breakdowns and (dimension, rank) for a dimension's ranking;
    the next computation replaces every row.
    """

    __tablename__ = "campaign_dimension_standing"
    __table_args__ = (Index("ix_campaign_dimension_standing_rank", "dimension_id", "rank"),)

    dimension_id: Mapped[int] = mapped_column(ForeignKey("campaign_dimension.id", ondelete="CASCADE"),
                                              primary_key=True)
    # No foreign key to person: the participant's overall row (CampaignStanding) holds that one.
    person_id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None]
    value: Mapped[float | None] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float, default=0.0)
    eligible: Mapped[bool] = mapped_column(default=False)
    percentile: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int]


class Award(Base):
    """A campaign award: overall (``dimension_id`` null) or in a dimension, at ``position`` (1..top N).

    Drafts (``published_at`` null) follow the standings until publishing; citations edited on a draft
    are kept for the same winner. ``category`` is ``overall`` or ``dimension-<id>``.
    """

    __tablename__ = "campaign_award"
    __table_args__ = (
        UniqueConstraint("campaign_id", "category", "person_id"),
        CheckConstraint("points >= 0 AND position >= 1", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    dimension_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_dimension.id", ondelete="SET NULL"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    citation: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    dimension: Mapped[Dimension | None] = relationship()
    person: Mapped[Person] = relationship()


class Wallboard(Base):
    """A revocable read-only link to a TV board of a campaign or a team; only the token's digest is kept."""

    __tablename__ = "wallboard"
    __table_args__ = (
        CheckConstraint("(campaign_id IS NULL) <> (team_id IS NULL)", name="subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign | None] = relationship()
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[Person | None] = relationship()


class BoardCounter(Base):
    """A named counter that moves when something boards show changes without a new row (a kudos removed)."""

    __tablename__ = "board_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
