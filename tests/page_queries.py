"""Counting the SQL statements of one page load, for the tests that bound them."""
from __future__ import annotations

from sqlalchemy import event

from core.extensions import db
from tests.kudos_fixtures import forget_kept_boards


def statements(client, url: str) -> int:
    """SQL statements of one page load (SQLite's BEGIN, sent when no transaction is open yet, is not one),
    with nothing loaded in the session and no board kept from an earlier load."""
    db.session.expire_all()
    forget_kept_boards()
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() != "BEGIN":
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, url
    return len(seen)
