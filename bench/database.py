"""The benchmark database named by BRAVO_DATABASE_URL: `exists`, `create` or `drop` it (SQLite or PostgreSQL).

Usage: python bench/database.py exists|create|drop   (exit 1 from `exists` when it is missing)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url


def _server(url: URL):
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def exists(url: URL) -> bool:
    if url.get_backend_name() == "sqlite":
        return Path(url.database).exists()
    with _server(url).connect() as connection:
        return connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": url.database}).first() is not None


def create(url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return
    if not exists(url):
        with _server(url).connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))


def drop(url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    with _server(url).connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))


def main() -> int:
    action = sys.argv[1] if len(sys.argv) == 2 else ""
    url = make_url(os.environ["BRAVO_DATABASE_URL"])
    if action == "exists":
        return 0 if exists(url) else 1
    if action in ("create", "drop"):
        (create if action == "create" else drop)(url)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
