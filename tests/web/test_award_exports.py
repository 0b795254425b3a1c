"""Awards as CSV: a campaign's (exactly the awards its page shows the viewer) and every published award for
admins, with citations in any language and formula-looking ones defused, in a fixed number of statements.

The floor (``tests.campaign_fixtures.floor``) ranks a1, a2, a3, a4 (Alpha), b1, agent2 (Bravo Team),
agent1 (Alpha) in that order; with the top two and one award per person, a1 and a2 win overall, a3 and a4
in Satisfaction, b1 and agent2 in Handling time (no one was nominated in Raised early).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from core.clock import org_timezone
from core.extensions import db
from recognition.campaigns.models import Award, Campaign
from tests.campaign_fixtures import ended, floor, metrics  # noqa: F401
from tests.kudos_fixtures import count_queries

HEADER = ["campaign", "category", "position", "username", "name", "team", "score", "points", "citation",
          "status", "published_at"]
WINNERS = ["a1", "a2", "a3", "a4", "b1", "agent2"]


def csv_of(response) -> tuple[list[str], list[dict]]:
    """The header and the rows of a CSV download (UTF-8 with a BOM, as Excel wants it)."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:], newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def rows_of(client, url: str) -> list[dict]:
    header, rows = csv_of(client.get(url))
    assert header == HEADER
    return rows


def awards_of(campaign) -> list[Award]:
    return list(db.session.execute(select(Award).where(Award.campaign_id == campaign.id).order_by(Award.id))
                .scalars())


def page_names(html: str) -> list[str]:
    """The award winners the awards page lists, in order."""
    listed = html.split('data-testid="awards"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<a href="/people/([^"]+)">', listed)


def rename(campaign, name: str) -> None:
    db.session.get(Campaign, campaign.id).name = name
    db.session.commit()


def publish(client, login_as, org, campaign) -> None:
    login_as(org.manager)
    client.get(f"/campaigns/{campaign.id}/awards")  # the preview writes the drafts
    assert client.post(f"/campaigns/{campaign.id}/awards/publish").status_code == 302
    db.session.expire_all()
    assert all(award.published_at for award in awards_of(campaign))


# --- a campaign's awards ---------------------------------------------------------------------

def test_a_manager_downloads_the_draft_awards_then_the_published_ones(client, org, login_as, floor):
    campaign = ended(org, top_n=2, one_per_person=True)
    url = f"/campaigns/{campaign.id}/awards.csv"
    login_as(org.manager)
    html = client.get(f"/campaigns/{campaign.id}/awards").get_data(as_text=True)
    assert f'href="{url}"' in html and "Download (CSV)" in html

    response = client.get(url)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "bravo-awards-3-15-service-guarantee.csv" in disposition
    drafts = rows_of(client, url)
    assert [row["username"] for row in drafts] == WINNERS == page_names(html)  # the page's awards, its order
    assert [(row["category"], row["position"]) for row in drafts] == [
        ("overall", "1"), ("overall", "2"), ("Satisfaction", "1"), ("Satisfaction", "2"),
        ("Handling time", "1"), ("Handling time", "2")]
    first = drafts[0]
    assert (first["campaign"], first["name"], first["team"], first["points"]) == (
        "3·15 service guarantee", "Alpha Agent 1", "Alpha", "50")
    assert first["citation"] == "No. 1 overall in 3·15 service guarantee."
    assert {(row["status"], row["published_at"]) for row in drafts} == {("draft", "")}
    scores = {a.person.username: a.score for a in awards_of(campaign) if a.category == "overall"}
    for row in drafts[:2]:
        assert re.fullmatch(r"\d+(\.\d{1,2})?", row["score"]), row["score"]  # as the pages show it
        assert float(row["score"]) == pytest.approx(scores[row["username"]], abs=0.005)

    publish(client, login_as, org, campaign)
    published = rows_of(client, url)
    assert [row["username"] for row in published] == WINNERS
    assert {row["status"] for row in published} == {"published"}
    moment = datetime.fromisoformat(published[0]["published_at"])
    assert moment.utcoffset() == moment.astimezone(org_timezone()).utcoffset()  # the organisation's zone
    assert published[0]["published_at"].endswith("+08:00")
    assert moment == awards_of(campaign)[0].published_at


