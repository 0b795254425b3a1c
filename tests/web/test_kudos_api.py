"""The recognition API: values, giving kudos and every rule's 422, the feed, removal, reactions,
comments, leaderboards and /me — with bounded SQL per page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from core.models import AuditEvent
from recognition import services
from recognition.models import Kudos
from tests.kudos_fixtures import MESSAGE, count_queries, forget_kept_boards, value  # noqa: F401
from tests.web.api_asserts import API, assert_api_error


@pytest.fixture
def api(client, org, token_for, value):
    """``api(person).post(path, json=...)``: the test client with the person's token."""

    class As:
        def __init__(self, person):
            self.headers = token_for(person)

        def __getattr__(self, method):
            return lambda path, **kwargs: client.open(f"{API}{path}", method=method.upper(),
                                                      headers=self.headers, **kwargs)

    return As


def kudos_body(*usernames, points=0, message=MESSAGE, value="customer-first", **extra):
    return {"recipients": list(usernames), "value": value, "message": message, "points": points, **extra}


# --- values ------------------------------------------------------------------------------------

def test_values_are_listed_in_the_callers_language(api, org, value, make_person):
    services.create_value("old", name_en="Old value", actor=None).active = False
    db.session.commit()
    response = api(org.agent).get("/values")
    assert response.status_code == 200
    assert response.json == {"items": [{"slug": "customer-first", "name": "Customer first",
                                        "description": "The customer's problem is ours."}], "next": None}
    chinese = make_person("wang", locale="zh_Hans_CN")
    assert api(chinese).get("/values").json["items"][0]["name"] == "客户至上"


def test_an_admin_adds_and_edits_values(api, org):
    response = api(org.admin).post("/values", json={"slug": "calm", "name": "Calm under pressure",
                                                    "name_zh": "临危不乱", "description": "Kept a cool head."})
    assert response.status_code == 201, response.json
    assert response.json["name_en"] == "Calm under pressure" and response.json["name_zh"] == "临危不乱"
    assert_api_error(api(org.admin).post("/values", json={"slug": "calm", "name": "Again"}), 409)
    assert_api_error(api(org.admin).post("/values", json={"slug": "Bad Slug", "name": "X"}), 400,
                     fields=["slug"])
    assert_api_error(api(org.supervisor).post("/values", json={"slug": "x1", "name": "X"}), 403)
    response = api(org.admin).patch("/values/calm", json={"active": False})
    assert response.status_code == 200 and response.json["active"] is False
    assert [v["slug"] for v in api(org.agent).get("/values").json["items"]] == ["customer-first"]
    assert_api_error(api(org.admin).patch("/values/nope", json={"active": False}), 404)


# --- giving and the rules ----------------------------------------------------------------------

def test_giving_kudos_returns_the_kudos(api, org):
    response = api(org.agent).post("/kudos", json=kudos_body("agent2", points=10))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["giver"] == {"username": "agent1", "name": "Agent1"}
    assert body["recipients"] == [{"username": "agent2", "name": "Agent2"}]
    assert body["value"] == {"slug": "customer-first", "name": "Customer first"}
    assert (body["message"], body["points"], body["by_supervisor"]) == (MESSAGE, 10, False)
    assert body["team"] is None
    assert body["created_at"].endswith("+00:00")
    assert api(org.supervisor).post("/kudos", json=kudos_body("agent1")).json["by_supervisor"] is True


def test_a_team_kudos_splits_the_points(api, org, make_person):
    make_person("agent3", team=org.team_b)
    response = api(org.agent).post("/kudos", json={"team": "Bravo Team", "value": "customer-first",
                                                   "message": MESSAGE, "points": 7})
    assert response.status_code == 201, response.json
    assert response.json["team"] == "Bravo Team"
    assert (response.json["points"], response.json["points_each"]) == (6, 2)
    assert {r["username"] for r in response.json["recipients"]} == {"agent2", "agent3", "super2"}


@pytest.mark.parametrize("case, body, code", [
    ("self", kudos_body("agent1"), "self_kudos"),
    ("short", kudos_body("agent2", message="Thanks!"), "message_too_short"),
    ("budget", kudos_body("agent2", "super1", points=102), "over_budget"),
    ("pair cap", kudos_body("agent2", points=51), "pair_cap"),
])
def test_every_broken_rule_is_a_422_with_its_code(api, org, case, body, code):
    assert_api_error(api(org.agent).post("/kudos", json=body), 422, code)
    assert db.session.execute(select(func.count()).select_from(Kudos)).scalar_one() == 0


