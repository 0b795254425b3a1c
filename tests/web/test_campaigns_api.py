"""The campaigns API: KPI definitions and intake, campaigns, acknowledgements, standings visibility,
nominations, awards (ledger, budget, badges, feed, idempotency, Open Badges) and the campaign board."""
from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.clock import org_timezone, utcnow
from core.extensions import db
from core.hooks import on_event
from recognition import services as kudos_services
from recognition.campaigns.models import Award, Campaign
from recognition.campaigns.services import DimensionSpec, SourceSpec
from recognition.models import Announcement, BadgeAward, GivingSpend, PointsEntry
from tests.campaign_fixtures import (  # noqa: F401
    api, days_ago, ended, floor, local_midnight, make_campaign, metrics, put_kpis, rate, running,
)
from tests.kudos_fixtures import MESSAGE, count_queries, value  # noqa: F401
from tests.web.api_asserts import assert_api_error


# --- KPI definitions and intake --------------------------------------------------------------

def test_managers_define_kpis_in_two_languages(api, org, make_person):
    body = {"slug": "fcr", "name": "First contact resolution", "name_zh": "首次解决率", "unit": "%",
            "aggregate": "rate", "direction": "higher_better"}
    response = api(org.manager).post("/metric-definitions", json=body)
    assert response.status_code == 201, response.json
    assert response.json["aggregate"] == "rate" and response.json["name_zh"] == "首次解决率"
    assert_api_error(api(org.manager).post("/metric-definitions", json=body), 409, fields=["slug"])
    assert_api_error(api(org.manager).post("/metric-definitions", json={**body, "aggregate": "median"}), 400,
                     fields=["aggregate"])
    assert_api_error(api(org.manager).post("/metric-definitions", json={**body, "slug": "Bad Slug"}), 400,
                     fields=["slug"])
    assert_api_error(api(org.supervisor).post("/metric-definitions", json=body), 403)
    chinese = make_person("wang", locale="zh_Hans_CN")
    assert api(chinese).get("/metric-definitions").json["items"][0]["name"] == "首次解决率"
    response = api(org.manager).patch("/metric-definitions/fcr", json={"unit": "percent"})
    assert response.status_code == 200 and response.json["unit"] == "percent"


def test_metrics_intake_reports_rejected_rows_and_machines_need_the_metrics_scope(api, org, metrics):
    rows = [
        {"username": "agent1", "date": days_ago(1), "metric": "csat", "numerator": 9, "denominator": 10},
        {"username": "ghost", "date": days_ago(1), "metric": "csat", "numerator": 9, "denominator": 10},
        {"username": "agent1", "date": "yesterday", "metric": "aht", "value": 300},
        {"username": "agent1", "date": days_ago(1), "metric": "aht", "value": 300, "numerator": 1},
        {"username": "agent1", "date": days_ago(1), "metric": "csat", "numerator": 9, "denominator": -1},
    ]
    assert_api_error(api(org.agent).post("/metrics", json={"rows": rows}), 403)
    assert_api_error(api(org.supervisor).post("/metrics", json={"rows": rows}), 403)
    response = api(org.agent, scopes=("metrics",)).post("/metrics", json={"rows": rows})
    assert response.status_code == 200, response.json
    assert response.json["accepted"] == 1
    assert [(r["index"], r["field"]) for r in response.json["rejected"]] == [
        (1, "username"), (2, "date"), (3, "numerator"), (4, "denominator")]
    assert all(r["error"] for r in response.json["rejected"])
    again = api(org.manager).post("/metrics", json={"rows": rows[:1]})
    assert again.json == {"accepted": 1, "rejected": []}
    assert assert_api_error(api(org.manager).post("/metrics", json={}), 400, fields=["rows"])


# --- campaigns -------------------------------------------------------------------------------

def campaign_body(**changes):
    body = {
        "name": "3·15 service guarantee", "starts_at": days_ago(3), "ends_at": days_ago(-10), "teams": ["Alpha"],
        "requirements": [{"text": "Hand over after three rejections."},
                         {"text": "CSAT at least 90 %.", "metric": "csat", "target": 0.9}],
        "dimensions": [{"name": "Satisfaction", "weight": 2,
                        "source": {"kind": "metric", "metric": "csat", "min_volume": 5}},
                       {"name": "Raised early", "weight": 1, "source": {"kind": "nominations"}}],
        "awards": {"top_n": 3, "one_per_person": True},
    }
    body.update(changes)
    return body


