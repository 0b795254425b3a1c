"""The core endpoints of /api/v1: health, the caller, teams, people, the browser session and OpenAPI."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select, update

from core import create_app, services
from core.clock import utcnow
from core.config import TestConfig
from core.extensions import db
from core.models import ApiToken, AuditEvent, Person, SignInFailure, Team
from tests.kudos_fixtures import value  # noqa: F401
from tests.web.api_asserts import API, assert_api_error

PASSWORD = "password123"  # conftest's make_person default


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- health and the caller ---------------------------------------------------------------------

def test_health_needs_no_token(client, app):
    response = client.get(f"{API}/health")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app(TestConfig, DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'bravo.sqlite3'}")
    try:
        response = broken.test_client().get(f"{API}/health")
    finally:
        with broken.app_context():
            db.engine.dispose()

    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert response.json["status"] != "ok"


def test_me_describes_the_caller(client, org, token_for):
    response = client.get(f"{API}/me", headers=token_for(org.supervisor))

    assert response.status_code == 200
    me = response.json
    assert me["username"] == "super1"
    assert me["name"] == "Super1"
    assert me["role"] == "supervisor"
    assert me["teams"] == ["Alpha"]
    assert me["supervised_teams"] == ["Alpha"]
    assert "locale" in me
    assert not {"password", "password_hash", "id"} & set(me)


def test_using_a_token_records_when_it_was_last_used(client, org):
    record, token = services.create_token(org.agent)
    db.session.commit()
    assert record.last_used_at is None
    before = utcnow()

    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    db.session.expire_all()
    used = db.session.get(ApiToken, record.id).last_used_at
    assert used is not None and before - timedelta(seconds=1) <= used <= utcnow()


@contextmanager
def statements_run():
    """The SQL statements run inside the block, in order."""
    run: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        run.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield run
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def token_reads(run: list[str]) -> list[str]:
    return [s for s in run if "api_token" in s or "FROM person" in s]


def test_a_token_is_read_with_one_query_then_trusted_for_the_recheck_window(client, org):
    _record, token = services.create_token(org.agent)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with statements_run() as first:
        assert client.get(f"{API}/values", headers=headers).status_code == 200
    assert [s for s in token_reads(first) if s.startswith("SELECT")] == [
        next(s for s in first if s.startswith("SELECT api_token.id") and "JOIN person" in s)]
    db.session.remove()  # as a new request's session knows nothing yet
    with statements_run() as again:
        me = client.get(f"{API}/me", headers=headers)
    assert me.status_code == 200 and me.json["username"] == org.agent.username
    assert token_reads(again) == []


def test_a_revocation_or_deactivation_in_this_process_applies_at_once(client, org):
    record, token = services.create_token(org.agent)
    _other, other_token = services.create_token(org.supervisor)
    db.session.commit()
    for bearer in (token, other_token):
        assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {bearer}"}).status_code == 200
    services.revoke_token(db.session.get(type(record), record.id), actor=org.admin)
    db.session.commit()
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    services.set_person_active(db.session.get(Person, org.supervisor.id), False, actor=org.admin)
    db.session.commit()
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {other_token}"}).status_code == 401


def test_a_change_made_by_another_process_applies_within_the_recheck_window(app, client, org):
    """Another process's commit does not reach this one's kept tokens: they are read again once the
    window has passed (here 0.3 s instead of the default)."""
    app.config["API_TOKEN_RECHECK_SECONDS"] = 0.3  # this test's app keeps no token yet
    _record, token = services.create_token(org.agent)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/me", headers=headers).json["role"] == "agent"
    with db.engine.begin() as elsewhere:  # as another process would: no session of this app sees it
        elsewhere.execute(update(Person.__table__).where(Person.__table__.c.id == org.agent.id)
                          .values(active=False))
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    time.sleep(0.35)
    db.session.remove()  # as the next request's session, which has read nothing yet
    assert client.get(f"{API}/me", headers=headers).status_code == 401


def test_a_read_records_a_token_use_in_a_write_transaction_of_its_own(client, org):
    """On SQLite a read transaction cannot become a writer while others write: the use of a token
    seen by a GET is recorded in a transaction that begins as a writer (BEGIN IMMEDIATE)."""
    _record, token = services.create_token(org.agent)
    db.session.commit()
    with statements_run() as run:
        assert client.get(f"{API}/values", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    update = next(i for i, s in enumerate(run) if s.startswith("UPDATE api_token SET last_used_at"))
    if db.engine.dialect.name == "sqlite":
        assert [s for s in run[:update] if s.startswith("BEGIN")][-1] == "BEGIN IMMEDIATE"


def test_giving_kudos_takes_the_write_lock_for_its_writes_only(client, org, value):
    """On SQLite POST /kudos parses and looks up people and the value as a reader; the transaction that
    writes begins as a writer (BEGIN IMMEDIATE), so concurrent writers queue behind writes only."""
    _record, token = services.create_token(org.agent)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200  # the minute's use is recorded
    db.session.remove()  # as a new request's session, with no transaction open
    with statements_run() as run:
        response = client.post(f"{API}/kudos", headers=headers, json={
            "recipients": ["agent2"], "value": "customer-first", "points": 5,
            "message": "Thanks for covering my queue during the outage."})
    assert response.status_code == 201 and response.json["points"] == 5
    first_write = next(i for i, s in enumerate(run) if s.startswith(("INSERT", "UPDATE")))
    reads = run[:first_write]
    assert any("FROM value" in s for s in reads)
    if db.engine.dialect.name == "sqlite":
        begins = [s for s in run if s.startswith("BEGIN")]
        assert begins[0] == "BEGIN" and [s for s in reads if s.startswith("BEGIN")][-1] == "BEGIN IMMEDIATE"
        assert run.index("BEGIN IMMEDIATE") > max(i for i, s in enumerate(reads) if "FROM value" in s)


# --- teams -------------------------------------------------------------------------------------

def test_admin_creates_a_team_with_supervisors(client, org, token_for):
    response = client.post(f"{API}/teams", headers=token_for(org.admin), json={
        "name": "Gamma", "site": "Berlin", "timezone": "Europe/Berlin", "supervisors": ["super2", "super1"],
    })

    assert response.status_code == 201
    assert response.json == {"name": "Gamma", "site": "Berlin", "timezone": "Europe/Berlin",
                             "supervisors": ["super1", "super2"]}
    team = services.team_by_name("Gamma")
    assert {p.username for p in team.supervisors} == {"super1", "super2"}
    assert team.site.name == "Berlin"


def test_a_team_without_a_time_zone_gets_the_organisations(client, org, token_for, app):
    response = client.post(f"{API}/teams", json={"name": "Delta"}, headers=token_for(org.admin))

    assert response.status_code == 201
    assert response.json["timezone"] == app.config["TIMEZONE"]
    assert response.json["supervisors"] == []


def test_unknown_supervisor_is_404_naming_the_field_and_creates_nothing(client, org, token_for):
    teams = count(Team)

    response = client.post(f"{API}/teams", json={"name": "Gamma", "supervisors": ["super1", "ghost"]},
                           headers=token_for(org.admin))

    assert_api_error(response, 404, "not_found", fields={"supervisors"})
    assert count(Team) == teams


def test_team_with_bad_time_zone_or_agent_supervisor_is_400(client, org, token_for):
    headers = token_for(org.admin)

    bad_zone = client.post(f"{API}/teams", json={"name": "Gamma", "timezone": "Mars/Olympus"}, headers=headers)
    agent_lead = client.post(f"{API}/teams", json={"name": "Gamma", "supervisors": ["agent1"]}, headers=headers)

    assert_api_error(bad_zone, 400, fields={"timezone"})
    assert_api_error(agent_lead, 400, fields={"supervisors"})
    assert services.team_by_name("Gamma") is None


def test_only_admins_create_teams(client, org, token_for):
    response = client.post(f"{API}/teams", json={"name": "Gamma"}, headers=token_for(org.manager))

    assert_api_error(response, 403, "forbidden")


# --- people ------------------------------------------------------------------------------------

def test_admin_creates_a_person_in_a_team(client, org, token_for):
    response = client.post(f"{API}/users", headers=token_for(org.admin), json={
        "username": "New.Bie", "name": "New Bie", "email": "newbie@example.com", "role": "agent", "team": "Alpha",
    })

    assert response.status_code == 201
    assert response.json == {"username": "new.bie", "name": "New Bie", "email": "newbie@example.com",
                             "role": "agent", "team": "Alpha", "active": True}
    person = services.person_by_username("new.bie")
    assert person.team == org.team_a


def test_person_with_bad_email_role_or_team_is_refused_naming_the_field(client, org, token_for):
    headers = token_for(org.admin)
    person = {"username": "newbie", "name": "New Bie", "email": "newbie@example.com", "role": "agent"}
    people = count(Person)

    bad_email = client.post(f"{API}/users", json={**person, "email": "not-an-address"}, headers=headers)
    bad_role = client.post(f"{API}/users", json={**person, "role": "boss"}, headers=headers)
    bad_team = client.post(f"{API}/users", json={**person, "team": "Nowhere"}, headers=headers)

    assert_api_error(bad_email, 400, fields={"email"})
    assert_api_error(bad_role, 400, fields={"role"})
    assert_api_error(bad_team, 404, fields={"team"})
    assert count(Person) == people


def test_people_list_shows_public_fields_of_active_people_only(client, org, token_for):
    services.set_person_active(org.other_agent, False, actor=org.admin)
    db.session.commit()

    response = client.get(f"{API}/users", headers=token_for(org.agent))

    assert response.status_code == 200
    assert response.json["next"] is None
    items = response.json["items"]
    assert all(set(item) == {"username", "name", "team"} for item in items)
    assert {"username": "agent1", "name": "Agent1", "team": "Alpha"} in items
    assert {item["username"] for item in items} == {"admin1", "manager1", "super1", "super2", "agent1"}
    assert "@example.com" not in response.get_data(as_text=True)


def test_people_list_pages_with_a_cursor_until_next_is_null(client, org, token_for, make_person):
    for n in range(23):
        make_person(f"extra{n:02d}")
    headers = token_for(org.agent)
    expected = set(db.session.execute(select(Person.username).where(Person.active.is_(True))).scalars())
    assert len(expected) == 29

    default = client.get(f"{API}/users", headers=headers).json
    assert len(default["items"]) == 20 and default["next"]

    seen, sizes, cursor = [], [], None
    while True:
        query = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/users", query_string=query, headers=headers).json
        seen += [item["username"] for item in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next"]
        if cursor is None:
            break
    assert sizes == [10, 10, 9]
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_people_list_filters_by_team(client, org, token_for, make_person):
    make_person("extra", team=org.team_b)
    headers = token_for(org.agent)

    alpha = client.get(f"{API}/users?team=Alpha", headers=headers).json
    bravo = client.get(f"{API}/users", query_string={"team": "Bravo Team", "limit": 1}, headers=headers).json
    bravo_rest = client.get(f"{API}/users", query_string={"team": "Bravo Team", "cursor": bravo["next"]},
                            headers=headers).json

    assert {p["username"] for p in alpha["items"]} == {"super1", "agent1"}
    assert {p["team"] for p in alpha["items"]} == {"Alpha"}
    assert len(bravo["items"]) == 1 and bravo["next"]
    assert {p["username"] for p in bravo["items"] + bravo_rest["items"]} == {"super2", "agent2", "extra"}
    assert bravo_rest["next"] is None


# --- the browser session and sign-in throttling --------------------------------------------------

def test_signing_in_opens_a_session_that_answers_me(client, org):
    response = client.post(f"{API}/session", json={"username": "agent1", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json["username"] == "agent1"
    assert "password" not in response.json
    assert client.get(f"{API}/me").json["username"] == "agent1"

    assert client.delete(f"{API}/session").status_code == 204
    assert_api_error(client.get(f"{API}/me"), 401)


def test_wrong_password_is_401(client, org):
    response = client.post(f"{API}/session", json={"username": "agent1", "password": "wrong-password"})

    assert_api_error(response, 401)
    assert_api_error(client.get(f"{API}/me"), 401)


def test_sixth_sign_in_within_15_minutes_is_throttled_even_with_the_right_password(client, org):
    for _attempt in range(5):
        wrong = client.post(f"{API}/session", json={"username": "agent1", "password": "wrong-password"})
        assert wrong.status_code == 401

    throttled = client.post(f"{API}/session", json={"username": "agent1", "password": PASSWORD})

    assert_api_error(throttled, 429, "rate_limited")
    assert_api_error(client.get(f"{API}/me"), 401)
    audits = db.session.execute(select(AuditEvent).where(AuditEvent.action == "signin.throttled")).scalars().all()
    assert [event.detail["username"] for event in audits] == ["agent1"]
    # Another person is not locked out by agent1's failures.
    assert client.post(f"{API}/session", json={"username": "agent2", "password": PASSWORD}).status_code == 200


def test_failures_older_than_15_minutes_do_not_count(client, org):
    long_ago = utcnow() - timedelta(minutes=16)
    db.session.add_all(SignInFailure(username="agent1", at=long_ago) for _ in range(5))
    db.session.commit()

    response = client.post(f"{API}/session", json={"username": "agent1", "password": PASSWORD})

    assert response.status_code == 200


def test_four_recent_failures_still_let_the_right_password_in(client, org):
    db.session.add_all(SignInFailure(username="agent1", at=utcnow() - timedelta(minutes=14)) for _ in range(4))
    db.session.commit()

    assert client.post(f"{API}/session", json={"username": "agent1", "password": PASSWORD}).status_code == 200


# --- OpenAPI -----------------------------------------------------------------------------------

def test_openapi_document_is_served_and_covers_every_api_route(app, client):
    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.rule == f"{API}/openapi.json":
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in document["paths"].get(path, {}):
                undocumented.append(f"{method} {path}")
    assert not undocumented
    assert {f"{API}/health", f"{API}/me", f"{API}/users", f"{API}/teams", f"{API}/session"} <= set(document["paths"])