def test_over_budget_after_spending_and_pair_cap_across_kudos(api, org, make_person):
    others = [make_person(f"mate{i}", team=org.team_a) for i in range(2)]
    assert api(org.agent).post("/kudos", json=kudos_body("agent2", points=30)).status_code == 201
    assert api(org.agent).post("/kudos", json=kudos_body("agent2", points=20)).status_code == 201
    assert_api_error(api(org.agent).post("/kudos", json=kudos_body("agent2", points=1)), 422, "pair_cap")
    assert api(org.agent).post("/kudos", json=kudos_body("mate0", points=50)).status_code == 201
    error = assert_api_error(api(org.agent).post("/kudos", json=kudos_body(others[1].username, points=1)),
                             422, "over_budget", fields=["points"])
    assert "0" in error["message"]


def test_unusable_values_and_recipients(api, org, value, make_team):
    assert_api_error(api(org.agent).post("/kudos", json=kudos_body("nobody")), 404, fields=["recipients"])
    assert_api_error(api(org.agent).post("/kudos", json=kudos_body("agent2", value="nope")), 404,
                     fields=["value"])
    value.active = False
    db.session.commit()
    assert_api_error(api(org.agent).post("/kudos", json=kudos_body("agent2")), 422, "inactive_value")
    value.active = True
    org.other_agent.active = False
    db.session.commit()
    assert_api_error(api(org.agent).post("/kudos", json=kudos_body("agent2")), 422, "inactive_recipient")
    make_team("Solo", supervisors=[org.admin])
    lonely = {"team": "Solo", "value": "customer-first", "message": MESSAGE}
    assert_api_error(api(org.agent).post("/kudos", json=lonely), 422, "no_recipients")
    assert_api_error(api(org.agent).post("/kudos", json={**lonely, "team": "Nope"}), 404, fields=["team"])


@pytest.mark.parametrize("body, field", [
    ({"recipients": ["agent2"], "message": MESSAGE}, "value"),
    (kudos_body("agent2", points=-1), "points"),
    (kudos_body("agent2", points="ten"), "points"),
    (kudos_body(), "recipients"),
    (kudos_body("agent2", team="Alpha"), "recipients"),
])
def test_malformed_kudos_are_400(api, org, body, field):
    assert_api_error(api(org.agent).post("/kudos", json=body), 400, fields=[field])


# --- removal -----------------------------------------------------------------------------------

def give_via_api(api, giver, *usernames, points=5) -> int:
    response = api(giver).post("/kudos", json=kudos_body(*usernames, points=points))
    assert response.status_code == 201, response.json
    return response.json["id"]


def backdate(kudos_id: int, minutes: int) -> None:
    kudos = db.session.get(Kudos, kudos_id)
    kudos.created_at = kudos.created_at - timedelta(minutes=minutes)
    db.session.commit()


def test_the_giver_deletes_within_the_window_and_is_refunded(api, org):
    kudos_id = give_via_api(api, org.agent, "agent2", points=40)
    assert api(org.agent).get("/me").json["giving_budget_left"] == 60
    assert api(org.other_agent).get("/me").json["points_balance"] == 40
    backdate(kudos_id, 9)
    response = api(org.agent).delete(f"/kudos/{kudos_id}")
    assert response.status_code == 204
    assert api(org.agent).get("/me").json["giving_budget_left"] == 100
    assert api(org.other_agent).get("/me").json["points_balance"] == 0
    assert_api_error(api(org.agent).get(f"/kudos/{kudos_id}"), 404)


def test_the_giver_cannot_delete_after_the_window(api, org):
    kudos_id = give_via_api(api, org.agent, "agent2")
    backdate(kudos_id, 11)
    assert_api_error(api(org.agent).delete(f"/kudos/{kudos_id}"), 422, "retract_window_closed")


def test_an_admin_hides_with_a_reason_only(api, org):
    kudos_id = give_via_api(api, org.agent, "agent2", points=20)
    assert_api_error(api(org.admin).delete(f"/kudos/{kudos_id}"), 400, fields=["reason"])
    assert_api_error(api(org.admin).delete(f"/kudos/{kudos_id}", json={"reason": " "}), 400,
                     fields=["reason"])
    response = api(org.admin).delete(f"/kudos/{kudos_id}", json={"reason": "Personal remark"})
    assert response.status_code == 204
    assert api(org.agent).get("/me").json["giving_budget_left"] == 80  # not refunded
    assert api(org.other_agent).get("/me").json["points_balance"] == 0
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "kudos.hide")).scalar_one()
    assert api(org.agent).get("/kudos").json["items"] == []
    other = give_via_api(api, org.agent, "agent2", points=0)
    assert api(org.admin).delete(f"/kudos/{other}?reason=spam").status_code == 204


def test_others_may_not_delete(api, org):
    kudos_id = give_via_api(api, org.agent, "agent2")
    assert_api_error(api(org.other_agent).delete(f"/kudos/{kudos_id}"), 403)
    assert_api_error(api(org.supervisor).delete(f"/kudos/{kudos_id}"), 403)
    assert_api_error(api(org.agent).delete("/kudos/999999"), 404)


