"""KPI pages: definitions (create, rename, errors) and the CSV upload (template, preview, per-row errors,
"import the valid rows", encodings, whole-file errors, the CSRF token of both steps)."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from recognition.campaigns import kpis
from recognition.campaigns.models import MetricDefinition, MetricValue
from tests.campaign_fixtures import days_ago, metrics  # noqa: F401

HEADER = "username,date,metric,value,numerator,denominator\n"


@pytest.fixture
def manager(org, login_as):
    login_as(org.manager)
    return org.manager


def upload(client, data: bytes, filename: str = "kpis.csv"):
    return client.post("/kpis/upload", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm_fields(page: str) -> dict[str, str]:
    """What the browser posts back from the preview's confirm form."""
    form = re.search(r'<form method="post" action="/kpis/upload" class="import-confirm">(.*?)</form>', page,
                     re.S)
    assert form, "the preview offers no import"
    return {name: html.unescape(value)
            for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form[1])}


def stored_values() -> list[tuple]:
    return db.session.execute(
        select(MetricValue.person_id, MetricDefinition.slug, MetricValue.day, MetricValue.value,
               MetricValue.numerator, MetricValue.denominator)
        .join(MetricDefinition).order_by(MetricValue.person_id, MetricDefinition.slug, MetricValue.day)).all()


def value_count() -> int:
    return db.session.execute(select(func.count()).select_from(MetricValue)).scalar_one()


def cell_texts(row: str) -> tuple[str, ...]:
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells)


def error_rows(page: str) -> list[tuple[str, ...]]:
    """(line, column, message) of each row of the error table."""
    table = re.search(r'data-testid="kpi-row-errors">(.*?)</table>', page, re.S)[1]
    return [cell_texts(row) for row in re.findall(r'<tr class="row-error">(.*?)</tr>', table, re.S)]


# --- definitions -----------------------------------------------------------------------------

def test_a_manager_defines_a_kpi_and_renames_it_but_not_its_slug(client, manager):
    form = client.get("/kpis/new").get_data(as_text=True)
    assert "Divides the total of the numerators by the total of the denominators" in form
    assert "Adds up the daily values" in form and "Averages the daily values" in form

    response = client.post("/kpis/new", data={
        "slug": "fcr", "name_en": "First contact resolution", "name_zh": "首次解决率", "unit": "%",
        "aggregate": "rate", "direction": "higher_better"})
    assert response.status_code == 302 and response.headers["Location"] == "/kpis"
    listing = client.get("/kpis").get_data(as_text=True)
    assert "The KPI First contact resolution is defined." in listing
    row = re.search(r"<tr>\s*<td[^>]*><a href=\"/kpis/fcr\">(.*?)</tr>", listing, re.S)[1]
    assert "首次解决率" in row and "Rate" in row and "Higher is better" in row and "%" in row

    edit = client.get("/kpis/fcr").get_data(as_text=True)
    assert 'name="slug"' not in edit and 'name="aggregate"' not in edit and 'name="direction"' not in edit
    assert 'value="First contact resolution"' in edit
    response = client.post("/kpis/fcr", data={"slug": "other", "name_en": "Resolved first time",
                                              "name_zh": "", "unit": "pct", "aggregate": "sum",
                                              "direction": "lower_better"})
    assert response.status_code == 302
    db.session.expire_all()
    metric = kpis.metric_by_slug("fcr")
    assert (metric.name_en, metric.name_zh, metric.unit, metric.aggregate, metric.direction) == (
        "Resolved first time", "Resolved first time", "pct", "rate", "higher_better")
    assert kpis.metric_by_slug("other") is None
    assert client.get("/kpis/no-such-kpi").status_code == 404


