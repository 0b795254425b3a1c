"""Every SQLite connection of the app is set up for a web server: WAL, foreign keys, a busy timeout."""
from __future__ import annotations

import pytest

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