# --- reactions and comments ----------------------------------------------------------------------

def test_applause_once_per_person(api, org):
    kudos_id = give_via_api(api, org.agent, "agent2")
    response = api(org.supervisor).post(f"/kudos/{kudos_id}/reactions", json={"kind": "applause"})
    assert response.status_code == 201 and response.json == {"kind": "applause", "applause": 1}
    assert_api_error(api(org.supervisor).post(f"/kudos/{kudos_id}/reactions", json={"kind": "applause"}),
                     409, "already_reacted")
    assert api(org.other_agent).post(f"/kudos/{kudos_id}/reactions", json={}).json["applause"] == 2
    assert_api_error(api(org.agent).post(f"/kudos/{kudos_id}/reactions", json={"kind": "boo"}), 400,
                     fields=["kind"])
    assert_api_error(api(org.agent).post("/kudos/999999/reactions", json={}), 404)
    item = api(org.supervisor).get(f"/kudos/{kudos_id}").json
    assert (item["applause"], item["applauded"]) == (2, True)
    assert api(org.supervisor).delete(f"/kudos/{kudos_id}/reactions").status_code == 204
    assert api(org.supervisor).get(f"/kudos/{kudos_id}").json["applause"] == 1


def test_comments_are_short_and_shown_with_the_kudos(api, org):
    kudos_id = give_via_api(api, org.agent, "agent2")
    response = api(org.other_agent).post(f"/kudos/{kudos_id}/comments", json={"text": "  谢谢！ "})
    assert response.status_code == 201
    assert response.json["text"] == "谢谢！" and response.json["author"]["username"] == "agent2"
    assert_api_error(api(org.agent).post(f"/kudos/{kudos_id}/comments", json={"text": "x" * 501}), 400,
                     fields=["text"])
    assert_api_error(api(org.agent).post(f"/kudos/{kudos_id}/comments", json={"text": "   "}), 400,
                     fields=["text"])
    item = api(org.supervisor).get(f"/kudos/{kudos_id}").json
    assert item["comment_count"] == 1 and [c["text"] for c in item["comments"]] == ["谢谢！"]


# --- the feed ------------------------------------------------------------------------------------

