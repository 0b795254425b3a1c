"""The platform's records: sites, teams, people, API tokens, the audit log and sign-in failures."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.clock import utcnow
from core.db import Base, UTCDateTime

ROLE_RANK = {"agent": 0, "supervisor": 1, "manager": 2, "admin": 3}

team_supervisors = Table(
    "team_supervisor",
    Base.metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)

site_managers = Table(
    "site_manager",
    Base.metadata,
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    teams: Mapped[list[Team]] = relationship(back_populates="site", order_by="Team.name")
    managers: Mapped[list[Person]] = relationship(
        secondary=site_managers, back_populates="managed_sites", order_by="Person.name"
    )


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site | None] = relationship(back_populates="teams")
    members: Mapped[list[Person]] = relationship(
        back_populates="team", foreign_keys="Person.team_id", order_by="Person.name"
    )
    supervisors: Mapped[list[Person]] = relationship(
        secondary=team_supervisors, back_populates="supervised_teams", order_by="Person.name"
    )


class Person(UserMixin, Base):
    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("role IN ('agent', 'supervisor', 'manager', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    # A person belongs to one team at a time; history of moves is kept in the audit log.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the person picker matches: see core.people.search.person_search_text (kept by the services).
    search_text: Mapped[str] = mapped_column(String(1000), default="", server_default="")

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])
    supervised_teams: Mapped[list[Team]] = relationship(
        secondary=team_supervisors, back_populates="supervisors", order_by="Team.name"
    )
    managed_sites: Mapped[list[Site]] = relationship(
        secondary=site_managers, back_populates="managers", order_by="Site.name"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated people cannot sign in
        return self.active

    def has_role(self, least: str) -> bool:
        """True when the person's role is ``least`` or above it (agent < supervisor < manager < admin)."""
        return ROLE_RANK[self.role] >= ROLE_RANK[least]

    def __repr__(self) -> str:
        return f"<Person {self.username}>"


class ApiToken(Base):
    """A personal API token; only its SHA-256 digest is stored, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class AuditEvent(Base):
    """Who did what to which record, when: sensitive reads and writes, moderation, role changes."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[Person | None] = relationship()


class SignInFailure(Base):
    """One failed sign-in, kept in the database so throttling holds across worker processes."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
