"""Admin pages for people and teams: lists, filters, forms, their errors and the audit trail."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Person, Site, Team
from core.people.views import PAGE_SIZE
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def admin_client(client, org, login_as):
    login_as(org.admin)
    return client


def listed_usernames(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'data-label="Username">([^<]+)</td>', response.get_data(as_text=True))


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def person_form(person: Person | None = None, **changes) -> dict:
    """What the person form posts back: the person's current values, with ``changes``."""
    data = {"name": "New Person", "email": "new@example.com", "role": "agent", "team": "0",
            "locale": "", "timezone": ""}
    if person is not None:
        data.update(name=person.name, email=person.email, role=person.role, team=str(person.team_id or 0),
                    locale=person.locale or "", timezone=person.timezone or "",
                    managed_sites=[str(s.id) for s in person.managed_sites])
    data.update(changes)
    return data


def field_error(response, field: str) -> str:
    match = re.search(rf'id="{field}-error" class="field-error">([^<]*)<', response.get_data(as_text=True))
    assert match, f"no error shown for {field}"
    return match.group(1)


# --- the people list ---------------------------------------------------------------------------------

def test_the_list_shows_active_people(admin_client, org):
    usernames = listed_usernames(admin_client.get("/admin/people"))
    assert set(usernames) == {"admin1", "manager1", "super1", "super2", "agent1", "agent2"}


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "AGENT"}, {"agent1", "agent2"}),
    ({"q": "super2@example"}, {"super2"}),
    ({"role": "supervisor"}, {"super1", "super2"}),
    ({"role": "manager"}, {"manager1"}),
    ({"q": "agent", "role": "supervisor"}, set()),
])
def test_the_list_filters_by_text_and_role(admin_client, org, query, expected):
    assert set(listed_usernames(admin_client.get("/admin/people", query_string=query))) == expected


def test_the_list_filters_by_team(admin_client, org):
    usernames = listed_usernames(admin_client.get("/admin/people", query_string={"team": org.team_b.id}))
    assert set(usernames) == {"super2", "agent2"}


def test_the_list_filters_by_status(admin_client, org, make_person):
    make_person("gone").active = False
    db.session.commit()
    assert "gone" not in listed_usernames(admin_client.get("/admin/people"))
    assert listed_usernames(admin_client.get("/admin/people", query_string={"status": "inactive"})) == ["gone"]
    assert "gone" in listed_usernames(admin_client.get("/admin/people", query_string={"status": "all"}))


def test_the_list_is_paginated_without_gaps_or_repeats(admin_client, org, make_person):
    for number in range(PAGE_SIZE):
        make_person(f"same{number:02d}", name="Same Name", password=None)
    first = admin_client.get("/admin/people", query_string={"role": "agent"})
    assert 'href="/admin/people?role=agent&amp;page=2"' in first.get_data(as_text=True)
    second = admin_client.get("/admin/people", query_string={"role": "agent", "page": 2})
    assert "?role=agent&amp;page=1" in second.get_data(as_text=True)
    pages = listed_usernames(first) + listed_usernames(second)
    assert len(listed_usernames(first)) == PAGE_SIZE
    assert sorted(pages) == sorted({*pages}) and len(pages) == PAGE_SIZE + 2


def test_a_bad_filter_value_does_not_break_the_list(admin_client, org):
    response = admin_client.get("/admin/people", query_string={"team": "abc", "role": "king", "page": "x"})
    assert response.status_code == 200


# --- adding a person -----------------------------------------------------------------------------------

def test_an_admin_adds_a_person(admin_client, org):
    response = admin_client.post("/admin/people/new", data=person_form(
        username="new.person", team=str(org.team_a.id), timezone="Europe/London", password="first-password"))
    assert response.status_code == 302
    person = db.session.execute(select(Person).where(Person.username == "new.person")).scalar_one()
    assert (person.team, person.timezone, person.role) == (org.team_a, "Europe/London", "agent")
    assert person.check_password("first-password")
    assert [e.target_id for e in audit_events("person.create")][-1] == person.id


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"username": "agent1"}, "username", "The username agent1 is taken."),
    ({"username": "Bad Name!"}, "username", "A username is 2 to 64 characters"),
    ({"email": "not-an-email"}, "email", "Invalid email address."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone: Mars/Olympus"),
    ({"password": "short"}, "password", "at least 8 characters"),
    ({"managed_sites": "SITE_A"}, "managed_sites", "Only managers and admins manage sites."),
])
def test_a_wrong_new_person_shows_a_message_and_writes_nothing(admin_client, org, changes, field, message):
    if changes.get("managed_sites") == "SITE_A":  # ids differ between runs on PostgreSQL
        changes = {"managed_sites": str(org.team_a.site_id)}
    people, events = count(Person), count(AuditEvent)
    response = admin_client.post("/admin/people/new", data=person_form(**{"username": "newbie", **changes}))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert (count(Person), count(AuditEvent)) == (people, events)