def test_feed_filters_and_cursor_pagination(api, org, make_person, value):
    calm = services.create_value("calm", name_en="Calm under pressure", actor=None)
    db.session.commit()
    mate = make_person("mate", team=org.team_a)
    ids = [give_via_api(api, org.agent, "agent2"), give_via_api(api, org.other_agent, "mate"),
           give_via_api(api, org.supervisor, "agent1", "agent2")]
    api(org.agent).post("/kudos", json=kudos_body("mate", value="calm"))
    feed = api(org.agent).get("/kudos").json
    assert [k["id"] for k in feed["items"]][1:] == ids[::-1] and feed["next"] is None

    def ids_of(query):
        response = api(org.agent).get(f"/kudos?{query}")
        assert response.status_code == 200, response.json
        return [k["id"] for k in response.json["items"]]

    assert ids_of("recipient=agent2") == [ids[2], ids[0]]
    assert ids_of("giver=agent2") == [ids[1]]
    assert len(ids_of("value=calm")) == 1 and ids[0] not in ids_of("value=calm")
    assert ids_of("team=Bravo%20Team") == [ids[2], ids[0]]  # kudos to its members
    assert len(ids_of("team=Alpha")) == 3 and ids[0] not in ids_of("team=Alpha")
    later = (utcnow() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert ids_of(f"since={later}") == []
    assert_api_error(api(org.agent).get("/kudos?team=Nope"), 404, fields=["team"])
    assert_api_error(api(org.agent).get("/kudos?recipient=nope"), 404, fields=["recipient"])

    seen, cursor = [], None
    while True:
        response = api(org.agent).get("/kudos?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += [k["id"] for k in response.json["items"]]
        cursor = response.json["next"]
        if cursor is None:
            break
    assert seen == [k["id"] for k in feed["items"]]
    assert_api_error(api(org.agent).get("/kudos?cursor=garbage"), 400, fields=["cursor"])
    assert_api_error(api(org.agent).get("/kudos?limit=101"), 400, fields=["limit"])


def test_the_mixed_feed_announces_badges(api, org):
    give_via_api(api, org.agent, "agent2")
    items = api(org.agent).get("/feed").json["items"]
    assert [i["type"] for i in items] == ["announcement", "announcement", "kudos"]
    titles = {(i["announcement"]["person"]["username"], i["announcement"]["title"]) for i in items[:2]}
    assert titles == {("agent1", "First kudos given"), ("agent2", "First kudos received")}


def test_the_feed_takes_the_same_number_of_queries_for_5_and_40_kudos(api, org, client, make_person):
    people = [make_person(f"fan{i}", team=org.team_a) for i in range(6)]
    headers = api(org.supervisor).headers

    def feed_queries() -> int:
        client.get(f"{API}/me", headers=headers)  # the token's first use of the minute is recorded
        forget_kept_boards()
        with count_queries() as counter:
            response = client.get(f"{API}/kudos?limit=50", headers=headers)
        assert response.status_code == 200
        return counter[0], len(response.json["items"])

    def give_many(n):
        for i in range(n):
            kudos = services.give_kudos(people[i % 6], services.require_value("customer-first"), MESSAGE, 0,
                                        recipients=[people[(i + 1) % 6], people[(i + 2) % 6]], now=utcnow())
            services.react(kudos, org.agent, now=utcnow())
            services.add_comment(kudos, org.admin, "Well done", now=utcnow())
        db.session.commit()

    give_many(5)
    few, shown = feed_queries()
    assert shown == 5
    give_many(35)
    many, shown = feed_queries()
    assert shown == 40
    assert few == many <= 8


def test_the_mixed_feed_takes_a_bounded_number_of_queries(api, org, client, make_person):
    people = [make_person(f"fan{i}", team=org.team_a) for i in range(8)]
    headers = api(org.supervisor).headers
    counts = []
    for n in (4, 8):
        for i in range(n):
            services.give_kudos(people[i], services.require_value("customer-first"), MESSAGE, 0,
                                recipients=[people[(i + 1) % 8]], now=utcnow())
        db.session.commit()
        client.get(f"{API}/me", headers=headers)  # the token's first use of the minute is recorded
        forget_kept_boards()
        with count_queries() as counter:
            response = client.get(f"{API}/feed?limit=100", headers=headers)
        assert response.status_code == 200
        counts.append(counter[0])
    assert counts[0] == counts[1] <= 10


# --- leaderboard and /me -------------------------------------------------------------------------

def test_leaderboard_api(api, org, make_person):
    fans = [make_person(f"fan{i}", team=org.team_a) for i in range(3)]
    giver = make_person("rich", role="manager")
    for fan, points in zip(fans, (30, 20, 20)):
        give_via_api(api, giver, fan.username, points=points)
    give_via_api(api, giver, "agent2", points=5)
    response = api(org.other_agent).get("/leaderboard?period=month&limit=3")
    assert response.status_code == 200
    assert response.json["items"] == [
        {"rank": 1, "username": "fan0", "name": "Fan0", "points": 30},
        {"rank": 2, "username": "fan1", "name": "Fan1", "points": 20},
        {"rank": 2, "username": "fan2", "name": "Fan2", "points": 20},
    ]
    assert response.json["me"] == {"rank": 4, "points": 5}
    assert api(org.agent).get("/leaderboard?period=week").json["me"] is None
    teams = api(org.agent).get("/leaderboard?period=week&scope=teams").json
    assert teams["items"] == [{"rank": 1, "team": "Alpha", "name": "Alpha", "points": 70},
                              {"rank": 2, "team": "Bravo Team", "name": "Bravo Team", "points": 5}]
    assert teams["me"] == {"rank": 1, "points": 70}
    assert [r["username"] for r in api(org.agent).get("/leaderboard?team=Bravo%20Team").json["items"]] == [
        "agent2"]
    assert_api_error(api(org.agent).get("/leaderboard?period=campaign"), 404, fields=["campaign"])
    assert_api_error(api(org.agent).get("/leaderboard?period=year"), 400, fields=["period"])
    assert_api_error(api(org.agent).get("/leaderboard?limit=51"), 400, fields=["limit"])
    assert_api_error(api(org.agent).get("/leaderboard?team=Nope"), 404, fields=["team"])


def test_the_leaderboard_takes_the_same_number_of_queries_for_5_and_40_people(api, org, client, make_person):
    giver = make_person("rich", role="admin")
    headers = api(org.agent).headers
    counts = []
    for start, stop in ((0, 5), (5, 40)):
        for i in range(start, stop):
            services.give_kudos(giver, services.require_value("customer-first"), MESSAGE, 1 + i % 7,
                                recipients=[make_person(f"star{i}", team=org.team_a)], now=utcnow())
        db.session.commit()
        client.get(f"{API}/me", headers=headers)  # the token's first use of the minute is recorded
        forget_kept_boards()
        with count_queries() as counter:
            response = client.get(f"{API}/leaderboard?period=month&limit=50", headers=headers)
        assert len(response.json["items"]) == stop
        counts.append(counter[0])
    assert counts[0] == counts[1] <= 6


def test_me_has_points_and_budget(api, org):
    me = api(org.agent).get("/me").json
    assert (me["points_balance"], me["giving_budget_left"]) == (0, 100)
    assert api(org.supervisor).get("/me").json["giving_budget_left"] == 300
