"""The admin CSV import pages: upload, preview, confirm; the template download."""
from __future__ import annotations

import csv
import html
import io
import re

from sqlalchemy import func, select

from core import services
from core.extensions import db
from core.models import AuditEvent, Person, Team

HEADER = "username,name,email,role,team,site,team_timezone,locale,timezone,leads\n"
VALID = HEADER + (
    "li.na,李娜,li.na@example.com,supervisor,Gamma,Beijing,,zh_Hans_CN,,Gamma\n"
    "agent1,Agent One,agent1@example.com,agent,Gamma,,,,,\n"
)


def upload(client, data: bytes):
    return client.post("/admin/import", data={"file": (io.BytesIO(data), "people.csv")},
                       content_type="multipart/form-data")


def people_count() -> int:
    return db.session.execute(select(func.count()).select_from(Person)).scalar_one()


def test_a_file_with_errors_is_previewed_with_its_errors_and_writes_nothing(client, org, login_as):
    login_as(org.admin)
    before = people_count()

    response = upload(client, (HEADER + "new.one,New One,new@example.com,agent,Zeta,,,,,\n"
                                        "bad.one,Bad One,not-an-email,boss,,,,,,\n").encode())

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was written" in page
    assert page.count('class="row-error"') == 1
    assert "Enter a valid e-mail address." in page and "Role must be one of" in page
    assert 'name="csv_text"' not in page  # no confirm form
    assert people_count() == before and services.team_by_name("Zeta") is None


def test_a_whole_file_error_is_shown(client, org, login_as):
    login_as(org.admin)
    page = upload(client, b"username,name\nx,X\n").get_data(as_text=True)
    assert "Required columns are missing: email, role." in page
    assert "Nothing was written" in page


def test_upload_without_a_file_asks_for_one(client, org, login_as):
    login_as(org.admin)
    response = client.post("/admin/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_a_valid_file_is_previewed_then_imported_on_confirm(client, org, login_as):
    login_as(org.admin)

    preview = upload(client, VALID.encode("gbk"))

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "row-error" not in page and "李娜" in page
    assert "Import 2 people" in page
    assert services.person_by_username("li.na") is None  # the preview writes nothing
    assert services.team_by_name("Gamma") is None

    confirmed = client.post("/admin/import", data={"csv_text": VALID})

    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/admin/people")
    db.session.expire_all()
    li = services.require_person("li.na")
    gamma = services.require_team("Gamma")
    assert (li.name, li.team, li.supervised_teams) == ("李娜", gamma, [gamma])
    assert gamma.site.name == "Beijing"
    assert services.require_person("agent1").team == gamma
    imports = select(func.count()).where(AuditEvent.action == "people.import")
    assert db.session.execute(imports).scalar_one() == 1
    follow = client.get(confirmed.headers["Location"])
    assert "People added: 1, updated: 1; teams created: 1." in follow.get_data(as_text=True)


def test_confirm_checks_the_file_again(client, org, login_as):
    login_as(org.admin)
    text = HEADER + "agent1,Agent One,agent1@example.com,agent,Alpha,,,,,\n"
    assert "Import 1 person" in upload(client, text.encode()).get_data(as_text=True)
    # Before the confirm, agent1 becomes a leader of Alpha: the file would now demote a leader.
    services.update_person(org.agent, name="Agent1", email="agent1@example.com", role="supervisor",
                           locale=None, timezone=None, actor=org.admin)
    services.set_team_supervisors(org.team_a, [org.supervisor, org.agent], actor=org.admin)
    db.session.commit()

    response = client.post("/admin/import", data={"csv_text": text})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was written" in page and 'class="row-error"' in page
    db.session.expire_all()
    assert (org.agent.name, org.agent.role) == ("Agent1", "supervisor")


def test_both_steps_carry_a_csrf_token(app, client, org, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    login_as(org.admin)
    page = client.get("/admin/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]

    preview = client.post("/admin/import", content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (io.BytesIO(VALID.encode()), "people.csv")})
    confirm_form = re.search(r'<form method="post" action="/admin/import">(.*?)</form>',
                             preview.get_data(as_text=True), re.S)[1]
    fields = dict(re.findall(r'name="(csrf_token|csv_text)"[^>]*value="([^"]*)"', confirm_form))

    assert client.post("/admin/import", data={"csv_text": VALID}).status_code == 400
    assert services.person_by_username("li.na") is None
    confirmed = client.post("/admin/import", data={k: html.unescape(v) for k, v in fields.items()})
    assert confirmed.status_code == 302
    assert services.require_person("li.na").name == "李娜"


def test_a_large_file_survives_the_confirm_step(client, org, login_as):
    """The confirm form is url-encoded: Flask's 500 kB cap on a multipart field does not cut the file."""
    login_as(org.admin)
    rows = "".join(f"user{i},User Number {i},user{i}@example.com,agent,,,,,,\n" for i in range(9000))
    text = HEADER + rows + "broken,Broken,broken,agent,,,,,,\n"
    assert len(text.encode()) > 500_000

    response = client.post("/admin/import", data={"csv_text": text})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Showing 1000 of 9001 rows" in page and page.count('class="row-error"') == 1
    assert people_count() == 6


def test_non_admins_get_403(client, org, login_as):
    for person in (org.agent, org.supervisor, org.manager):
        login_as(person)
        assert client.get("/admin/import").status_code == 403
        assert upload(client, VALID.encode()).status_code == 403
        assert client.post("/admin/import", data={"csv_text": VALID}).status_code == 403
        assert client.get("/admin/import/template.csv").status_code == 403
    assert services.person_by_username("li.na") is None


def test_the_page_links_to_the_template_which_downloads_as_csv(client, org, login_as):
    login_as(org.admin)
    assert "/admin/import/template.csv" in client.get("/admin/import").get_data(as_text=True)

    response = client.get("/admin/import/template.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["username", "name", "email", "role", "team", "site", "team_timezone", "locale",
                       "timezone", "leads"]
    assert len(rows) == 3 and any("张伟" in row for row in rows)
    assert "row-error" not in upload(client, response.data).get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Team)).scalar_one() == 2