def test_a_participant_downloads_only_published_awards(client, org, login_as, floor):
    campaign = ended(org, top_n=2, one_per_person=True)
    url = f"/campaigns/{campaign.id}/awards.csv"
    login_as(org.manager)
    assert len(rows_of(client, url)) == 6  # drafts, written by the manager's preview
    for viewer in (org.agent, org.other_supervisor):
        login_as(viewer)
        assert rows_of(client, url) == []  # the page shows them no draft either
        assert 'data-testid="awards-csv"' not in client.get(f"/campaigns/{campaign.id}/awards").get_data(
            as_text=True)

    publish(client, login_as, org, campaign)
    login_as(org.agent)
    html = client.get(f"/campaigns/{campaign.id}/awards").get_data(as_text=True)
    assert f'href="{url}"' in html
    rows = rows_of(client, url)
    assert [row["username"] for row in rows] == WINNERS == page_names(html)
    assert {row["status"] for row in rows} == {"published"}


def test_what_the_page_hides_the_csv_hides_the_same_way(app, client, org, login_as, floor):
    draft = ended(org, draft=True)
    login_as(org.agent)
    for url in (f"/campaigns/{draft.id}/awards", f"/campaigns/{draft.id}/awards.csv",
                "/campaigns/999999/awards", "/campaigns/999999/awards.csv"):
        assert client.get(url).status_code == 404, url
    login_as(org.manager)  # runs it: a draft campaign has no preview yet, so no award either
    assert rows_of(client, f"/campaigns/{draft.id}/awards.csv") == []
    response = app.test_client().get(f"/campaigns/{draft.id}/awards.csv")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")


def test_chinese_and_formula_looking_citations_survive(client, org, login_as, floor):
    campaign = ended(org, top_n=1)
    rename(campaign, "双十一服务保障")  # no ASCII in the name: the file is named by the campaign's id
    login_as(org.manager)
    client.get(f"/campaigns/{campaign.id}/awards")
    by_name = {award.dimension.name if award.dimension else "overall": award for award in awards_of(campaign)}
    overall, satisfaction = by_name["overall"], by_name["Satisfaction"]
    chinese = "服务之星：高峰期依然耐心细致，客户满意度第一。"
    formula = '=HYPERLINK("http://example.com","click")'
    for award, citation in ((overall, chinese), (satisfaction, formula)):
        assert client.post(f"/awards/{award.id}/citation",
                           data={f"award-{award.id}-citation": citation}).status_code == 302

    response = client.get(f"/campaigns/{campaign.id}/awards.csv")
    assert f"bravo-awards-campaign-{campaign.id}.csv" in response.headers["Content-Disposition"]
    _header, rows = csv_of(response)
    by_category = {row["category"]: row for row in rows}
    assert by_category["overall"]["citation"] == chinese
    assert by_category["overall"]["campaign"] == "双十一服务保障"
    assert by_category["Satisfaction"]["citation"] == "'" + formula  # a spreadsheet shows it, never runs it


# --- every published award, for admins -------------------------------------------------------