# --- editing a person ------------------------------------------------------------------------------------

def test_a_role_change_is_audited(admin_client, org):
    response = admin_client.post(f"/admin/people/{org.agent.id}", data=person_form(org.agent, role="supervisor"))
    assert response.status_code == 302
    db.session.expire_all()
    assert org.agent.role == "supervisor"
    [event] = audit_events("person.role_change")
    assert (event.target_id, event.actor_id, event.detail) == (
        org.agent.id, org.admin.id, {"old": "agent", "new": "supervisor"})
    assert audit_events("person.move") == []


def test_a_move_to_another_team_is_audited(admin_client, org):
    response = admin_client.post(f"/admin/people/{org.agent.id}",
                                 data=person_form(org.agent, team=str(org.team_b.id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert org.agent.team == org.team_b
    [event] = audit_events("person.move")
    assert event.detail == {"old_team": "Alpha", "new_team": "Bravo Team"}
    assert audit_events("person.role_change") == []


def test_the_username_cannot_be_changed(admin_client, org):
    admin_client.post(f"/admin/people/{org.agent.id}", data=person_form(org.agent, username="renamed"))
    db.session.expire_all()
    assert org.agent.username == "agent1"


def test_a_wrong_edit_shows_a_message_and_writes_nothing(admin_client, org):
    events = count(AuditEvent)
    response = admin_client.post(f"/admin/people/{org.agent.id}", data=person_form(
        org.agent, name="Renamed", role="supervisor", team=str(org.team_b.id), timezone="Nowhere/Land"))
    assert response.status_code == 200
    assert "Unknown time zone" in field_error(response, "timezone")
    db.session.expire_all()
    assert (org.agent.name, org.agent.role, org.agent.team) == ("Agent1", "agent", org.team_a)
    assert count(AuditEvent) == events


def test_a_manager_is_given_sites_to_manage(admin_client, org):
    london = org.team_b.site
    response = admin_client.post(f"/admin/people/{org.manager.id}", data=person_form(
        org.manager, managed_sites=[str(org.team_a.site.id), str(london.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    assert {s.name for s in org.manager.managed_sites} == {"Shanghai", "London"}
    [event] = audit_events("person.sites")
    assert event.detail == {"old": ["Shanghai"], "new": ["London", "Shanghai"]}


def test_an_agent_cannot_manage_sites(admin_client, org):
    response = admin_client.post(f"/admin/people/{org.agent.id}",
                                 data=person_form(org.agent, managed_sites=[str(org.team_a.site.id)]))
    assert response.status_code == 200
    assert "Only managers and admins manage sites." in field_error(response, "managed_sites")
    db.session.expire_all()
    assert org.agent.managed_sites == []


def test_an_unknown_person_is_404(admin_client, org):
    assert admin_client.get("/admin/people/999999").status_code == 404


# --- deactivating and passwords -------------------------------------------------------------------------

def test_deactivate_and_reactivate(admin_client, org):
    response = admin_client.post(f"/admin/people/{org.agent.id}/active", data={"active": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert org.agent.active is False
    assert "Deactivated" in admin_client.get(f"/admin/people/{org.agent.id}").get_data(as_text=True)
    admin_client.post(f"/admin/people/{org.agent.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert org.agent.active is True
    assert [e.action for e in db.session.execute(
        select(AuditEvent).where(AuditEvent.action.like("person.%activate")).order_by(AuditEvent.id)).scalars()
    ] == ["person.deactivate", "person.activate"]


def test_an_admin_cannot_deactivate_themselves(admin_client, org):
    response = admin_client.post(f"/admin/people/{org.admin.id}/active", data={"active": "0"},
                                 follow_redirects=True)
    assert "You cannot deactivate yourself." in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.admin.active is True


def test_a_reset_password_works(admin_client, org, app):
    response = admin_client.post(f"/admin/people/{org.agent.id}/password", data={"new_password": "reset-password"})
    assert response.status_code == 302
    assert len(audit_events("person.password_reset")) == 1
    other = app.test_client()
    assert other.post("/signin", data={"username": "agent1", "password": DEFAULT_PASSWORD}).status_code == 401
    assert other.post("/signin", data={"username": "agent1", "password": "reset-password"}).status_code == 302


def test_a_too_short_reset_password_is_refused(admin_client, org):
    response = admin_client.post(f"/admin/people/{org.agent.id}/password", data={"new_password": "short"},
                                 follow_redirects=True)
    assert "at least 8 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.agent.check_password(DEFAULT_PASSWORD)


# --- teams -------------------------------------------------------------------------------------------------

def team_form(**fields) -> dict:
    return {"name": "Gamma", "site": "", "timezone": "", "supervisors": [], **fields}


def test_the_teams_list_shows_head_counts(admin_client, org, make_person):
    make_person("agent3", team=org.team_a)
    make_person("gone", team=org.team_a).active = False
    db.session.commit()
    page = admin_client.get("/admin/teams").get_data(as_text=True)
    counts = dict(re.findall(r'>([^<>]+)</a></td>.*?people\?team=\d+">(\d+)</a>', page, flags=re.S))
    assert counts == {"Alpha": "3", "Bravo Team": "2"}  # super1, agent1, agent3; super2, agent2


def test_an_admin_creates_a_team_with_a_site_and_supervisors(admin_client, org):
    response = admin_client.post("/admin/teams/new", data=team_form(
        site="Chengdu", timezone="Asia/Shanghai", supervisors=[str(org.supervisor.id), str(org.manager.id)]))
    assert response.status_code == 302
    team = db.session.execute(select(Team).where(Team.name == "Gamma")).scalar_one()
    assert team.site.name == "Chengdu"
    assert {p.username for p in team.supervisors} == {"super1", "manager1"}
    assert [e.actor_id for e in audit_events("team.create") if e.target_id == team.id] == [org.admin.id]


def test_an_agent_cannot_lead_a_team(admin_client, org):
    teams, sites = count(Team), count(Site)
    response = admin_client.post("/admin/teams/new", data=team_form(site="Chengdu",
                                                                    supervisors=[str(org.agent.id)]))
    assert response.status_code == 200
    assert field_error(response, "supervisors")
    assert (count(Team), count(Site)) == (teams, sites)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"name": "Bravo Team"}, "name", "A team called Bravo Team exists already."),
    ({"name": ""}, "name", ""),
    ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone: Mars/Olympus"),
])
def test_a_wrong_new_team_shows_a_message_and_writes_nothing(admin_client, org, fields, field, message):
    teams, events = count(Team), count(AuditEvent)
    response = admin_client.post("/admin/teams/new", data=team_form(site="Chengdu", **fields))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert (count(Team), count(AuditEvent)) == (teams, events)


def test_an_admin_edits_a_team(admin_client, org):
    response = admin_client.post(f"/admin/teams/{org.team_a.id}", data=team_form(
        name="Alpha Prime", site="Beijing", timezone="Asia/Shanghai", supervisors=[str(org.other_supervisor.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    assert (org.team_a.name, org.team_a.site.name) == ("Alpha Prime", "Beijing")
    assert [p.username for p in org.team_a.supervisors] == ["super2"]
    [event] = audit_events("team.supervisors")
    assert event.detail == {"old": ["super1"], "new": ["super2"]}


def test_the_team_form_shows_the_current_values(admin_client, org):
    page = admin_client.get(f"/admin/teams/{org.team_b.id}").get_data(as_text=True)
    assert 'value="London"' in page
    assert 'value="Europe/London"' in page
    assert re.search(rf'<option selected value="{org.other_supervisor.id}">', page)


def test_renaming_a_team_to_a_taken_name_is_refused(admin_client, org):
    response = admin_client.post(f"/admin/teams/{org.team_a.id}", data=team_form(name="Bravo Team"))
    assert response.status_code == 200
    assert "exists already" in field_error(response, "name")
    db.session.expire_all()
    assert org.team_a.name == "Alpha"


# --- who may see these pages -----------------------------------------------------------------------------

def admin_urls(app, org) -> list[tuple[str, str]]:
    ids = {"person_id": org.agent.id, "team_id": org.team_a.id}
    adapter = app.url_map.bind("localhost")
    return [
        (method, adapter.build(rule.endpoint, {k: ids[k] for k in rule.arguments}, method=method))
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("people.")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager"])
def test_only_admins_reach_the_admin_pages(app, client, org, login_as, role):
    login_as(getattr(org, role))
    urls = admin_urls(app, org)
    assert len(urls) >= 12
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, f"{role} {method} {url}"


def test_admin_pages_render_in_chinese(app, client, org, login_as, make_person):
    login_as(make_person("zh.admin", role="admin", locale="zh_Hans_CN"))
    for method, url in admin_urls(app, org):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 200, url
            if response.mimetype == "text/html":
                assert '<html lang="zh-Hans-CN"' in response.get_data(as_text=True)
