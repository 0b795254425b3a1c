"""A campaign's results pages: standings as each viewer may see them, supervisors' nominations, the awards a
manager previews, cites and publishes (once), their Open Badges download, and the leaderboard's Campaign tab.

The floor (``tests.campaign_fixtures.floor``) ranks a1, a2, a3, a4 (Alpha), b1, agent2 (Bravo Team),
agent1 (Alpha) in that order.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from recognition.campaigns import kpis
from recognition.campaigns import result_views
from recognition.campaigns.models import Award, Campaign, Nomination
from recognition.models import Announcement, PointsEntry
from tests.campaign_fixtures import (  # noqa: F401
    DIMENSIONS, days_ago, ended, floor, local_midnight, make_campaign, metrics, rate, running,
)
from tests.web.test_recognition_page_queries import statements

BELOW_THE_TOP = ("Alpha Agent 3", "Alpha Agent 4", "Bravo Agent 1")


@pytest.fixture
def top_two(app):
    app.config["BOARD_TOP_N"] = 2


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def table_of(html: str, testid: str) -> str:
    """The HTML of one table (or list) of the page, by its ``data-testid``."""
    return html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0].split("</ol>", 1)[0]


def names_in(html: str) -> list[str]:
    """The people linked from a standings table, in order."""
    return re.findall(r'<a href="/people/([^"]+)">', table_of(html, "standings"))


def flashes(html: str) -> list[str]:
    found = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)
    return [re.sub(r"\s+", " ", message).strip() for message in found]


# --- standings -------------------------------------------------------------------------------

def test_a_participant_sees_the_top_n_and_their_own_row_with_its_gap(client, org, login_as, floor, top_two):
    campaign = running(org)
    login_as(org.agent)
    html = page(client, f"/campaigns/{campaign.id}/standings")
    assert names_in(html) == ["a1", "a2", "agent1"]
    for name in (*BELOW_THE_TOP, "Agent2"):
        assert name not in html
    own = html.split('data-testid="own-row"', 1)[1].split("</tr>", 1)[0]
    assert "behind #6" in own and "Handling time" not in own
    assert own.count('class="number standings-cell"') == 3 and "percentile" in own  # own row only
    top = table_of(html, "standings").split("<tbody>")[1].split("</tr>")[0]
    assert "percentile" not in top and "Not shown" in top
    assert "You are #7 with a score of" in html and "behind #6" in html
    assert "then by username (A to Z)" in html  # the tie-break rule
    assert 'id="team-filter"' not in html  # participants have no team filter


def test_a_supervisor_sees_their_teams_in_full_and_nothing_below_the_top_of_the_others(
        client, org, login_as, floor, top_two):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/standings"
    login_as(org.other_supervisor)
    html = page(client, url)
    assert names_in(html) == ["a1", "a2", "b1", "agent2"]
    assert "Alpha Agent 3" not in html and "Alpha Agent 4" not in html and "/people/agent1" not in html
    assert names_in(page(client, f"{url}?team={org.team_a.id}")) == names_in(html)  # not theirs: no filter
    only_bravo = page(client, f"{url}?team={org.team_b.id}")
    assert names_in(only_bravo) == ["b1", "agent2"]

    login_as(org.supervisor)
    assert names_in(page(client, url)) == ["a1", "a2", "a3", "a4", "agent1"]


def test_a_manager_who_runs_the_campaign_sees_everyone_by_team_and_by_page(
        client, org, login_as, floor, top_two, monkeypatch):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/standings"
    login_as(org.manager)  # manages Alpha's site: runs the campaign
    html = page(client, url)
    assert names_in(html) == ["a1", "a2", "a3", "a4", "b1", "agent2", "agent1"]
    assert "Not shown" not in html
    assert names_in(page(client, f"{url}?team={org.team_b.id}")) == ["b1", "agent2"]

    monkeypatch.setattr(result_views, "STANDINGS_PAGE_SIZE", 4)
    first = page(client, url)
    assert names_in(first) == ["a1", "a2", "a3", "a4"]
    next_url = re.search(r'href="([^"]+)" data-testid="next-page"', first).group(1).replace("&amp;", "&")
    assert names_in(page(client, next_url)) == ["b1", "agent2", "agent1"]
    assert client.get(f"{url}?cursor=not-a-cursor").status_code == 400


def test_dimension_cells_show_the_percentile_the_measured_value_or_ineligibility(
        client, org, login_as, floor, make_person):
    newcomer = make_person("newcomer", team=org.team_a, name="New Comer")  # no KPIs yet
    campaign = running(org)
    login_as(org.agent)
    own = page(client, f"/campaigns/{campaign.id}/standings").split('data-testid="own-row"', 1)[1]
    cells = own.split("</tr>", 1)[0].split('class="number standings-cell"')[1:]
    assert "<strong>0</strong>" in cells[0] and "<small>40%</small>" in cells[0]  # csat 4/10, the worst
    assert "<small>260 s</small>" in cells[1]  # mean handling time, with its unit
    login_as(newcomer)
    own = page(client, f"/campaigns/{campaign.id}/standings").split('data-testid="own-row"', 1)[1]
    cells = own.split("</tr>", 1)[0].split('class="number standings-cell"')[1:]
    assert all("Not eligible" in cell and "<small>—</small>" in cell for cell in cells[:2])
    assert "Not eligible" not in cells[2]  # nominations: none is a count of 0, eligible


def test_standings_of_a_draft_or_unknown_campaign_are_not_found(client, org, login_as, floor):
    draft = make_campaign(org.admin, [org.team_a], DIMENSIONS, starts=local_midnight(-1),
                          ends=local_midnight(3), now=utcnow(), draft=True)
    login_as(org.agent)
    assert client.get(f"/campaigns/{draft.id}/standings").status_code == 404
    assert client.get("/campaigns/999999/standings").status_code == 404


@pytest.mark.parametrize("viewer", ["agent", "supervisor", "manager"])
def test_the_standings_page_runs_as_many_statements_with_many_participants_as_with_few(
        client, org, login_as, floor, make_person, viewer):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/standings"
    login_as(getattr(org, viewer))
    page(client, url)  # the first read computes the standings
    few = statements(client, url)
    rows = []
    for i in range(40):
        person = make_person(f"more{i}", team=org.team_a if i % 2 else org.team_b)
        rows += [rate(person.username, days_ago(day), "csat", i % 10, 10) for day in (1, 2)]
    assert kpis.intake_rows(rows, actor=None, now=utcnow()).rejected == []
    db.session.commit()
    page(client, url)
    many = statements(client, url)
    assert many == few, f"{few} statements with 7 participants, {many} with 47"
    assert many <= 15, many


# --- nominations -----------------------------------------------------------------------------

def nomination_dimension(campaign) -> int:
    return next(d.id for d in campaign.dimensions if d.source == "nominations")


def test_a_supervisor_nominates_a_participant_they_lead(client, org, login_as, floor):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/nominations"
    login_as(org.supervisor)
    form = page(client, url)
    options = re.findall(r'<option value="([^"]*)"', form.split('name="username"')[1].split("</select>")[0])
    assert options == ["", "agent1", "a1", "a2", "a3", "a4"]  # Alpha's agents only, by name
    dimensions = form.split('name="dimension"')[1].split("</select>")[0]
    assert "Raised early" in dimensions and "Satisfaction" not in dimensions

    response = client.post(url, data={"username": "a3", "dimension": nomination_dimension(campaign),
                                      "reason": "Spotted the duplicate charges first."},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Alpha Agent 3 is nominated in Raised early." in flashes(html)
    assert "Spotted the duplicate charges first." in table_of(html, "nominations")
    nomination = db.session.execute(select(Nomination)).scalar_one()
    assert (nomination.person.username, nomination.nominated_by_id) == ("a3", org.supervisor.id)

    login_as(org.other_supervisor)
    other = page(client, url)
    assert "Spotted the duplicate" not in other and "You lead no team" not in other  # leads Bravo Team
    login_as(org.admin)
    assert "Spotted the duplicate charges first." in table_of(page(client, url), "nominations")
    login_as(org.agent)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("change", "message"), [
    ({}, "You nominated Alpha Agent 3 in Raised early already."),
    ({"username": "super1"}, "Super1 does not take part in this campaign."),
    ({"username": "agent2"}, "You can nominate people of the teams you lead."),
    ({"username": "nobody"}, "No one has the username nobody."),
    ({"reason": "  "}, "This is required."),
    ({"username": ""}, "Choose a person."),
    ({"dimension": "satisfaction"}, "does not count nominations."),
])
def test_a_refused_nomination_is_a_message_on_the_form(client, org, login_as, floor, change, message):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/nominations"
    body = {"username": "a3", "dimension": nomination_dimension(campaign), "reason": "Raised it at 9."}
    login_as(org.supervisor)
    assert client.post(url, data=body).status_code == 302
    if change.get("dimension") == "satisfaction":
        change = {"dimension": campaign.dimensions[0].id}
    response = client.post(url, data={**body, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'class="field-error"' in html
    assert db.session.execute(select(func.count()).select_from(Nomination)).scalar_one() == 1


def test_nominations_wait_for_the_campaign_to_start(client, org, login_as, floor):
    later = make_campaign(org.admin, [org.team_a], DIMENSIONS, starts=local_midnight(2),
                          ends=local_midnight(5), now=utcnow())
    url = f"/campaigns/{later.id}/nominations"
    login_as(org.supervisor)
    assert 'data-testid="nomination-form"' not in page(client, url)
    response = client.post(url, data={"username": "a3", "dimension": nomination_dimension(later),
                                      "reason": "Early."})
    assert response.status_code == 422
    assert "Nominations are open from the campaign&#39;s start" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Nomination)).scalar_one() == 0


# --- awards ----------------------------------------------------------------------------------

def awards_of(campaign) -> list[Award]:
    return list(db.session.execute(select(Award).where(Award.campaign_id == campaign.id).order_by(Award.id))
                .scalars())


def test_the_preview_is_the_managers_and_drafts_stay_hidden_from_everyone_else(app, client, org, login_as,
                                                                              floor):
    campaign = ended(org, top_n=2, one_per_person=True)
    url = f"/campaigns/{campaign.id}/awards"
    login_as(org.manager)
    html = page(client, url)
    preview = html.split('data-testid="awards"', 1)[1]
    for name in ("Alpha Agent 1", "Alpha Agent 2", "Alpha Agent 3", "Alpha Agent 4", "Bravo Agent 1",
                 "Agent2"):
        assert name in preview
    assert "No. 1 overall in 3·15 service guarantee." in html  # the default citation, editable
    assert html.count('class="citation-form"') == 6 and 'data-testid="publish-awards"' in html
    assert "50 points per award; 300 points in all" in html
    assert len(awards_of(campaign)) == 6  # the drafts were written on this GET, which says so:
    assert getattr(app.view_functions["campaign_results.awards"], "writes_on_read", False)

    for viewer in (org.agent, org.supervisor, org.other_supervisor):
        login_as(viewer)
        other = page(client, url)
        assert "Alpha Agent 1" not in other and "citation-form" not in other and "publish-awards" not in other
        draft = awards_of(campaign)[0]
        assert client.get(f"/awards/{draft.id}/credential.json").status_code == 404
        assert client.post(f"/awards/{draft.id}/citation", data={f"award-{draft.id}-citation": "X"}
                           ).status_code in (403, 404)


def test_a_running_campaign_has_no_preview_yet(client, org, login_as, floor):
    campaign = running(org)
    login_as(org.manager)
    html = page(client, f"/campaigns/{campaign.id}/awards")
    assert "once the campaign has ended" in html and "citation-form" not in html
    response = client.post(f"/campaigns/{campaign.id}/awards/publish", follow_redirects=True)
    assert "Awards are published once the campaign has ended." in flashes(response.get_data(as_text=True))
    assert db.session.get(Campaign, campaign.id).status == "open"


def test_citations_are_edited_then_awards_published_once_and_announced(client, org, login_as, floor):
    campaign = ended(org, top_n=2, one_per_person=True)
    url = f"/campaigns/{campaign.id}/awards"
    login_as(org.manager)
    page(client, url)
    first = awards_of(campaign)[0]
    citation = "Calm and precise through the busiest week of the year."
    response = client.post(f"/awards/{first.id}/citation", data={f"award-{first.id}-citation": citation})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#award-{first.id}")
    html = page(client, url)
    assert "The citation is saved." in flashes(html) and citation in html
    blank = client.post(f"/awards/{first.id}/citation", data={f"award-{first.id}-citation": " "},
                        follow_redirects=True)
    assert "Write a citation." in flashes(blank.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Award, first.id).citation == citation

    published = client.post(f"{url}/publish", follow_redirects=True).get_data(as_text=True)
    assert "6 awards are published: their points are granted and they are announced in the feed." in flashes(
        published)
    again = client.post(f"{url}/publish", follow_redirects=True).get_data(as_text=True)
    assert "These awards were published already: nothing changed." in flashes(again)
    ledger = db.session.execute(select(func.count(), func.sum(PointsEntry.amount))
                                .where(PointsEntry.kind == "award")).one()
    assert tuple(ledger) == (6, 300)
    assert db.session.execute(select(func.count()).select_from(Announcement)
                              .where(Announcement.kind == "award")).scalar_one() == 6
    assert len(awards_of(campaign)) == 6 and all(a.published_at for a in awards_of(campaign))
    late = client.post(f"/awards/{first.id}/citation", data={f"award-{first.id}-citation": "Later"},
                       follow_redirects=True)
    assert "its citation can no longer change" in late.get_data(as_text=True)

    login_as(org.agent)
    public = page(client, url)
    assert citation in public and "Alpha Agent 1" in public and "citation-form" not in public
    feed = page(client, "/kudos")
    assert citation in feed and "won" in feed
    assert client.post(f"{url}/publish").status_code == 403


def test_awards_over_the_budget_are_refused_with_a_clear_message(client, org, login_as, floor):
    campaign = ended(org, award_budget=100)
    login_as(org.manager)
    assert "That is more than the budget" in page(client, f"/campaigns/{campaign.id}/awards")
    response = client.post(f"/campaigns/{campaign.id}/awards/publish", follow_redirects=True)
    assert ("These awards need 450 points but the campaign's award budget is 100."
            in [m.replace("&#39;", "'") for m in flashes(response.get_data(as_text=True))])
    assert db.session.execute(select(func.count()).select_from(PointsEntry)).scalar_one() == 0


def test_the_recipient_downloads_their_award_as_an_open_badges_credential(client, org, login_as, floor):
    campaign = ended(org, top_n=1)
    login_as(org.manager)
    page(client, f"/campaigns/{campaign.id}/awards")
    client.post(f"/campaigns/{campaign.id}/awards/publish")
    overall = next(a for a in awards_of(campaign) if a.category == "overall")
    assert overall.person.username == "a1"

    login_as(overall.person)
    html = page(client, f"/campaigns/{campaign.id}/awards")
    assert html.count('data-testid="credential-link"') == 3  # first overall and in both KPI dimensions
    assert f'href="/awards/{overall.id}/credential.json"' in html
    response = client.get(f"/awards/{overall.id}/credential.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "3-15-service-guarantee-a1-overall.json" in disposition
    credential = response.json
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["description"] == overall.citation
    assert "a1@example.com" not in response.get_data(as_text=True)

    login_as(org.agent)
    assert 'data-testid="credential-link"' not in page(client, f"/campaigns/{campaign.id}/awards")
    assert client.get("/awards/999999/credential.json").status_code == 404


# --- the leaderboard's Campaign tab ----------------------------------------------------------

def test_the_leaderboard_has_a_campaign_tab_while_one_runs(client, org, login_as, floor, top_two):
    login_as(org.agent)
    ended(org)
    assert 'data-testid="campaign-tab"' not in page(client, "/leaderboard")
    assert 'data-testid="board-people"' in page(client, "/leaderboard?period=campaign")  # back to the week

    campaign = running(org)
    assert 'data-testid="campaign-tab"' in page(client, "/leaderboard")
    html = page(client, "/leaderboard?period=campaign")
    people = table_of(html, "board-people")
    assert re.findall(r'href="/people/([^"]+)"', people) == ["a1", "a2"]
    assert "Alpha Agent 3" not in html and "Agent2" not in html
    assert "You are #7 with a score of" in html and "Only you see this." in html
    assert "Alpha" in table_of(html, "board-teams")
    assert f'href="/campaigns/{campaign.id}/standings"' in html

    login_as(org.other_agent)
    other = page(client, "/leaderboard?period=campaign")
    assert "You are #6 with a score of" in other and "#7" not in other
