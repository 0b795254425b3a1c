"""Wallboard pages: managers make a link for a campaign or a team (shown once), list and revoke it; the TV
page renders for a live link, in the link's language, without the app's chrome."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from recognition.campaigns.models import Wallboard
from tests.campaign_fixtures import floor, metrics, running  # noqa: F401
from tests.kudos_fixtures import count_queries

LINK = re.compile(r'value="(http://localhost/wallboard/([\w-]+)\?lang=(\w+))"')


def make_link(client, subject: str, label: str = "") -> tuple[str, str]:
    """Post the form; the page shows the new link once: (page, token)."""
    response = client.post("/wallboards", data={"subject": subject, "label": label})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    links = LINK.findall(page)
    assert [lang for _url, _token, lang in links] == ["en", "zh_Hans_CN"], "the new link is not shown"
    assert len({token for _url, token, _lang in links}) == 1
    return page, links[0][1]


def board_count() -> int:
    return db.session.execute(select(func.count()).select_from(Wallboard)).scalar_one()


@pytest.fixture
def campaign(org, floor):
    return running(org)


def test_a_manager_makes_a_campaign_link_that_is_shown_once(client, login_as, org, campaign):
    login_as(org.manager)
    form = client.get("/wallboards").get_data(as_text=True)
    assert f'<option value="campaign:{campaign.id}">3·15 service guarantee</option>' in form
    assert f'<option value="team:{org.team_a.id}">Alpha</option>' in form
    assert f"team:{org.team_b.id}" not in form  # London: not a site of the manager's

    page, token = make_link(client, f"campaign:{campaign.id}", "Floor 3 east")

    assert "Copy it now: it is shown only this once." in html.unescape(page)
    assert client.get(f"/wallboard/{token}").status_code == 200
    listing = client.get("/wallboards").get_data(as_text=True)
    assert token not in listing and "/wallboard/" not in listing
    row = re.search(r'<tr data-testid="wallboard-link">(.*?)</tr>', listing, re.S)[1]
    assert "Floor 3 east" in row and "Campaign: 3·15 service guarantee" in row and "Working" in row


def test_a_manager_makes_a_team_link_only_for_a_team_they_manage(client, login_as, org, campaign):
    login_as(org.manager)
    _page, token = make_link(client, f"team:{org.team_a.id}")
    board = client.get(f"/wallboard/{token}/data").json["board"]
    assert board == {"kind": "team", "label": "", "team": "Alpha"}
    assert "Team: Alpha" in client.get("/wallboards").get_data(as_text=True)

    refused = client.post("/wallboards", data={"subject": f"team:{org.team_b.id}"})
    assert refused.status_code == 200 and "Not a valid choice." in refused.get_data(as_text=True)
    assert client.post("/wallboards", data={"subject": "campaign:999999"}).status_code == 200
    assert board_count() == 1


def test_revoking_a_link_blanks_its_page_and_data(client, login_as, org, campaign):
    login_as(org.manager)
    _page, token = make_link(client, f"campaign:{campaign.id}")
    board = db.session.execute(select(Wallboard)).scalar_one()

    response = client.post(f"/wallboards/{board.id}/revoke")

    assert response.status_code == 302 and response.headers["Location"] == "/wallboards"
    listing = client.get("/wallboards").get_data(as_text=True)
    assert "The link is revoked" in listing and "Revoked" in listing and "Working" not in listing
    assert client.get(f"/wallboard/{token}").status_code == 404
    assert client.get(f"/wallboard/{token}/data").status_code == 404


def test_only_managers_of_the_link_use_the_pages(client, login_as, org, campaign, make_person):
    login_as(org.manager)
    _page, token = make_link(client, f"campaign:{campaign.id}")
    board_id = db.session.execute(select(Wallboard.id)).scalar_one()
    for person in (org.agent, org.supervisor):
        login_as(person)
        assert client.get("/wallboards").status_code == 403
        assert client.post("/wallboards", data={"subject": f"team:{org.team_a.id}"}).status_code == 403
        assert client.post(f"/wallboards/{board_id}/revoke").status_code == 403
    login_as(make_person("manager.london", role="manager"))  # runs nothing of this campaign
    assert client.post(f"/wallboards/{board_id}/revoke").status_code == 404
    assert client.get(f"/wallboard/{token}/data").status_code == 200 and board_count() == 1


def test_the_list_costs_the_same_queries_however_many_links(client, login_as, org, campaign):
    login_as(org.admin)

    def list_queries() -> int:
        with count_queries() as counter:
            assert client.get("/wallboards").status_code == 200
        return counter[0]

    for _ in range(2):
        make_link(client, f"campaign:{campaign.id}")
        make_link(client, f"team:{org.team_b.id}")
    few = list_queries()
    for _ in range(4):
        make_link(client, f"campaign:{campaign.id}")
        make_link(client, f"team:{org.team_a.id}")
    assert list_queries() == few


# --- the TV page -----------------------------------------------------------------------------

def test_the_tv_page_renders_for_a_live_link_in_its_language_without_the_app_chrome(client, login_as, org,
                                                                                   campaign):
    login_as(org.manager)
    _page, token = make_link(client, f"campaign:{campaign.id}")
    with client.session_transaction() as session:
        session.clear()  # a screen on the floor: nobody signed in

    page = client.get(f"/wallboard/{token}").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert f'data-url="/wallboard/{token}/data?lang=en"' in page
    assert "site-header" not in page and "Sign out" not in page and "pico" not in page
    labels = json.loads(re.search(r'<script type="application/json" id="wallboard-labels">(.*?)</script>',
                                  page, re.S)[1])
    assert labels["endsIn"] == "Ends in" and labels["updated"] == "Updated {time}"
    assert labels["top"] == "Top 10"
    assert "js/wallboard.js" in page and "css/wallboard.css" in page

    chinese = client.get(f"/wallboard/{token}?lang=zh_Hans_CN").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN">' in chinese and "<title>大屏 · Bravo</title>" in chinese
    assert f'data-url="/wallboard/{token}/data?lang=zh_Hans_CN"' in chinese
    assert client.get(f"/wallboard/{token}?lang=fr").status_code == 200  # the default language


def test_the_tv_page_of_an_unknown_link_is_404(client):
    assert client.get("/wallboard/no-such-token").status_code == 404