def test_definition_errors_are_shown_beside_their_fields_and_nothing_is_saved(client, manager, metrics):
    def field_error(data: dict, field: str) -> str:
        response = client.post("/kpis/new", data={"name_en": "Something", "aggregate": "sum",
                                                  "direction": "higher_better", **data})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        error = re.search(rf'id="{field}-error" class="field-error">(.*?)</small>', page)
        assert error, f"no error beside {field}"
        return html.unescape(error[1])

    assert "lowercase letters, digits" in field_error({"slug": "Bad Slug!"}, "slug")
    assert field_error({"slug": "csat"}, "slug") == "A KPI with the slug csat exists already."
    assert field_error({"slug": "new", "name_en": ""}, "name_en") == "This field is required."
    assert field_error({"slug": "new", "aggregate": "median"}, "aggregate") == "Not a valid choice."
    assert field_error({"slug": "new", "unit": "x" * 33}, "unit")
    assert kpis.metric_by_slug("new") is None and kpis.metric_by_slug("bad slug!") is None

    response = client.post("/kpis/csat", data={"name_en": "", "unit": "%"})
    assert "This field is required." in response.get_data(as_text=True)
    db.session.expire_all()
    assert kpis.metric_by_slug("csat").name_en == "Customer satisfaction"


def test_agents_and_supervisors_cannot_open_the_kpi_pages(client, org, login_as):
    for person in (org.agent, org.supervisor):
        login_as(person)
        assert client.get("/kpis").status_code == 403
        assert client.post("/kpis/new", data={"slug": "x", "name_en": "X", "aggregate": "sum",
                                              "direction": "higher_better"}).status_code == 403
        assert upload(client, HEADER.encode()).status_code == 403
        assert client.get("/kpis/template.csv").status_code == 403
    assert kpis.metric_by_slug("x") is None


# --- upload ----------------------------------------------------------------------------------

def test_the_template_lists_the_columns_and_examples_of_the_kpis_defined(client, manager, metrics):
    response = client.get("/kpis/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=bravo-kpis.csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    header, *examples = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == ["username", "date", "metric", "value", "numerator", "denominator"]
    assert {row[2] for row in examples} == {"aht", "complaints"}  # the first KPI with a value, the first rate
    assert all(row[1] == days_ago(1) for row in examples)


def test_a_clean_file_is_previewed_then_imported(client, manager, org, metrics):
    text = (HEADER + f"agent1,{days_ago(1)},csat,,37,40\n"
                     f"agent1,{days_ago(1)},aht,212.5,,\n"
                     f"AGENT2,{days_ago(2)},calls,41,,\n")

    preview = upload(client, text.encode())

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "3 rows in the file · 3 valid · 0 with errors" in page
    assert "Nothing was written" not in page and "Import 3 rows" in page
    rows = re.search(r'data-testid="kpi-preview-rows">(.*?)</table>', page, re.S)[1]
    assert "Agent1" in rows and "(agent2)" in rows and "Customer satisfaction" in rows and "212.5" in rows
    assert value_count() == 0

    done = client.post("/kpis/upload", data=confirm_fields(page))

    assert done.status_code == 302 and done.headers["Location"] == "/kpis/upload"
    assert "3 rows imported." in client.get("/kpis/upload").get_data(as_text=True)
    yesterday, before = date.fromisoformat(days_ago(1)), date.fromisoformat(days_ago(2))
    assert stored_values() == [
        (org.agent.id, "aht", yesterday, 212.5, None, None),
        (org.agent.id, "csat", yesterday, None, 37.0, 40.0),
        (org.other_agent.id, "calls", before, 41.0, None, None),
    ]


BAD_FILE = (HEADER + "agent1,{d},csat,,9,10\n"       # line 2: valid
                     "nobody,{d},csat,,9,10\n"        # line 3: unknown person
                     "agent1,{d},speed,5,,\n"         # line 4: unknown KPI
                     "agent1,15/03/2026,aht,200,,\n"  # line 5: not a date
                     "agent2,{d},csat,,3,-1\n"        # line 6: negative denominator
                     "agent2,{d},calls,12,,\n")       # line 7: valid


def test_a_file_with_bad_rows_writes_nothing_until_the_valid_rows_are_chosen(client, manager, org, metrics):
    text = BAD_FILE.format(d=days_ago(1))

    page = upload(client, text.encode()).get_data(as_text=True)

    assert "6 rows in the file · 2 valid · 4 with errors" in page
    assert "Nothing was written" in page
    assert error_rows(page) == [
        ("3", "username", "No one has the username nobody."),
        ("4", "metric", "No KPI has the slug speed."),
        ("5", "date", "15/03/2026 is not a date (YYYY-MM-DD)."),
        ("6", "denominator", "The denominator cannot be negative."),
    ]
    assert "Import the valid rows (2)" in page
    assert value_count() == 0

    fields = confirm_fields(page)
    assert fields["valid_rows_only"] == "y"
    without_choice = client.post("/kpis/upload", data={"csv_text": fields["csv_text"]})  # all rows, or none
    assert without_choice.status_code == 200
    assert "Nothing was written" in without_choice.get_data(as_text=True)
    assert value_count() == 0

    done = client.post("/kpis/upload", data=fields)

    assert done.status_code == 302
    flashed = client.get("/kpis/upload").get_data(as_text=True)
    assert "2 rows imported. 4 rows with errors were left out." in flashed
    assert [(person, slug) for person, slug, *_rest in stored_values()] == [
        (org.agent.id, "csat"), (org.other_agent.id, "calls")]


def test_gbk_and_utf8_with_bom_files_are_read(client, manager, org, metrics):
    text = HEADER + f"agent1,{days_ago(1)},calls,7,,\n张伟,{days_ago(1)},calls,3,,\n"

    gbk = upload(client, text.encode("gbk"), "kpis-excel.csv").get_data(as_text=True)
    assert error_rows(gbk) == [("3", "username", "No one has the username 张伟.")]
    assert "张伟" in confirm_fields(gbk)["csv_text"]

    bom = upload(client, ("\ufeff" + text).encode("utf-8")).get_data(as_text=True)
    assert "2 rows in the file · 1 valid · 1 with errors" in bom
    client.post("/kpis/upload", data=confirm_fields(bom))
    assert [row[:2] for row in stored_values()] == [(org.agent.id, "calls")]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"\n\n", "The file is empty."),
    (HEADER.encode(), "The file has a header row but no KPI under it."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This is not a CSV file."),
    (b"Dear team, here are the numbers.\nThanks!\n", "Unknown column: dear team"),
    (b"username,date\nagent1,2026-03-01\n", "Required columns are missing: metric."),
])
def test_an_empty_or_non_csv_file_gets_a_clear_message(client, manager, metrics, data, message):
    response = upload(client, data)

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert message in page
    assert "import-confirm" not in page and value_count() == 0