def test_a_manager_creates_a_campaign_with_its_brief(api, org, metrics):
    response = api(org.manager).post("/campaigns", json=campaign_body())
    assert response.status_code == 201, response.json
    campaign = response.json
    assert campaign["state"] == "running" and campaign["teams"] == ["Alpha"]
    assert [r["metric"] for r in campaign["requirements"]] == [None, "csat"]
    assert campaign["requirements"][1]["direction"] == "higher_better"
    assert campaign["dimensions"][0]["source"] == {"kind": "metric", "metric": "csat", "aggregate": "rate",
                                                   "direction": "higher_better", "min_volume": 5.0, "value": None}
    assert campaign["awards"]["points"] == 50 and campaign["awards"]["budget"] == 1000
    # A bare end date includes that day: the campaign ends at the next midnight.
    assert datetime.fromisoformat(campaign["ends_at"]).astimezone(org_timezone()).date().isoformat() == days_ago(-11)
    as_agent = api(org.agent).get(f"/campaigns/{campaign['id']}").json
    assert as_agent["participant"] is True and as_agent["acknowledged_at"] is None
    assert as_agent["acknowledgements"] is None


@pytest.mark.parametrize(("changes", "status", "field"), [
    ({"teams": ["Nowhere"]}, 404, "teams"),
    ({"teams": ["Bravo Team"]}, 403, "teams"),  # manager1 manages Shanghai, not London
    ({"teams": []}, 400, "teams"),
    ({"ends_at": "2020-01-01T00:00:00+08:00"}, 400, "ends_at"),
    ({"starts_at": "soon"}, 400, "starts_at"),
    ({"dimensions": []}, 400, "dimensions"),
    ({"dimensions": [{"name": "X", "weight": 0, "source": {"kind": "nominations"}}]}, 400, "dimensions.0.weight"),
    ({"dimensions": [{"name": "X", "weight": 1, "source": {"kind": "metric"}}]}, 400, "dimensions.0.source.metric"),
    ({"dimensions": [{"name": "X", "weight": 1, "source": {"kind": "metric", "metric": "nps"}}]}, 404,
     "dimensions.0.source.metric"),
    ({"dimensions": [{"name": "X", "weight": 1, "source": {"kind": "metric", "metric": "csat",
                                                           "aggregate": "mean"}}]}, 400,
     "dimensions.0.source.aggregate"),
    ({"dimensions": [{"name": "X", "weight": 1, "source": {"kind": "kudos", "metric": "csat"}}]}, 400,
     "dimensions.0.source.metric"),
    ({"requirements": [{"text": "Be fast", "target": 3}]}, 400, "requirements.0.metric"),
    ({"requirements": [{"text": "CSAT", "metric": "csat"}]}, 400, "requirements.0.target"),
    ({"requirements": [{"text": " "}]}, 400, "requirements.0.text"),
])
def test_bad_campaigns_are_refused_with_the_field_named(api, org, metrics, changes, status, field):
    assert_api_error(api(org.manager).post("/campaigns", json=campaign_body(**changes)), status, fields=[field])
    assert db.session.execute(select(func.count()).select_from(Campaign)).scalar_one() == 0


def test_drafts_are_for_those_who_run_them(api, org, metrics):
    draft = api(org.manager).post("/campaigns", json=campaign_body(draft=True)).json
    assert draft["state"] == "draft"
    assert_api_error(api(org.agent).get(f"/campaigns/{draft['id']}"), 404)
    assert api(org.agent).get("/campaigns").json["items"] == []
    assert [c["id"] for c in api(org.manager).get("/campaigns").json["items"]] == [draft["id"]]
    assert_api_error(api(org.agent).post(f"/campaigns/{draft['id']}/acknowledge"), 404)
    launched = api(org.manager).post(f"/campaigns/{draft['id']}/launch")
    assert launched.status_code == 200 and launched.json["state"] == "running"
    assert [c["id"] for c in api(org.agent).get("/campaigns?state=running").json["items"]] == [draft["id"]]
    assert api(org.agent).get("/campaigns?state=ended").json["items"] == []
    assert_api_error(api(org.manager).delete(f"/campaigns/{draft['id']}"), 422, "campaign_not_editable")


