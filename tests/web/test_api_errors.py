"""Every way a call to /api/v1 can go wrong answers with API.md's JSON error, never HTML or a traceback."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core import create_app, services
from core.api import encode_cursor
from core.config import TestConfig
from core.extensions import db
from core.models import Person, Team
from tests.web.api_asserts import API, assert_api_error

NEW_PERSON = {"username": "newbie", "name": "New Bie", "email": "newbie@example.com", "role": "agent"}


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- 400: malformed input ----------------------------------------------------------------------

def test_malformed_json_body_is_400_malformed_in_json(client, org, token_for):
    response = client.post(f"{API}/users", data='{"username": "newbie",', content_type="application/json",
                           headers=token_for(org.admin))

    error = assert_api_error(response, 400, "malformed")
    assert "json" in error["message"].lower()
    assert "<html" not in response.get_data(as_text=True).lower()
    assert services.person_by_username("newbie") is None


def test_a_form_body_instead_of_json_names_every_required_field(client, org, token_for):
    response = client.post(f"{API}/users", data={"username": "newbie"}, headers=token_for(org.admin))

    assert_api_error(response, 400, "malformed", fields={"username", "name", "email", "role"})


def test_missing_fields_are_named_and_present_ones_are_not(client, org, token_for):
    response = client.post(f"{API}/users", json={"username": "newbie", "name": "New Bie"},
                           headers=token_for(org.admin))

    error = assert_api_error(response, 400, "malformed", fields={"email", "role"})
    assert "username" not in error["fields"] and "name" not in error["fields"]


def test_a_json_list_instead_of_an_object_is_400(client, org, token_for):
    response = client.post(f"{API}/teams", json=["Gamma"], headers=token_for(org.admin))

    assert_api_error(response, 400, "malformed")


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_limit_outside_1_to_100_is_400(client, org, token_for, limit):
    response = client.get(f"{API}/users?limit={limit}", headers=token_for(org.agent))

    assert_api_error(response, 400, fields={"limit"})


@pytest.mark.parametrize("cursor", [
    "!!!",                      # not base64
    encode_cursor("abc"),       # not an integer
    encode_cursor(True),        # JSON true is an int in Python
    encode_cursor(1.5),
    encode_cursor(10**30),      # no key column holds it
])
def test_bad_cursor_is_400(client, org, token_for, cursor):
    response = client.get(f"{API}/users", query_string={"cursor": cursor}, headers=token_for(org.agent))

    assert_api_error(response, 400, fields={"cursor"})


# --- 401: no or bad token ----------------------------------------------------------------------

def test_no_token_is_401(client, org):
    assert_api_error(client.get(f"{API}/me"), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer bravo_not-a-real-token", "Bearer ", "Basic YWRtaW46cGFzcw=="])
def test_unknown_token_is_401(client, org, header):
    assert_api_error(client.get(f"{API}/me", headers={"Authorization": header}), 401, "unauthorized")


def test_a_revoked_token_is_401(client, org):
    record, token = services.create_token(org.agent)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200

    services.revoke_token(record, actor=org.agent)
    db.session.commit()

    assert_api_error(client.get(f"{API}/me", headers=headers), 401, "unauthorized")


def test_a_deactivated_persons_token_is_401(client, org, token_for):
    headers = token_for(org.agent)
    assert client.get(f"{API}/me", headers=headers).status_code == 200

    services.set_person_active(org.agent, False, actor=org.admin)
    db.session.commit()

    assert_api_error(client.get(f"{API}/me", headers=headers), 401, "unauthorized")


def test_a_bad_token_is_not_rescued_by_a_browser_session(client, org, login_as):
    login_as(org.admin)

    response = client.get(f"{API}/me", headers={"Authorization": "Bearer bravo_not-a-real-token"})

    assert_api_error(response, 401)


# --- 403, 404, 405, 409 -------------------------------------------------------------------------

def test_agent_creating_a_person_is_403(client, org, token_for):
    response = client.post(f"{API}/users", json=NEW_PERSON, headers=token_for(org.agent))

    assert_api_error(response, 403, "forbidden")
    assert services.person_by_username("newbie") is None


@pytest.mark.parametrize("path", [f"{API}/nope", f"{API}/users/agent1/nothing", API, f"{API}/"])
def test_unknown_route_under_the_api_is_404_json(client, org, token_for, path):
    assert_api_error(client.get(path, headers=token_for(org.agent)), 404, "not_found")
    # Without a token the route is still unknown, not unauthorised.
    assert_api_error(client.get(path), 404, "not_found")


def test_unknown_team_filter_is_404_naming_the_field(client, org, token_for):
    response = client.get(f"{API}/users?team=nope", headers=token_for(org.agent))

    assert_api_error(response, 404, "not_found", fields={"team"})


def test_method_not_allowed_is_405_json_with_allow(client, org, token_for):
    response = client.delete(f"{API}/users", headers=token_for(org.admin))

    assert_api_error(response, 405, "method_not_allowed")
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert_api_error(client.put(f"{API}/health"), 405, "method_not_allowed")


@pytest.mark.parametrize("username", ["agent1", "AGENT1"])
def test_duplicate_username_is_409_naming_username(client, org, token_for, username):
    people = count(Person)

    response = client.post(f"{API}/users", json={**NEW_PERSON, "username": username},
                           headers=token_for(org.admin))

    assert_api_error(response, 409, "conflict", fields={"username"})
    assert count(Person) == people


def test_duplicate_team_name_is_409(client, org, token_for):
    teams = count(Team)

    response = client.post(f"{API}/teams", json={"name": "Alpha"}, headers=token_for(org.admin))

    assert_api_error(response, 409, "conflict", fields={"name"})
    assert count(Team) == teams


# --- 500 ------------------------------------------------------------------------------------------

def test_unexpected_exception_is_500_json_without_traceback_or_half_written_data(app, client, org, token_for):
    def explode():
        services.create_team("Half written")
        raise RuntimeError("secret internals 4242")

    app.add_url_rule(f"{API}/test-explode", "test_explode", explode)

    response = client.get(f"{API}/test-explode", headers=token_for(org.agent))

    assert_api_error(response, 500, "internal")
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "secret internals", "explode"):
        assert leak not in body
    assert services.team_by_name("Half written") is None
    assert client.get(f"{API}/me", headers=token_for(org.agent)).status_code == 200


# --- CSRF: browser sessions need it, tokens do not --------------------------------------------

@pytest.fixture
def csrf_app(migrated_database, app):
    """A second app on the test database with CSRF protection on, as in production."""
    csrf_app = create_app(TestConfig, DATABASE_URL=migrated_database, WTF_CSRF_ENABLED=True)
    yield csrf_app
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_session_write_needs_a_csrf_token_but_a_bearer_write_does_not(csrf_app, org, login_as, token_for):
    bearer = token_for(org.admin)
    browser = login_as(org.admin, csrf_app.test_client())
    # End the test's own transaction: on SQLite it holds the write lock the second app needs.
    db.session.commit()
    assert browser.get(f"{API}/me").json["username"] == "admin1"

    refused = browser.post(f"{API}/teams", json={"name": "Via session"})

    error = assert_api_error(refused, 400)
    assert "CSRF" in error["message"]
    # The token the app's own pages carry lets the same session write.
    page = browser.get("/").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    accepted = browser.post(f"{API}/teams", json={"name": "Via session"}, headers={"X-CSRFToken": csrf_token})
    assert accepted.status_code == 201

    by_token = csrf_app.test_client().post(f"{API}/teams", json={"name": "Via token"}, headers=bearer)
    assert by_token.status_code == 201
    assert services.team_by_name("Via token") is not None
