"""`flask users create`, `flask teams create`, `flask tokens create` and `flask demo` (API.md's command line)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from core import services
from core.clock import utcnow
from core.extensions import db
from core.models import ApiToken, Person, Site, Team


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def flask(runner, *args: str, input: str | None = None):
    return runner.invoke(args=list(args), input=input)


# --- users create ------------------------------------------------------------------------------

def test_users_create_prints_nothing_and_creates_the_person(runner, make_team):
    team = make_team("Alpha")

    result = flask(runner, "users", "create", "li.na", "--name", "Li Na", "--email", "li.na@example.com",
                   "--role", "supervisor", "--team", "Alpha")

    assert result.exit_code == 0, result.output
    assert result.output == ""
    person = services.person_by_username("li.na")
    assert (person.name, person.email, person.role, person.team) == ("Li Na", "li.na@example.com", "supervisor", team)


def test_users_create_reads_the_password_from_stdin(runner, app):
    result = flask(runner, "users", "create", "li.na", "--name", "Li Na", "--email", "li.na@example.com",
                   "--role", "agent", "--password-stdin", input="correct horse 9\n")

    assert result.exit_code == 0, result.output
    assert services.sign_in("li.na", "correct horse 9", now=utcnow()).username == "li.na"


@pytest.mark.parametrize("change, message", [
    ({"--email": "not-an-address"}, "e-mail"),
    ({"--role": "boss"}, "Role must be one of"),
    ({"--team": "Nowhere"}, "No team is called Nowhere"),
    ({"username": "taken"}, "taken"),
    ({"username": "x"}, "username"),
])
def test_users_create_refuses_bad_input_with_exit_1_and_writes_nothing(runner, make_person, change, message):
    make_person("taken")
    people = count(Person)
    options = {"username": "li.na", "--name": "Li Na", "--email": "li.na@example.com", "--role": "agent"} | change
    args = [options.pop("username")] + [part for pair in options.items() for part in pair]

    result = flask(runner, "users", "create", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(Person) == people


def test_users_create_refuses_a_short_password(runner, app):
    result = flask(runner, "users", "create", "li.na", "--name", "Li Na", "--email", "li.na@example.com",
                   "--role", "agent", "--password-stdin", input="short\n")

    assert result.exit_code == 1
    assert "password" in result.output
    assert services.person_by_username("li.na") is None


# --- teams create ------------------------------------------------------------------------------

def test_teams_create_with_site_time_zone_and_two_supervisors(runner, make_person):
    make_person("lead.one", role="supervisor")
    make_person("lead.two", role="manager")

    result = flask(runner, "teams", "create", "London Billing", "--site", "London", "--timezone", "Europe/London",
                   "--supervisor", "lead.one", "--supervisor", "lead.two")

    assert result.exit_code == 0, result.output
    team = services.team_by_name("London Billing")
    assert team.site.name == "London"
    assert team.timezone == "Europe/London"
    assert {p.username for p in team.supervisors} == {"lead.one", "lead.two"}


@pytest.mark.parametrize("args, message", [
    (["--timezone", "Mars/Olympus"], "Unknown time zone"),
    (["--supervisor", "ghost"], "No one has the username ghost"),
    (["--supervisor", "an.agent"], "cannot lead a team"),
])
def test_teams_create_refuses_bad_input_with_exit_1_and_writes_nothing(runner, make_person, args, message):
    make_person("an.agent")
    teams, sites = count(Team), count(Site)

    result = flask(runner, "teams", "create", "London Billing", "--site", "Atlantis", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert (count(Team), count(Site)) == (teams, sites)


def test_teams_create_refuses_a_taken_name(runner, make_team):
    make_team("Alpha")

    result = flask(runner, "teams", "create", "Alpha")

    assert result.exit_code == 1
    assert "Alpha" in result.output
    assert count(Team) == 1


# --- tokens create -----------------------------------------------------------------------------

def test_tokens_create_prints_a_token_that_works_and_is_stored_only_as_a_digest(runner, client, make_person):
    make_person("li.na")

    result = flask(runner, "tokens", "create", "li.na")

    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token and "\n" not in token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["username"] == "li.na"
    stored = db.session.execute(text("SELECT * FROM api_token")).mappings().all()
    assert len(stored) == 1
    assert all(token not in str(value) for value in stored[0].values())
    assert stored[0]["digest"] == ApiToken.digest_of(token)


@pytest.mark.parametrize("username, message", [("ghost", "No one has the username ghost"),
                                               ("gone", "deactivated")])
def test_tokens_create_refuses_unknown_or_deactivated_people(runner, make_person, username, message):
    gone = make_person("gone")
    services.set_person_active(gone, False, actor=None)
    db.session.commit()

    result = flask(runner, "tokens", "create", username)

    assert result.exit_code == 1
    assert message in result.output
    assert count(ApiToken) == 0


# --- demo --------------------------------------------------------------------------------------

def test_demo_is_idempotent_and_its_admin_signs_in(runner, app):
    first = flask(runner, "demo")
    assert first.exit_code == 0, first.output
    people, teams = count(Person), count(Team)
    assert people > 10 and teams >= 4

    second = flask(runner, "demo")

    assert second.exit_code == 0, second.output
    assert (count(Person), count(Team)) == (people, teams)
    admin = services.sign_in("admin", "bravo-demo", now=utcnow())
    assert admin.role == "admin"