def test_participants_acknowledge_the_brief_and_leads_see_who_has_not(api, org, floor):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}"
    for _ in range(2):
        assert api(org.agent).post(f"{url}/acknowledge").status_code == 204
    assert_api_error(api(org.supervisor).post(f"{url}/acknowledge"), 422, "not_a_participant")
    everyone = api(org.admin).get(f"{url}/acknowledgements").json
    assert (everyone["acknowledged"], everyone["participants"]) == (1, 7)
    assert "agent1" not in {p["username"] for p in everyone["missing"]}
    alpha_only = api(org.supervisor).get(f"{url}/acknowledgements").json
    assert {p["team"] for p in alpha_only["missing"]} == {"Alpha"} and alpha_only["participants"] == 5
    assert_api_error(api(org.agent).get(f"{url}/acknowledgements"), 403)
    assert api(org.agent).get(url).json["acknowledged_at"] is not None


# --- standings -------------------------------------------------------------------------------

def usernames(response) -> list[str]:
    return [row["username"] for row in response.json["items"]]


def test_unchanged_standings_are_read_from_the_kept_copy_and_a_change_shows_at_once(api, org, floor):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/standings"
    agent = api(org.agent)
    first = agent.get(url).json
    with count_queries() as counter:
        again = agent.get(url).json
    assert again == first and counter[0] <= 4  # SQLite's BEGIN, the token, its person, the campaign
    assert first["me"]["username"] == "agent1" and first["me"]["rank"] == 7
    put_kpis([rate("agent1", days_ago(1), "csat", 1000, 1000)], now=utcnow())
    moved = agent.get(url).json
    assert moved["version"] > first["version"] and moved["me"]["rank"] < 7  # moved up at once
    assert api(org.other_agent).get(url).json["me"]["username"] == "agent2"  # each viewer their own answer


def test_each_process_reads_a_campaign_s_head_once_per_recheck_window(api, app, org, floor):
    """Within the window a standings read costs no query at all (its token and the campaign's head are
    kept); a change reaches readers once the window has passed (0.3 s here; a second by default)."""
    app.config["CAMPAIGN_RECHECK_SECONDS"] = 0.3
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/standings"
    agent = api(org.agent)
    agent.get(url)  # computes the standings; this process forgets the head it had read
    first = agent.get(url).json
    with count_queries() as counter:
        again = agent.get(url).json
    assert again == first and counter[0] == 0
    put_kpis([rate("agent1", days_ago(1), "csat", 1000, 1000)], now=utcnow())
    assert agent.get(url).json["version"] == first["version"]  # within the window
    time.sleep(0.35)
    moved = agent.get(url).json
    assert moved["version"] > first["version"] and moved["me"]["rank"] < 7


def test_standings_show_the_top_n_and_ones_own_row_to_participants_teams_to_supervisors_all_to_managers(
        api, app, org, floor):
    app.config["BOARD_TOP_N"] = 2
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/standings"

    mine = api(org.agent).get(url)
    assert mine.status_code == 200, mine.json
    assert usernames(mine) == ["a1", "a2", "agent1"]
    top, own = mine.json["items"][0], mine.json["items"][-1]
    assert top["full"] is False and top["breakdown"] == [] and top["gap_to_next"] is None
    assert own["full"] is True and own["rank"] == 7 and own["gap_to_next"] > 0
    assert [cell["name"] for cell in own["breakdown"]] == ["Satisfaction", "Handling time", "Raised early"]
    assert mine.json["me"]["username"] == "agent1" and mine.json["me"]["rank"] == 7

    other_lead = api(org.other_supervisor).get(url)
    assert usernames(other_lead) == ["a1", "a2", "b1", "agent2"]
    assert "agent1" not in other_lead.get_data(as_text=True)
    assert other_lead.json["me"] is None

    lead = api(org.supervisor).get(url)
    assert usernames(lead) == ["a1", "a2", "a3", "a4", "agent1"]
    assert all(row["full"] for row in lead.json["items"])

    everyone = api(org.admin).get(f"{url}?limit=4")
    assert usernames(everyone) == ["a1", "a2", "a3", "a4"] and everyone.json["next"]
    rest = api(org.admin).get(f"{url}?limit=4&cursor={everyone.json['next']}")
    assert usernames(rest) == ["b1", "agent2", "agent1"] and rest.json["next"] is None

    outsider = api(org.manager).get(url)  # manages Alpha's site: runs the campaign
    assert len(outsider.json["items"]) == 7

    handling = api(org.other_agent).get(f"{url}?dimension=Handling%20time")
    assert handling.status_code == 200
    rows = handling.json["items"]
    assert [r["username"] for r in rows] == ["a1", "a2", "agent2"]
    assert rows[0]["dimension"]["percentile"] == 100.0 and rows[0]["score"] is None  # a public row
    assert rows[-1]["score"] is not None  # one's own
    assert_api_error(api(org.agent).get(f"{url}?dimension=Speed"), 404, fields=["dimension"])


