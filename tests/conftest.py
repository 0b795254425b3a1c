"""Fixtures shared by every test: the app on a real database, clients, and factories.

The suite runs on SQLite by default and on PostgreSQL when ``BRAVO_TEST_DATABASE_URL`` points at
a server: each run makes its own database there and drops it at the end.
"""
from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import create_app
from core.config import TestConfig
from core.extensions import db
from core import services

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PASSWORD = "password123"


def compile_translations() -> None:
    """Build the .mo catalogues from the committed .po files, as the run and test commands do."""
    for po_path in ROOT.glob("translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this run (and xdist worker), migrated with the project's migrations."""
    server_url = os.environ.get("BRAVO_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'bravo-test.sqlite3'}"
        return
    name = f"bravo_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_engine = create_engine(make_url(server_url).set(database="postgres"),
                                 isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database: commits need not wait for the disk.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url):
    compile_translations()
    app = create_app(TestConfig, DATABASE_URL=database_url)
    with app.app_context():
        # "heads": work in progress on two branches of migrations still builds one schema.
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    """DELETE, not TRUNCATE (many times faster on a few rows), in one round trip."""
    tables = reversed(db.metadata.sorted_tables)
    if db.engine.dialect.name == "postgresql":
        db.session.connection().exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class FreshGlobalsClient(FlaskClient):
    """Each request starts with an empty ``g``, as in production.

    Tests keep one app context pushed, and Flask reuses it for requests, so without this ``g``
    (Flask-Login's cached user, the API token) would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(migrated_database):
    app = create_app(TestConfig, DATABASE_URL=migrated_database)
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_team(app):
    def make(name: str | None = None, *, site: str | None = "Shanghai", timezone: str | None = None,
             supervisors=()):
        team = services.create_team(name or f"Team {next(_counter)}", site=site, timezone=timezone,
                                    supervisors=supervisors)
        db.session.commit()
        return team

    return make


@pytest.fixture
def make_person(app):
    def make(username: str | None = None, *, role: str = "agent", team=None, name: str | None = None,
             password: str | None = DEFAULT_PASSWORD, locale: str | None = None, **fields):
        username = username or f"person{next(_counter)}"
        person = services.create_person(
            username, name or username.replace(".", " ").title(), fields.pop("email", f"{username}@example.com"),
            role, team=team, password=password, locale=locale, **fields,
        )
        db.session.commit()
        return person

    return make


@pytest.fixture
def login_as(client):
    """Sign a test client in as a person (as Flask-Login would after a password check)."""

    def login(person, the_client=None):
        target = the_client or client
        with target.session_transaction() as session:
            session["_user_id"] = str(person.id)
            session["_fresh"] = True
        return target

    return login


@pytest.fixture
def token_for(app):
    """``Authorization`` headers carrying a new personal token of the person."""

    def make(person, scopes=()):
        _record, token = services.create_token(person, scopes=scopes)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def org(make_team, make_person):
    """A small organisation: two teams on two sites, with a person of every role."""
    admin = make_person("admin1", role="admin")
    manager = make_person("manager1", role="manager")
    supervisor = make_person("super1", role="supervisor")
    other_supervisor = make_person("super2", role="supervisor")
    team_a = make_team("Alpha", site="Shanghai", supervisors=[supervisor])
    team_b = make_team("Bravo Team", site="London", timezone="Europe/London", supervisors=[other_supervisor])
    manager.managed_sites.append(team_a.site)
    supervisor.team = team_a
    other_supervisor.team = team_b
    agent = make_person("agent1", team=team_a)
    other_agent = make_person("agent2", team=team_b)
    db.session.commit()

    class Org:
        pass

    o = Org()
    o.__dict__.update(admin=admin, manager=manager, supervisor=supervisor, other_supervisor=other_supervisor,
                      team_a=team_a, team_b=team_b, agent=agent, other_agent=other_agent)
    return o