def test_the_admin_export_lists_the_published_awards_of_every_campaign_and_no_draft(client, org, login_as,
                                                                                       floor):
    spring = ended(org, top_n=1)
    rename(spring, "Spring guarantee")
    summer = ended(org, top_n=2, one_per_person=True)
    rename(summer, "Summer guarantee")
    autumn = ended(org, top_n=1)
    rename(autumn, "Autumn guarantee")
    publish(client, login_as, org, spring)
    publish(client, login_as, org, summer)
    client.get(f"/campaigns/{autumn.id}/awards")  # previewed: its drafts exist, unpublished
    assert len(awards_of(autumn)) == 3 and not any(a.published_at for a in awards_of(autumn))

    login_as(org.admin)
    fairness = client.get("/admin/fairness").get_data(as_text=True)
    assert 'href="/admin/awards.csv"' in fairness and "Published awards (CSV)" in fairness
    response = client.get("/admin/awards.csv")
    assert "bravo-awards-all.csv" in response.headers["Content-Disposition"]
    _header, rows = csv_of(response)
    summer_categories = ["overall"] * 2 + ["Satisfaction"] * 2 + ["Handling time"] * 2
    assert [(row["campaign"], row["category"], row["username"]) for row in rows] == [
        ("Spring guarantee", "overall", "a1"), ("Spring guarantee", "Satisfaction", "a1"),
        ("Spring guarantee", "Handling time", "a1"),
        *[("Summer guarantee", category, username) for category, username in zip(summer_categories, WINNERS)],
    ]
    assert {row["status"] for row in rows} == {"published"} and all(row["published_at"] for row in rows)
    assert "Autumn guarantee" not in response.get_data(as_text=True)


@pytest.mark.parametrize("viewer", ["agent", "supervisor", "manager"])
def test_only_admins_export_every_award(client, org, login_as, viewer):
    login_as(getattr(org, viewer))
    assert client.get("/admin/awards.csv").status_code == 403


# --- statements ------------------------------------------------------------------------------

def statements(client, url: str) -> tuple[int, int]:
    """SQL statements of one download, read to its end (the body streams), and its row count."""
    db.session.expire_all()
    with count_queries() as counter:
        _header, rows = csv_of(client.get(url))
    return counter[0], len(rows)


def test_the_exports_run_as_many_statements_with_many_awards_as_with_few(client, org, login_as, floor):
    few = ended(org, top_n=1)
    publish(client, login_as, org, few)
    many = ended(org, top_n=5)
    publish(client, login_as, org, many)
    extra = ended(org, top_n=5)
    publish(client, login_as, org, extra)
    login_as(org.agent)
    statements(client, f"/campaigns/{few.id}/awards.csv")  # anything kept per process is kept now
    few_count, few_rows = statements(client, f"/campaigns/{few.id}/awards.csv")
    many_count, many_rows = statements(client, f"/campaigns/{many.id}/awards.csv")
    assert (few_rows, many_rows) == (3, 15)
    assert many_count == few_count, f"{few_count} for {few_rows} awards, {many_count} for {many_rows}"
    assert few_count <= 10, few_count

    login_as(org.admin)
    statements(client, "/admin/awards.csv")
    before_count, before_rows = statements(client, "/admin/awards.csv")
    more = ended(org, top_n=7, award_budget=5000)
    publish(client, login_as, org, more)
    login_as(org.admin)
    after_count, after_rows = statements(client, "/admin/awards.csv")
    assert (before_rows, after_rows) == (33, 54)
    assert after_count == before_count, f"{before_count} for {before_rows}, {after_count} for {after_rows}"
    assert after_count <= 3, after_count  # the user, the awards


def test_a_manager_s_preview_runs_as_many_statements_with_many_drafts_as_with_few(client, org, login_as,
                                                                                   floor):
    """The first preview writes the drafts (an INSERT each); after that, each preview reads them at once."""
    few, many = ended(org, top_n=1), ended(org, top_n=5)
    login_as(org.manager)
    first = {campaign.id: statements(client, f"/campaigns/{campaign.id}/awards.csv") for campaign in (few, many)}
    again = {campaign.id: statements(client, f"/campaigns/{campaign.id}/awards.csv") for campaign in (few, many)}
    assert (first[few.id][1], first[many.id][1]) == (again[few.id][1], again[many.id][1]) == (3, 15)
    assert again[many.id][0] == again[few.id][0], f"later previews: {again}"