def test_the_upload_asks_for_a_file(client, manager):
    response = client.post("/kpis/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 200 and "Choose a CSV file." in response.get_data(as_text=True)


def test_a_large_file_survives_the_confirm_step(client, manager, org, metrics, make_person):
    """The file's text comes back in one field, past Flask's 500 kB cap on a multipart field: the
    confirm form is url-encoded, which has no such cap."""
    people = [make_person(f"floor.agent{i}", team=org.team_a).username for i in range(12)]
    first = utcnow().date() - timedelta(days=1100)
    days = [(first + timedelta(days=i)).isoformat() for i in range(1000)]
    text = HEADER + "".join(f"{who},{day},calls,{n % 50},,\n" for who in people for n, day in enumerate(days))
    text += "nobody,2026-01-01,calls,1,,\n"

    page = upload(client, text.encode()).get_data(as_text=True)
    assert "12001 rows in the file · 12000 valid · 1 with errors" in page
    fields = confirm_fields(page)
    assert len(urlencode(fields)) > 500_000
    assert client.post("/kpis/upload", data=fields).status_code == 302
    assert value_count() == 12000


def test_both_upload_steps_need_the_csrf_token(app, client, manager, org, metrics):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/kpis/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    text = HEADER + f"agent1,{days_ago(1)},calls,7,,\n"

    assert upload(client, text.encode()).status_code == 400
    preview = client.post("/kpis/upload", content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "kpis.csv")})
    fields = confirm_fields(preview.get_data(as_text=True))
    assert set(fields) == {"csrf_token", "csv_text"}
    assert client.post("/kpis/upload", data={"csv_text": fields["csv_text"]}).status_code == 400
    assert value_count() == 0
    assert client.post("/kpis/upload", data=fields).status_code == 302
    assert value_count() == 1