def test_campaign_leaderboard_shows_the_top_by_score_and_ones_own_rank(api, org, floor):
    campaign = running(org)
    board = api(org.agent).get(f"/leaderboard?period=campaign&campaign={campaign.id}&limit=2")
    assert board.status_code == 200, board.json
    assert [(r["rank"], r["username"]) for r in board.json["items"]] == [(1, "a1"), (2, "a2")]
    assert board.json["me"]["rank"] == 7 and board.json["campaign"] == campaign.id
    assert api(org.agent).get("/leaderboard?period=campaign").json["campaign"] == campaign.id
    teams = api(org.agent).get(f"/leaderboard?period=campaign&campaign={campaign.id}&scope=teams").json
    assert [r["team"] for r in teams["items"]] == ["Alpha", "Bravo Team"] and teams["me"]["rank"] == 1
    in_team = api(org.other_agent).get(f"/leaderboard?period=campaign&team=Bravo%20Team").json
    assert [(r["rank"], r["username"]) for r in in_team["items"]] == [(1, "b1"), (2, "agent2")]
    assert in_team["me"] == {"rank": 2, "score": in_team["items"][1]["score"]}


# --- nominations -----------------------------------------------------------------------------

def test_supervisors_nominate_people_of_their_teams(api, org, floor):
    campaign = running(org)
    url = f"/campaigns/{campaign.id}/nominations"
    body = {"username": "a3", "dimension": "Raised early", "reason": "Spotted the duplicate charges first."}
    response = api(org.supervisor).post(url, json=body)
    assert response.status_code == 201, response.json
    assert response.json["person"]["username"] == "a3" and response.json["dimension"]["name"] == "Raised early"
    assert_api_error(api(org.supervisor).post(url, json=body), 409, "already_nominated")
    assert_api_error(api(org.other_supervisor).post(url, json=body), 403)
    assert_api_error(api(org.agent).post(url, json=body), 403)
    assert_api_error(api(org.supervisor).post(url, json={**body, "dimension": campaign.dimensions[0].id}), 400,
                     fields=["dimension"])
    assert_api_error(api(org.supervisor).post(url, json={**body, "username": "agent2"}), 403)
    assert_api_error(api(org.supervisor).post(url, json={**body, "username": "super2"}), 422, "not_a_participant")
    assert len(api(org.admin).get(url).json["items"]) == 1
    assert api(org.other_supervisor).get(url).json["items"] == []
    me = api(org.supervisor).get(f"/campaigns/{campaign.id}/standings").json
    a3 = next(r for r in me["items"] if r["username"] == "a3")
    assert a3["breakdown"][2]["value"] == 1.0


# --- awards ----------------------------------------------------------------------------------

