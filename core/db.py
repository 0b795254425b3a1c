"""Declarative base, column types shared by every area, and SQLite connection settings."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite keeps no offset, so it is stored as UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


# Whether this context's transactions will write. On SQLite a writing transaction must take the
# write lock when it begins (BEGIN IMMEDIATE): a reader that upgrades to a writer fails at once with
# "database is locked" when another writer got in first, whatever the busy timeout.
sqlite_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


@contextmanager
def own_write_transaction(session, *, keep_loaded: bool = False) -> Iterator[None]:
    """Run the block in a transaction of its own that begins as a writer, and commit it.

    The session's current transaction is committed first, so it must hold no pending writes. For a
    read that must write a little (a token's last use, an audit row), or a view that reads first
    (:func:`writes_after_reading`): on SQLite a read transaction cannot become a writer while others
    write ("database is locked" at once, whatever the timeout). ``keep_loaded``: both commits leave
    the session's objects loaded (what was read before, and what the block wrote, for the response).
    """
    commit = commit_keeping_loaded if keep_loaded else type(session).commit
    commit(session)
    intent = sqlite_write_intent.set(True)
    try:
        yield
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        sqlite_write_intent.reset(intent)


def commit_keeping_loaded(session) -> None:
    """Commit and leave the objects loaded, for a response made of what was just written: read back,
    it would cost a few queries (on SQLite, in a second transaction that queues for the write lock).
    ``session`` is Flask-SQLAlchemy's ``db.session``."""
    current = session()
    current.expire_on_commit = False
    try:
        current.commit()
    finally:
        current.expire_on_commit = True


def writes_after_reading(view: Callable) -> Callable:
    """Mark a writing view (or a MethodView's method) that reads first and does its writes in
    :func:`own_write_transaction`: on SQLite its request begins as a reader, so concurrent writers
    queue behind its writes only, not behind its token check, parsing and validation."""
    view.writes_after_reading = True  # type: ignore[attr-defined]
    return view


def writes_on_read(view: Callable) -> Callable:
    """Mark a GET view that writes (e.g. an audited read) so its SQLite transaction begins IMMEDIATE."""
    view.writes_on_read = True  # type: ignore[attr-defined]
    return view


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


# How long a writer waits for SQLite's write lock before "database is locked", and how often it asks.
SQLITE_BUSY_TIMEOUT_MS = 15000
SQLITE_WRITE_LOCK_POLL_SECONDS = 0.0002


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name == "sqlite":
        if sqlite_write_intent.get():
            _begin_writer(connection)
        else:
            connection.exec_driver_sql("BEGIN")


def _begin_writer(connection) -> None:
    """BEGIN IMMEDIATE, asked again every 0.2 ms while another writer holds the lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ms and more between its tries: under a steady stream
    of short write transactions a waiting writer sleeps well past the moment the lock is free, and
    the other process, back first, takes it again. Asking often hands the lock over within a fraction
    of a millisecond. After the timeout, a last try waits as SQLite does and fails "database is locked".
    """
    raw = connection.connection.dbapi_connection
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if (getattr(error.orig, "sqlite_errorcode", 0) & 0xFF) != sqlite3.SQLITE_BUSY:  # busy, or a variant
                    raise
            time.sleep(SQLITE_WRITE_LOCK_POLL_SECONDS)
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL for concurrent readers, enforced foreign keys, and waiting instead of 'database is locked'."""
    if not _is_sqlite(dbapi_connection):
        return
    # SQLAlchemy, not the driver, emits BEGIN (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
