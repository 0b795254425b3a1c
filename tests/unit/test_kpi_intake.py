"""KPI intake: every kind of bad row gets a clear error and writes nothing; good rows are upserted per
(person, day, metric); CSV files report line numbers and write all or nothing unless asked."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.errors import InvalidInput
from core.extensions import db
from core.models import AuditEvent
from recognition.campaigns import kpis
from recognition.campaigns.models import MetricValue
from tests.campaign_fixtures import NOW, TODAY, daily, metrics, rate  # noqa: F401
from tests.kudos_fixtures import count_queries


def stored() -> dict:
    from core.models import Person
    from recognition.campaigns.models import MetricDefinition

    rows = db.session.execute(
        select(Person.username, MetricDefinition.slug, MetricValue.day, MetricValue.value, MetricValue.numerator,
               MetricValue.denominator)
        .join(Person, Person.id == MetricValue.person_id).join(MetricDefinition)
    ).all()
    return {(u, m, d.isoformat()): (v, n, den) for u, m, d, v, n, den in rows}


BAD_ROWS = [
    ({"username": "nobody", "date": "2026-03-01", "metric": "calls", "value": 3}, "username", "nobody"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "nps", "value": 3}, "metric", "nps"),
    ({"username": "agent1", "date": "2026/03/01", "metric": "calls", "value": 3}, "date", "2026/03/01"),
    ({"username": "agent1", "date": "2026-02-30", "metric": "calls", "value": 3}, "date", "2026-02-30"),
    ({"username": "agent1", "date": "2026-03-11", "metric": "calls", "value": 3}, "date", "future"),
    ({"username": "agent1", "metric": "calls", "value": 3}, "date", "required"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "csat", "value": 0.9}, "value", "rate"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "csat", "numerator": 9}, "denominator", "both"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "csat", "numerator": 9, "denominator": -10},
     "denominator", "negative"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "csat", "numerator": -1, "denominator": 10},
     "numerator", "negative"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "csat", "numerator": 1, "denominator": 0},
     "denominator", "above 0"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "calls", "value": 3, "numerator": 1}, "numerator",
     "takes a value"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "calls"}, "value", "required"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "calls", "value": "lots"}, "value", "number"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "calls", "value": True}, "value", "number"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "calls", "value": "nan"}, "value", "number"),
    ({"username": "agent1", "date": "2026-03-01", "metric": "calls", "value": 1, "team": "x"}, "team", "Unknown"),
    (["agent1", "2026-03-01", "calls", 3], None, "object"),
    ({"date": "2026-03-01", "metric": "calls", "value": 3}, "username", "required"),
]


@pytest.mark.parametrize(("row", "field", "words"), BAD_ROWS, ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD_ROWS)])
def test_every_kind_of_bad_row_is_named_and_nothing_of_it_is_written(org, metrics, row, field, words):
    good = rate("agent1", "2026-03-02", "csat", 9, 10)
    report = kpis.intake_rows([good, row], actor=org.manager, now=NOW)
    db.session.commit()
    assert report.accepted == 1
    [error] = report.rejected
    assert (error.index, error.field) == (1, field)
    assert words.lower() in error.message.lower()
    assert stored() == {("agent1", "csat", "2026-03-02"): (None, 9.0, 10.0)}


def test_a_second_row_for_the_same_person_day_and_metric_in_a_batch_is_refused(org, metrics):
    report = kpis.intake_rows([daily("agent1", "2026-03-01", "calls", 5), daily("Agent1", "2026-03-01", "calls", 6)],
                              actor=org.manager, now=NOW)
    assert report.accepted == 1 and report.rejected[0].index == 1
    assert "row 0" in report.rejected[0].message


def test_intake_upserts_idempotently_and_replaces_a_days_value(org, metrics):
    rows = [daily("agent1", "2026-03-01", "calls", 40), rate("agent2", "2026-03-01", "csat", 8, 10),
            {"username": "agent1", "date": "2026-03-01", "metric": "aht", "value": "301.5"}]
    for _ in range(2):
        assert kpis.intake_rows(rows, actor=org.manager, now=NOW).accepted == 3
        db.session.commit()
    assert db.session.execute(select(func.count()).select_from(MetricValue)).scalar_one() == 3
    kpis.intake_rows([daily("agent1", "2026-03-01", "calls", 44)], actor=org.manager, now=NOW)
    db.session.commit()
    assert stored()[("agent1", "calls", "2026-03-01")] == (44.0, None, None)
    assert stored()[("agent1", "aht", "2026-03-01")] == (301.5, None, None)
    assert db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "metrics.intake")).scalar_one() == 3


def test_a_thousand_rows_take_a_handful_of_queries(org, metrics, make_person):
    people = [make_person(f"bulk{i}", team=org.team_a) for i in range(50)]
    rows = [rate(p.username, f"2026-03-{day:02d}", "csat", 7, 8) for p in people for day in range(1, 11)]
    rows += [daily(p.username, f"2026-03-{day:02d}", "calls", 30) for p in people for day in range(1, 11)]
    with count_queries() as counter:
        report = kpis.intake_rows(rows, actor=org.manager, now=NOW)
    db.session.commit()
    assert report.accepted == 1000 and report.rejected == []
    assert counter[0] <= 6  # people, KPIs, the upsert, campaigns to mark, the audit line


def test_the_api_batch_limit(org, metrics, app):
    app.config["METRICS_MAX_ROWS_PER_REQUEST"] = 2
    with pytest.raises(InvalidInput):
        kpis.intake_rows([daily("agent1", "2026-03-01", "calls", 1)] * 3, actor=org.manager, now=NOW)


# --- CSV -------------------------------------------------------------------------------------

GOOD_CSV = ("username,date,metric,value,numerator,denominator\r\n"
            "agent1,2026-03-01,calls,40,,\r\n"
            "agent2,2026-03-01,csat,,8,10\r\n")


def test_a_clean_file_is_written_whole_and_again_without_duplicates(org, metrics):
    for _ in range(2):
        plan = kpis.import_metrics_csv(GOOD_CSV.encode(), actor=org.manager, now=NOW)
        db.session.commit()
        assert (plan.has_errors, plan.written, plan.row_count) == (False, 2, 2)
    assert stored() == {("agent1", "calls", "2026-03-01"): (40.0, None, None),
                        ("agent2", "csat", "2026-03-01"): (None, 8.0, 10.0)}


def test_a_file_with_a_bad_row_writes_nothing_unless_the_valid_rows_are_asked_for(org, metrics):
    text = ("username,date,metric,value,numerator,denominator\n"
            "agent1,2026-03-01,calls,40,,\n"
            "\n"
            "ghost,2026-03-01,calls,40,,\n"
            "agent2,2026-03-01,csat,,8,-10\n"
            "agent2,2026-03-02,csat,,8,10\n"
            "agent2,2026-03-02,csat,,9,10\n"
            "agent1,2026-03-03,calls,7,,,extra\n")
    plan = kpis.import_metrics_csv(text, actor=org.manager, now=NOW)
    db.session.commit()
    assert plan.written == 0 and stored() == {}
    assert [(e.line, e.field) for e in plan.row_errors] == [
        (4, "username"), (5, "denominator"), (7, None), (8, None)]
    assert "line 6" in plan.row_errors[2].message
    assert plan.valid_rows == 2

    plan = kpis.import_metrics_csv(text, actor=org.manager, now=NOW, import_valid_rows=True)
    db.session.commit()
    assert plan.written == 2
    assert set(stored()) == {("agent1", "calls", "2026-03-01"), ("agent2", "csat", "2026-03-02")}


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"username,date,metric,value\n", "no KPI"),
    (b"username,date,value\nagent1,2026-03-01,3\n", "missing: metric"),
    (b"username,date,metric,value,points\n", "Unknown column: points"),
    (b"\x00\x01\x02binary\xff\xfe", "not a CSV"),
])
def test_whole_file_errors(org, metrics, data, words):
    plan = kpis.import_metrics_csv(data, actor=org.manager, now=NOW, import_valid_rows=True)
    assert plan.written == 0 and plan.file_errors and words in plan.file_errors[0]


def test_excel_files_in_gbk_and_the_template_read_back(org, metrics, make_person):
    make_person("zhang.wei", team=org.team_a)
    text = "username,date,metric,value\r\nagent1,2026-03-01,calls,12\r\n"
    assert kpis.plan_metrics_csv(text.encode("gbk"), now=NOW).valid_rows == 1
    template = kpis.metrics_template_csv(list(metrics.values()), day=TODAY)
    assert template.startswith("\ufeffusername,date,metric,value,numerator,denominator")
    plan = kpis.plan_metrics_csv(template.encode("utf-8"), now=NOW)
    assert not plan.has_errors and plan.valid_rows == 2