def test_awards_are_previewed_edited_and_published_once_from_the_award_budget(api, app, org, floor):
    published = []
    on_event(app, "awards.published", lambda **payload: published.append(payload))
    campaign = ended(org, top_n=2, one_per_person=True)
    url = f"/campaigns/{campaign.id}/awards"
    assert api(org.agent).get(url).json["items"] == []  # drafts are the managers'

    preview = api(org.admin).get(url)
    assert preview.status_code == 200, preview.json
    items = preview.json["items"]
    assert [(a["category"], a["person"]["username"], a["position"]) for a in items] == [
        ("overall", "a1", 1), ("overall", "a2", 2),
        (f"dimension-{campaign.dimensions[0].id}", "a3", 1), (f"dimension-{campaign.dimensions[0].id}", "a4", 2),
        (f"dimension-{campaign.dimensions[1].id}", "b1", 1),
        (f"dimension-{campaign.dimensions[1].id}", "agent2", 2)]
    assert all(a["published_at"] is None and a["points"] == 50 for a in items)
    assert "No. 1 overall" in items[0]["citation"]

    citation = "Calm and precise through the busiest week of the year."
    edited = api(org.admin).patch(f"/awards/{items[0]['id']}", json={"citation": citation})
    assert edited.status_code == 200 and edited.json["citation"] == citation
    assert_api_error(api(org.admin).patch(f"/awards/{items[0]['id']}", json={"citation": " "}), 400,
                     fields=["citation"])
    assert_api_error(api(org.agent).get(f"/awards/{items[0]['id']}/credential"), 404)  # a draft

    budget_before = {p.username: api(p).get("/me").json["giving_budget_left"] for p in (org.agent, org.admin)}
    first = api(org.admin).post(url, json={"publish": True})
    assert first.status_code == 200, first.json
    assert first.json["published"] is True and first.json["points"] == 300
    assert first.json["items"][0]["citation"] == citation
    assert published == [{"campaign_id": campaign.id, "award_ids": [a["id"] for a in first.json["items"]]}]

    ledger = db.session.execute(select(PointsEntry.kind, func.sum(PointsEntry.amount)).group_by(PointsEntry.kind)).all()
    assert ledger == [("award", 300)]
    assert db.session.execute(select(func.count()).select_from(GivingSpend)).scalar_one() == 0
    assert {p.username: api(p).get("/me").json["giving_budget_left"] for p in (org.agent, org.admin)} == budget_before
    assert api(org.other_agent).get("/me").json["points_balance"] == 50
    badges = db.session.execute(select(BadgeAward.code, func.count()).group_by(BadgeAward.code)).all()
    assert badges == [("campaign_award", 6)]
    feed = api(org.agent).get("/feed?limit=50").json["items"]
    citations = [i["announcement"]["citation"] for i in feed if i["type"] == "announcement"
                 and i["announcement"]["kind"] == "award"]
    assert citation in citations and len(citations) == 6

    again = api(org.admin).post(url, json={"publish": True})
    assert [a["id"] for a in again.json["items"]] == [a["id"] for a in first.json["items"]]
    assert db.session.execute(select(func.count()).select_from(PointsEntry)).scalar_one() == 6
    assert db.session.execute(select(func.count()).select_from(Announcement)
                              .where(Announcement.kind == "award")).scalar_one() == 6
    assert len(published) == 1
    assert_api_error(api(org.admin).patch(f"/awards/{items[0]['id']}", json={"citation": "Later"}), 409)
    assert api(org.agent).get(url).json["published"] is True
    assert_api_error(api(org.agent).post(url, json={"publish": True}), 403)


def test_awards_wait_for_the_end_and_stay_within_the_budget(api, org, floor):
    campaign = running(org)
    assert_api_error(api(org.admin).post(f"/campaigns/{campaign.id}/awards", json={"publish": True}), 422,
                     "campaign_not_ended")
    poor = ended(org, award_budget=100)
    assert_api_error(api(org.admin).post(f"/campaigns/{poor.id}/awards", json={"publish": True}), 422,
                     "award_budget_exceeded")
    assert db.session.execute(select(func.count()).select_from(PointsEntry)).scalar_one() == 0
    assert db.session.get(Campaign, poor.id).status == "open"


def test_an_award_downloads_as_an_open_badges_credential(api, org, floor):
    campaign = ended(org, top_n=1)
    award_id = api(org.admin).post(f"/campaigns/{campaign.id}/awards", json={"publish": True}).json["items"][0]["id"]
    response = api(org.agent).get(f"/awards/{award_id}/credential")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    credential = response.json
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["type"] == ["Profile"] and credential["issuer"]["name"] == "Bravo"
    assert credential["issuer"]["id"].startswith("http")
    assert datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    assert "a1@example.com" not in response.get_data(as_text=True)
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] and achievement["description"]
    assert achievement["criteria"]["narrative"] and achievement["id"].startswith("http")
    assert "proof" not in credential  # unsigned, as documented
    assert_api_error(api(org.agent).get("/awards/999999/credential"), 404)


def test_kudos_during_the_campaign_count_in_a_kudos_dimension(api, org, floor, value):
    campaign = make_campaign(org.admin, [org.team_a], [DimensionSpec("Peers", 1, SourceSpec("kudos"))],
                             starts=local_midnight(-10), ends=local_midnight(10), now=utcnow())
    url = f"/campaigns/{campaign.id}/standings?dimension=Peers"
    assert api(org.admin).get(url).json["items"][0]["dimension"]["value"] == 0.0
    kudos_services.give_kudos(org.supervisor, value, MESSAGE, recipients=[floor[0][3]], now=utcnow())
    db.session.commit()
    top = api(org.admin).get(url).json["items"][0]
    assert (top["username"], top["dimension"]["value"]) == ("a4", 1.0)
    assert db.session.execute(select(func.count()).select_from(Award)).scalar_one() == 0
