"""Private growth records: coaching entries and their follow-ups, the monitoring roster, one-to-ones, journal.

Who may read any of these is decided in :mod:`coaching.access` only.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.models import Person, Team
from recognition.models import Kudos

ENTRY_KINDS = (
    "monitoring_random", "monitoring_recording", "side_by_side", "qa_evaluation", "floor_support",
    "follow_up", "other",
)
DISPUTE_OUTCOMES = ("upheld", "amended", "withdrawn")
# agenda: before the meeting; shared: both see; private: only the author; growth_goal and learned: the agent's
NOTE_KINDS = ("agenda", "shared", "private", "growth_goal", "learned")
CADENCES = ("weekly", "fortnightly", "monthly")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CoachingEntry(Base):
    """One coaching conversation with an agent, written in the team the agent was in at the time."""

    __tablename__ = "coaching_entry"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint("qa_score IS NULL OR (qa_score >= 0 AND qa_score <= 100)", name="qa_score_range"),
        CheckConstraint("kind != 'qa_evaluation' OR qa_score IS NOT NULL", name="qa_score_required"),
        CheckConstraint("agent_id != author_id", name="not_self"),
        Index("ix_coaching_entry_agent_kind_occurred", "agent_id", "kind", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    interaction_ref: Mapped[str | None] = mapped_column(String(120))
    went_well: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The earlier entry this one follows up; that entry's follow-up is then met.
    follow_up_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_entry.id", ondelete="SET NULL"), index=True
    )
    target_metric: Mapped[str | None] = mapped_column(String(64))
    qa_score: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The public kudos "what went well" was turned into (that text only, once).
    went_well_kudos_id: Mapped[int | None] = mapped_column(ForeignKey("kudos.id", ondelete="SET NULL"))

    agent: Mapped[Person] = relationship(foreign_keys=[agent_id])
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    team: Mapped[Team] = relationship()
    went_well_kudos: Mapped[Kudos | None] = relationship()
    actions: Mapped[list[CoachingAction]] = relationship(
        back_populates="entry", order_by="CoachingAction.id", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[CoachingAmendment]] = relationship(
        back_populates="entry", order_by="CoachingAmendment.id", cascade="all, delete-orphan"
    )
    response: Mapped[CoachingResponse | None] = relationship(back_populates="entry",
                                                              cascade="all, delete-orphan")
    dispute: Mapped[CoachingDispute | None] = relationship(back_populates="entry",
                                                            cascade="all, delete-orphan")

    @property
    def state(self) -> str:
        """draft, shared, acknowledged, disputed, resolved or withdrawn."""
        if self.shared_at is None:
            return "draft"
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.dispute is not None:
            return "resolved" if self.dispute.resolved_at else "disputed"
        return "acknowledged" if self.response is not None else "shared"


class CoachingAction(Base):
    """An action agreed in a coaching entry, owned by the agent or the author."""

    __tablename__ = "coaching_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("coaching_entry.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    entry: Mapped[CoachingEntry] = relationship(back_populates="actions")
    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
    done_by: Mapped[Person | None] = relationship(foreign_keys=[done_by_id])


class CoachingAmendment(Base):
    """A change to a shared entry: the entry holds the new value, this row the old one and why."""

    __tablename__ = "coaching_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("coaching_entry.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[CoachingEntry] = relationship(back_populates="amendments")
    author: Mapped[Person] = relationship()


class CoachingResponse(Base):
    """The agent's acknowledgement of a shared entry: agree or not, a comment, how useful it was."""

    __tablename__ = "coaching_response"
    __table_args__ = (
        CheckConstraint("usefulness IS NULL OR (usefulness >= 1 AND usefulness <= 5)",
                        name="usefulness_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("coaching_entry.id", ondelete="CASCADE"), unique=True)
    agrees: Mapped[bool]
    comment: Mapped[str] = mapped_column(Text, default="")
    usefulness: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[CoachingEntry] = relationship(back_populates="response")


class CoachingDispute(Base):
    """Opened when the agent disagrees; a manager over the agent's team resolves it by ``due_at``."""

    __tablename__ = "coaching_dispute"
    __table_args__ = (
        CheckConstraint(f"outcome IS NULL OR {_one_of('outcome', DISPUTE_OUTCOMES)}", name="outcome"),
        CheckConstraint("(outcome IS NULL) = (resolved_at IS NULL)", name="resolved_with_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("coaching_entry.id", ondelete="CASCADE"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[CoachingEntry] = relationship(back_populates="dispute")
    resolved_by: Mapped[Person | None] = relationship()

    def is_overdue(self, now: datetime) -> bool:
        return self.resolved_at is None and now > self.due_at


class CoachingConsent(Base):
    """The agent lets the leads of ``team`` see the coaching history written in their earlier teams."""

    __tablename__ = "coaching_consent"
    __table_args__ = (UniqueConstraint("agent_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agent: Mapped[Person] = relationship()
    team: Mapped[Team] = relationship()


class RosterDraw(Base):
    """An agent drawn for random call monitoring by a supervisor in an ISO week (its Monday, org time)."""

    __tablename__ = "roster_draw"
    __table_args__ = (
        UniqueConstraint("supervisor_id", "week_start", "agent_id"),
        Index("ix_roster_draw_agent_week", "agent_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The monitoring_random entry that ticked this draw off.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_entry.id", ondelete="SET NULL"))

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id])
    agent: Mapped[Person] = relationship(foreign_keys=[agent_id])

    @property
    def done(self) -> bool:
        return self.entry_id is not None


class OneToOne(Base):
    """A one-to-one meeting of a supervisor and an agent; the pair meets again by ``cadence``."""

    __tablename__ = "one_to_one"
    __table_args__ = (
        CheckConstraint(_one_of("cadence", CADENCES), name="cadence"),
        CheckConstraint("agent_id != supervisor_id", name="not_self"),
        Index("ix_one_to_one_pair", "supervisor_id", "agent_id", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    cadence: Mapped[str] = mapped_column(String(16), default="monthly")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id])
    agent: Mapped[Person] = relationship(foreign_keys=[agent_id])
    team: Mapped[Team] = relationship()
    notes: Mapped[list[OneToOneNote]] = relationship(
        back_populates="meeting", order_by="OneToOneNote.id", cascade="all, delete-orphan"
    )

    def is_participant(self, person: Person) -> bool:
        return person.id in (self.supervisor_id, self.agent_id)


class OneToOneNote(Base):
    __tablename__ = "one_to_one_note"
    __table_args__ = (CheckConstraint(_one_of("kind", NOTE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("one_to_one.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[OneToOne] = relationship(back_populates="notes")
    author: Mapped[Person] = relationship()


class OneToOneAction(Base):
    """An action item raised in a meeting; it is carried into the pair's next meetings until done."""

    __tablename__ = "one_to_one_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("one_to_one.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    meeting: Mapped[OneToOne] = relationship()
    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])


class JournalEntry(Base):
    """A private growth-journal entry: only the person who wrote it can ever read it."""

    __tablename__ = "journal_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
