"""The CSV import service: plans, per-row errors with their line, all-or-nothing writes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import services
from core.errors import Conflict
from core.extensions import db
from core.models import AuditEvent, Person, Site, Team
from core.people import imports
from core.people.imports import CREATE, MAX_ROWS, UNCHANGED, UPDATE, apply_import, import_people, plan_import

HEADER = "username,name,email,role,team,site,team_timezone,locale,timezone,leads\n"


def counts() -> dict[str, int]:
    return {model.__name__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Person, Team, Site, AuditEvent)}


def errors_of(plan) -> list[tuple[int, str | None]]:
    return [(row.line, error.column) for row in plan.rows for error in row.errors]


def test_a_valid_file_creates_people_teams_and_leaders(org):
    text = HEADER + (
        "li.na,李娜,li.na@example.com,supervisor,Gamma,Beijing,Asia/Shanghai,zh_Hans_CN,,Gamma;Alpha\n"
        "tom.b,Tom Brown,TOM.B@example.com,agent,Gamma,,,en,Europe/London,\n"
        "ann.c,Ann Clark,ann.c@example.com,agent,Alpha,,,,,\n"
    )
    plan = import_people(text, actor=org.admin)
    db.session.commit()

    assert plan.applied and not plan.has_errors
    assert (plan.people_to_create, plan.people_to_update, len(plan.new_teams)) == (3, 0, 1)
    gamma = services.require_team("Gamma")
    assert gamma.site.name == "Beijing" and gamma.timezone == "Asia/Shanghai"
    li = services.require_person("li.na")
    assert (li.name, li.role, li.team, li.locale) == ("李娜", "supervisor", gamma, "zh_Hans_CN")
    assert {t.name for t in li.supervised_teams} == {"Gamma", "Alpha"}
    assert org.supervisor in org.team_a.supervisors  # leads are added, not replaced
    tom = services.require_person("tom.b")
    assert (tom.team, tom.timezone, tom.password_hash) == (gamma, "Europe/London", None)
    assert services.require_person("ann.c").team == org.team_a
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "people.import")).scalar_one()
    assert event.actor == org.admin
    assert event.detail == {"created": 3, "updated": 0, "teams_created": 1}


def test_a_new_team_without_a_time_zone_takes_the_organisations(app, org):
    import_people("username,name,email,role,team\nx.y,X Y,x@example.com,agent,Delta\n", actor=org.admin)
    assert services.require_team("Delta").timezone == app.config["TIMEZONE"]
    assert services.require_team("Delta").site is None


def test_existing_usernames_are_updated_or_unchanged(org):
    text = HEADER + (
        "agent1,Agent One,agent1@example.com,supervisor,Bravo Team,,,en,,Bravo Team\n"
        "agent2,Agent2,agent2@example.com,agent,Bravo Team,,,,,\n"
    )
    plan = plan_import(text)
    assert [(row.action, row.changes) for row in plan.rows] == [
        (UPDATE, ["name", "role", "locale", "team", "leads"]), (UNCHANGED, [])]

    import_people(text, actor=org.admin)
    db.session.commit()
    agent = db.session.get(Person, org.agent.id)
    assert (agent.name, agent.role, agent.team, agent.locale) == ("Agent One", "supervisor", org.team_b, "en")
    assert set(org.team_b.supervisors) == {org.other_supervisor, agent}
    actions = set(db.session.execute(select(AuditEvent.action).where(AuditEvent.target_id == agent.id,
                                                                      AuditEvent.target_type == "person"))
                  .scalars())
    assert {"person.update", "person.role_change", "person.move"} <= actions


def test_missing_optional_columns_keep_what_a_person_has_and_empty_cells_clear_it(org, make_person):
    person = make_person("kept", team=org.team_a, locale="en", timezone="Europe/Paris")
    plan = plan_import("username,name,email,role\nkept,Kept,kept@example.com,agent\n")
    assert plan.rows[0].action == UNCHANGED

    import_people("username,name,email,role,team,locale,timezone\nkept,Kept,kept@example.com,agent,,,\n",
                  actor=org.admin)
    assert (person.team, person.locale, person.timezone) == (None, None, None)


def test_header_is_case_insensitive_in_any_order_and_blank_lines_are_skipped(org):
    plan = plan_import(" Role ,EMAIL,Name,UserName\n\nagent,a@example.com,A Person,a.person\n,,,\n")
    assert not plan.has_errors
    assert [(row.line, row.username, row.role) for row in plan.rows] == [(3, "a.person", "agent")]


def test_team_names_match_existing_teams_whatever_their_case(org):
    plan = plan_import("username,name,email,role,team\nnew.one,New One,n@example.com,agent,ALPHA\n")
    assert plan.rows[0].team == "Alpha" and plan.new_teams == []


@pytest.mark.parametrize("row, column", [
    ("bad name!,X,x@example.com,agent,,,,,,", "username"),
    ("x.y,,x@example.com,agent,,,,,,", "name"),
    ("x.y,X,not-an-email,agent,,,,,,", "email"),
    ("x.y,X,x@example.com,boss,,,,,,", "role"),
    ("x.y,X,x@example.com,agent,,,,fr,,", "locale"),
    ("x.y,X,x@example.com,agent,,,,,Mars/Olympus,", "timezone"),
    ("x.y,X,x@example.com,agent,Zeta,,Nowhere/Land,,,", "team_timezone"),
    ("x.y,X,x@example.com,agent,,,,,,Alpha", "leads"),
    ("x.y,X,x@example.com,supervisor,,,,,,No Such Team", "leads"),
    ("x.y,X,x@example.com,agent,,,,,,,extra", None),
])
def test_each_kind_of_bad_row_is_reported_with_its_line_and_column(org, row, column):
    text = HEADER + "fine.one,Fine,fine@example.com,agent,,,,,,\n" + row + "\n"
    before = counts()

    plan = import_people(text, actor=org.admin)
    db.session.rollback()

    assert errors_of(plan) == [(3, column)]
    assert plan.rows[1].errors[0].message
    assert not plan.applied and counts() == before


def test_a_duplicate_username_names_the_first_line(org):
    plan = plan_import(HEADER + "x.y,X,x@example.com,agent,,,,,,\nz,Z,z@example.com,agent,,,,,,\n"
                                "X.Y,X2,x2@example.com,agent,,,,,,\n")
    assert errors_of(plan) == [(3, "username"), (4, "username")]
    assert "line 2" in plan.rows[2].errors[0].message


def test_a_new_team_given_two_sites_is_an_error_on_the_later_line(org):
    plan = plan_import(HEADER + "a.a,A,a@example.com,agent,Omega,Paris,,,,\n"
                                "b.b,B,b@example.com,agent,Omega,Lyon,,,,\n")
    assert errors_of(plan) == [(3, "team")]


def test_demoting_a_team_leader_to_agent_is_refused(org):
    plan = plan_import(HEADER + "super1,Super1,super1@example.com,agent,Alpha,,,,,\n")
    assert errors_of(plan) == [(2, "role")]


def test_line_numbers_follow_quoted_cells_over_several_lines(org):
    plan = plan_import(HEADER + 'a.a,"A\nA",a@example.com,agent,,,,,,\nb.b,B,bad,agent,,,,,,\n')
    assert errors_of(plan) == [(4, "email")]


def test_nothing_is_written_when_one_row_of_many_is_wrong(org):
    good = "".join(f"user{i},User {i},user{i}@example.com,agent,New Team,,,,,\n" for i in range(30))
    before = counts()

    plan = import_people(HEADER + good + "bad,Bad,bad@,agent,,,,,,\n", actor=org.admin)
    db.session.rollback()

    assert errors_of(plan) == [(32, "email")]
    assert counts() == before
    assert services.team_by_name("New Team") is None


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\xef\xbb\xbf", "empty"),
    (b"username,name,email,role\n", "no one"),
    (b"username,name,email\nx,X,x@example.com\n", "role"),
    (b"username,name,email,role,shoe_size\nx,X,x@example.com,agent,42\n", "shoe_size"),
    (b"username,name,email,role,Role\n", "more than once"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a CSV"),
    ("username,name\n".encode("utf-16"), "not a CSV"),
])
def test_whole_file_errors(org, data, message):
    plan = plan_import(data)
    assert plan.rows == [] and len(plan.file_errors) == 1
    assert message in plan.file_errors[0]


def test_more_rows_than_the_limit_is_a_file_error(org):
    text = HEADER + "x.y,X,x@example.com,agent,,,,,,\n" * (MAX_ROWS + 1)
    plan = plan_import(text)
    assert plan.rows == [] and str(MAX_ROWS) in plan.file_errors[0]


def test_utf8_with_bom_and_gbk_files_are_read(org):
    text = "username,name,email,role\nwang.fang,王芳,wang.fang@example.com,agent\n"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("gbk")):
        plan = plan_import(data)
        assert not plan.has_errors
        assert (plan.rows[0].username, plan.rows[0].name) == ("wang.fang", "王芳")
        assert plan.text.startswith("username")


def test_a_service_error_while_applying_rolls_everything_back(org, make_person):
    plan = plan_import(HEADER + "a.a,A,a@example.com,agent,Sigma,,,,,\nlate,Late,l@example.com,agent,,,,,,\n")
    make_person("late")  # someone takes the username between the preview and the confirm
    before = counts()

    with pytest.raises(Conflict):
        apply_import(plan, actor=org.admin)
    db.session.rollback()

    assert counts() == before and services.team_by_name("Sigma") is None


def test_the_template_imports_cleanly(org):
    plan = plan_import(imports.template_csv().encode())
    assert not plan.has_errors
    assert [row.action for row in plan.rows] == [CREATE, CREATE]
    assert any(row.name == "张伟" for row in plan.rows)
