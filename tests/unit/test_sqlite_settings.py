"""Every SQLite connection of the app is set up for a web server: WAL, foreign keys, a busy timeout,
and writers that take the write lock as soon as it is free."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from core.db import SQLITE_BUSY_TIMEOUT_MS, sqlite_write_intent
from core.extensions import db


@pytest.fixture
def sqlite_connection(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings only")
    with db.engine.connect() as connection:
        yield connection


def pragma(connection, name: str):
    return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_connection_uses_wal_foreign_keys_and_a_busy_timeout(sqlite_connection):
    assert pragma(sqlite_connection, "journal_mode") == "wal"
    assert pragma(sqlite_connection, "foreign_keys") == 1
    assert pragma(sqlite_connection, "busy_timeout") > 0



@pytest.fixture
def writers():
    """Transactions of this test begin as writers (BEGIN IMMEDIATE), whatever a request set before."""
    intent = sqlite_write_intent.set(True)
    yield
    sqlite_write_intent.reset(intent)


def test_a_writer_waits_for_the_write_lock_and_gets_it_once_it_is_free(app, sqlite_connection, writers):
    """A second writer neither fails at once nor waits for SQLite's long back-off sleeps: it asks again
    and again, and begins as soon as the first writer commits; its busy timeout is as before."""
    holding, released = threading.Event(), threading.Event()
    engine = db.engine

    def hold_the_lock_a_while():
        sqlite_write_intent.set(True)
        with engine.connect() as holder, holder.begin():
            holding.set()
            time.sleep(0.3)
        released.set()

    threading.Thread(target=hold_the_lock_a_while).start()
    assert holding.wait(5)
    with sqlite_connection.begin():
        assert released.is_set()  # it began only once the lock was free, and did not fail before
        sqlite_connection.exec_driver_sql("CREATE TABLE written_after_waiting (id INTEGER)")
    assert pragma(sqlite_connection, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS


def test_a_writer_that_never_gets_the_lock_fails_as_database_is_locked(app, sqlite_connection, writers,
                                                                       monkeypatch):
    monkeypatch.setattr("core.db.SQLITE_BUSY_TIMEOUT_MS", 200)
    with db.engine.connect() as holder, holder.begin():
        with pytest.raises(OperationalError, match="database is locked"):
            sqlite_connection.begin()
    assert pragma(sqlite_connection, "busy_timeout") == 200
