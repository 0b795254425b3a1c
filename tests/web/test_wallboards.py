"""Wallboards: revocable links, public data only, a strong ETag and 304 after one query."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from coaching import services as coaching_services
from core.clock import org_timezone, utcnow
from core.extensions import db
from recognition import services as kudos_services
from recognition.campaigns import services
from tests.campaign_fixtures import api, floor, metrics, running  # noqa: F401
from tests.kudos_fixtures import MESSAGE, count_queries, value  # noqa: F401
from tests.web.api_asserts import assert_api_error

MARKER = f"CANARY-{uuid.uuid4().hex}"


def make_board(api, person, **body):
    response = api(person).post("/wallboards", json=body)
    assert response.status_code == 201, response.json
    return response.json


def data_path(board) -> str:
    return board["data_url"].replace("http://localhost", "")


def test_managers_make_links_for_their_campaigns_and_teams(api, org, floor):
    campaign = running(org)
    board = make_board(api, org.manager, campaign=campaign.id, label="Floor 3")
    assert board["url"].startswith("http://localhost/wallboard/") and board["campaign"] == campaign.id
    assert_api_error(api(org.supervisor).post("/wallboards", json={"campaign": campaign.id}), 403)
    assert_api_error(api(org.manager).post("/wallboards", json={"team": "Bravo Team"}), 403, fields=["team"])
    assert_api_error(api(org.manager).post("/wallboards", json={}), 400, fields=["campaign"])
    assert make_board(api, org.admin, team="Bravo Team")["team"] == "Bravo Team"
    assert [b["label"] for b in api(org.manager).get("/wallboards").json["items"]] == ["Floor 3"]
    assert len(api(org.admin).get("/wallboards").json["items"]) == 2
    assert "token" not in str(api(org.admin).get("/wallboards").json)


def test_the_board_shows_public_data_only(api, app, client, org, floor, value):
    app.config["BOARD_TOP_N"] = 2
    campaign = running(org)
    services.nominate(campaign, campaign.dimensions[2], floor[0][0], nominator=org.supervisor,
                      reason=f"{MARKER} nomination reason", now=utcnow())
    entry = coaching_services.create_entry(org.supervisor, org.agent, kind="side_by_side",
                                           occurred_on=utcnow().astimezone(org_timezone()).date(),
                                           went_well=f"{MARKER} went well", to_improve=f"{MARKER} to improve",
                                           now=utcnow())
    coaching_services.share_entry(entry, org.supervisor, now=utcnow())
    kudos_services.give_kudos(org.supervisor, value, MESSAGE, recipients=[floor[0][1]], now=utcnow())
    db.session.commit()
    board = make_board(api, org.manager, campaign=campaign.id)

    response = client.get(data_path(board))  # no sign-in
    assert response.status_code == 200, response.json
    data = response.json
    assert data["campaign"]["name"] == "3·15 service guarantee" and data["campaign"]["state"] == "running"
    assert data["countdown"] == {"target": campaign.ends_at.isoformat(), "until": "end"}
    assert [row["name"] for row in data["top"]] == ["Alpha Agent 1", "Alpha Agent 2"]
    assert set(data["top"][0]) == {"rank", "name", "team", "score"}
    [target] = data["progress"]
    assert [t["team"] for t in target["teams"]] == ["Alpha", "Bravo Team"]
    assert set(target["teams"][0]) == {"team", "value", "met", "progress"}
    assert data["ticker"][0]["message"] == MESSAGE and data["ticker"][0]["recipients"] == ["Alpha Agent 2"]
    assert set(data["ticker"][0]) == {"id", "giver", "recipients", "value", "message", "created_at"}
    text = response.get_data(as_text=True)
    assert MARKER not in text
    assert "Agent1" not in text and "agent1" not in text  # the lowest-ranked participant
    assert "@" not in text  # no e-mail address


def test_an_unchanged_board_answers_304_after_one_query_and_a_change_moves_the_etag(api, client, org, floor,
                                                                                     value):
    campaign = running(org)
    path = data_path(make_board(api, org.manager, campaign=campaign.id))
    first = client.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    with count_queries() as counter:
        cached = client.get(path, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b"" and cached.headers["ETag"] == etag
    assert counter[0] == 1

    def new_etag() -> str:
        response = client.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 200
        return response.headers["ETag"]

    kudos = kudos_services.give_kudos(org.supervisor, value, MESSAGE, recipients=[floor[0][0]], now=utcnow())
    db.session.commit()
    etag = new_etag()
    kudos_services.hide_kudos(kudos, actor=org.admin, reason="Posted twice", now=utcnow())
    db.session.commit()
    etag = new_etag()
    assert client.get(path).json["ticker"] == []
    services.nominate(campaign, campaign.dimensions[2], floor[0][1], nominator=org.supervisor, reason="Early",
                      now=utcnow())
    db.session.commit()
    etag = new_etag()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path + "?lang=zh_Hans_CN").headers["ETag"] != etag


def test_each_process_reads_a_board_once_per_recheck_window(app, api, client, org, floor, value):
    """Screens polling within the window cost no query; a change, or a revocation, reaches them once the
    window has passed (0.3 s here; a second by default)."""
    app.config["WALLBOARD_RECHECK_SECONDS"] = 0.3
    campaign = running(org)
    board = make_board(api, org.manager, campaign=campaign.id)
    path = data_path(board)
    etag = client.get(path).headers["ETag"]
    with count_queries() as counter:
        for _screen in range(5):
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert counter[0] == 0
    kudos_services.give_kudos(org.supervisor, value, MESSAGE, recipients=[floor[0][0]], now=utcnow())
    db.session.commit()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304  # within the window
    time.sleep(0.35)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["ticker"][0]["message"] == MESSAGE
    assert api(org.manager).delete(f"/wallboards/{board['id']}").status_code == 204
    time.sleep(0.35)
    assert client.get(path).status_code == 404


def test_revoked_and_unknown_links_are_404(api, client, org, floor):
    campaign = running(org)
    board = make_board(api, org.manager, campaign=campaign.id)
    page = board["url"].replace("http://localhost", "")
    assert client.get(page).status_code == 200
    assert api(org.manager).delete(f"/wallboards/{board['id']}").status_code == 204
    response = client.get(data_path(board))
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get(page).status_code == 404
    assert client.get("/wallboard/not-a-token/data").status_code == 404
    assert_api_error(api(org.agent).delete(f"/wallboards/{board['id']}"), 403)
    assert_api_error(api(org.manager).delete("/wallboards/999999"), 404)


def test_a_team_board_follows_its_campaign_or_shows_the_weeks_points(api, client, org, floor, value):
    kudos_services.give_kudos(org.other_supervisor, value, MESSAGE, points=10, recipients=[floor[1][0]],
                              now=utcnow() - timedelta(minutes=5))
    db.session.commit()
    path = data_path(make_board(api, org.admin, team="Bravo Team"))
    before = client.get(path).json
    assert before["campaign"] is None and before["board"]["team"] == "Bravo Team"
    assert before["top"] == [{"rank": 1, "name": "Bravo Agent 1", "team": "Bravo Team", "points": 10}]
    running(org)
    after = client.get(path).json
    assert after["campaign"]["name"] == "3·15 service guarantee"
    assert [row["name"] for row in after["top"]] == ["Bravo Agent 1", "Agent2"]
    assert [t["team"] for t in after["progress"][0]["teams"]] == ["Bravo Team"]


@pytest.mark.parametrize("lang", ["en", "zh_Hans_CN"])
def test_the_board_names_values_in_the_chosen_language(api, client, org, floor, value, lang):
    running(org)
    kudos_services.give_kudos(org.supervisor, value, MESSAGE, recipients=[floor[0][0]], now=utcnow())
    db.session.commit()
    path = data_path(make_board(api, org.admin, team="Alpha")) + f"?lang={lang}"
    assert client.get(path).json["ticker"][0]["value"] == ("Customer first" if lang == "en" else "客户至上")
