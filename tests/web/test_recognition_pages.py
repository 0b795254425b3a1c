"""The recognition pages: giving kudos (each rule's message on its field), the feed and its filters, applause,
comments, retracting and hiding, profiles, leaderboards, the fairness report, exports and the values admin."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from core.models import AuditEvent
from recognition import services
from recognition.ledger import period_keys
from recognition.models import Kudos, Reaction, Value
from tests.kudos_fixtures import MESSAGE, value  # noqa: F401


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field: str) -> str:
    """The error shown under a form field (``<small id="FIELD-error">``), or ``""``."""
    match = re.search(rf'<small id="{field}-error" class="field-error">(.*?)</small>', html, re.S)
    return match.group(1).strip() if match else ""


def kudos_count() -> int:
    return db.session.execute(select(func.count()).select_from(Kudos)).scalar_one()


@pytest.fixture
def give(value):
    """Kudos given now through the service: ``give(giver, *people, points=, message=, at=)``."""

    def give_(giver, *people, points=0, message=MESSAGE, at=None, value_=None, team=None):
        kudos = services.give_kudos(giver, value_ or value, message, points, recipients=list(people),
                                    team=team, now=at or utcnow())
        db.session.commit()
        return kudos

    return give_


def set_clock(monkeypatch, moment):
    monkeypatch.setattr("recognition.views.utcnow", lambda: moment)


# --- giving kudos ------------------------------------------------------------------------------

def test_giving_kudos_on_the_page(client, org, login_as, value):
    login_as(org.agent)
    page = text_of(client.get("/kudos/new"))
    assert "You have 100 of your 100 points left this month." in page
    assert 'data-search-url="/api/v1/people/search"' in page

    response = client.post("/kudos/new", data={"recipients": ["agent2", "super1"], "value": "customer-first",
                                               "message": MESSAGE, "points": "10"})
    assert response.status_code == 302 and response.headers["Location"] == "/kudos"
    kudos = db.session.execute(select(Kudos)).scalar_one()
    assert sorted(r.person.username for r in kudos.recipients) == ["agent2", "super1"]
    assert (kudos.points, kudos.points_each, kudos.giver_id) == (10, 5, org.agent.id)

    feed = text_of(client.get("/kudos"))
    assert "Kudos sent to" in feed and MESSAGE in feed
    assert "You have 90 of your 100 points left this month." in text_of(client.get("/kudos/new"))


def test_without_the_picker_usernames_go_in_one_text_box(client, org, login_as, value):
    login_as(org.agent)
    response = client.post("/kudos/new", data={"recipients": "agent2, super1", "value": "customer-first",
                                               "message": MESSAGE})
    assert response.status_code == 302
    assert len(db.session.execute(select(Kudos)).scalar_one().recipients) == 2


def test_a_whole_team_gets_kudos(client, org, login_as, value, make_person):
    make_person("agent3", team=org.team_b)
    login_as(org.agent)
    response = client.post("/kudos/new", data={"team": "Bravo Team", "value": "customer-first",
                                               "message": MESSAGE, "points": "9"})
    assert response.status_code == 302
    kudos = db.session.execute(select(Kudos)).scalar_one()
    assert sorted(r.person.username for r in kudos.recipients) == ["agent2", "agent3", "super2"]
    assert kudos.points == 9


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"recipients": "agent1"}, "recipients", "You cannot give kudos to yourself."),
    ({"recipients": "nobody"}, "recipients", "No one has the username nobody."),
    ({"recipients": ""}, "recipients", "Choose one or more people, or one team."),
    ({"team": "Alpha"}, "recipients", "Choose one or more people, or one team."),
    ({"message": "Thanks!"}, "message", "Say what was done: at least 20 characters."),
    ({"points": "500"}, "points", "This needs 500 points but only 100 of your 100 are left this month."),
    ({"points": "60"}, "points", "Agent2 can receive at most 50 points from you a month; 50 left."),
    ({"points": "-1"}, "points", "Number must be at least 0."),
    ({"value": ""}, "value", "Choose a value."),
    ({"value": "retired"}, "value", "The value Retired is no longer in use."),
    ({"value": "no-such"}, "value", "No value has the slug no-such."),
])
def test_each_broken_rule_is_shown_beside_its_field(client, org, login_as, value, data, field, message):
    services.create_value("retired", name_en="Retired", actor=None).active = False
    db.session.commit()
    login_as(org.agent)
    form = {"recipients": "agent2", "value": "customer-first", "message": MESSAGE, "points": "0", **data}
    response = client.post("/kudos/new", data=form)
    assert response.status_code == 200
    assert field_error(text_of(response), field) == message
    assert kudos_count() == 0


def test_a_team_with_no_one_else_is_refused_on_the_team_field(client, make_team, make_person, login_as,
                                                              value):
    alone = make_person("alone", team=make_team("Solo"))
    login_as(alone)
    response = client.post("/kudos/new", data={"team": "Solo", "value": "customer-first", "message": MESSAGE})
    assert field_error(text_of(response), "team") == "The team has no one else to thank."


def test_the_minimum_message_length_is_configurable(app, client, org, login_as, value):
    app.config["KUDOS_MIN_MESSAGE_LENGTH"] = 80
    login_as(org.agent)
    response = client.post("/kudos/new", data={"recipients": "agent2", "value": "customer-first",
                                               "message": MESSAGE})
    assert field_error(text_of(response), "message") == "Say what was done: at least 80 characters."
    assert 'data-min-length="80"' in text_of(response)


def test_chosen_people_come_back_as_chips_after_an_error(client, org, login_as, value):
    login_as(org.agent)
    page = text_of(client.post("/kudos/new", data={"recipients": ["agent2", "ghost"],
                                                     "value": "customer-first", "message": "short"}))
    chosen = json.loads(re.search(r'data-chosen="([^"]*)"', page).group(1).replace("&#34;", '"'))
    assert chosen == [["agent2", "Agent2"], ["ghost", "ghost"]]


def test_the_picker_api_finds_people_with_public_fields_and_their_team(client, org, login_as, make_person):
    make_person("zhang.san", name="张三 Zhang San", team=org.team_a)
    login_as(org.agent)
    response = client.get("/api/v1/people/search?q=zs&limit=5")
    assert response.status_code == 200
    assert response.json == {"items": [{"username": "zhang.san", "name": "张三 Zhang San", "team": "Alpha"}],
                             "next": None}
    assert client.get("/api/v1/people/search?q=").json["items"] == []
    assert client.get("/api/v1/people/search?q=a&limit=51").status_code == 400


# --- the feed ----------------------------------------------------------------------------------

def test_the_feed_filters_by_team_person_and_value(client, org, login_as, give):
    other = services.create_value("calm", name_en="Calm under pressure", actor=None)
    db.session.commit()
    now = utcnow()
    give(org.supervisor, org.agent, message="Alpha kudos: you closed the refund backlog.",
         at=now - timedelta(hours=2))
    give(org.agent, org.other_agent, message="Bravo kudos: you calmed the angry caller down.", value_=other,
         at=now - timedelta(hours=1))
    login_as(org.agent)

    everyone = text_of(client.get("/kudos"))
    assert everyone.index("Bravo kudos") < everyone.index("Alpha kudos")  # newest first
    mine = text_of(client.get("/kudos?show=team"))
    assert "Alpha kudos" in mine and "Bravo kudos" not in mine
    to_person = text_of(client.get("/kudos?person=agent2"))
    assert "Bravo kudos" in to_person and "Alpha kudos" not in to_person
    in_value = text_of(client.get("/kudos?value=calm"))
    assert "Bravo kudos" in in_value and "Alpha kudos" not in in_value
    assert client.get("/kudos?person=ghost").status_code == 404


def test_supervisor_kudos_are_marked_and_badges_are_announced(client, org, login_as, give):
    give(org.supervisor, org.agent, message="From the team lead: a model call with a hard customer.")
    give(org.other_agent, org.agent, message="From a peer: thanks for covering my lunch queue.")
    login_as(org.agent)
    page = text_of(client.get("/kudos"))
    cards = page.split('data-testid="kudos-card"')[1:]
    lead_card = next(card for card in cards if "From the team lead" in card)
    peer_card = next(card for card in cards if "From a peer" in card)
    assert 'data-testid="supervisor-kudos"' in lead_card and "supervisor-kudos" not in peer_card
    assert "earned the badge <strong>First kudos received</strong>" in page


def test_load_more_follows_the_cursor(client, org, login_as, give):
    start = utcnow() - timedelta(hours=1)
    for i in range(25):
        give(org.supervisor, org.agent, message=f"Kudos number {i:02d} for a job well done.",
             at=start + timedelta(seconds=i))
    login_as(org.other_agent)
    first = text_of(client.get("/kudos?show=all"))
    assert first.count('data-testid="kudos-card"') + first.count('data-testid="announcement"') == 20
    assert "Kudos number 24" in first and "Kudos number 04" not in first
    more = re.search(r'href="(/kudos\?[^"]*cursor=[^"]+)" data-load-more', first).group(1)
    more = more.replace("&amp;", "&")
    assert "show=all" in more

    rest = text_of(client.get(more + "&fragment=1"))
    assert "<html" not in rest and "Kudos number 00" in rest and "Kudos number 24" not in rest
    assert "data-load-more" not in rest
    assert "<html" in text_of(client.get(more))  # without a script, the next page itself
    assert client.get("/kudos?_scheme=javascript&_external=1").status_code == 200  # not url_for's options
    assert client.get("/kudos?cursor=not-a-cursor").status_code == 400


def test_applause_once_per_person_and_withdrawn(client, org, login_as, give):
    kudos = give(org.supervisor, org.agent)
    login_as(org.other_agent)
    back = "/kudos#kudos-%d" % kudos.id
    response = client.post(f"/kudos/{kudos.id}/applause", data={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    client.post(f"/kudos/{kudos.id}/applause", data={"next": back})
    assert db.session.execute(select(func.count()).select_from(Reaction)).scalar_one() == 1
    page = text_of(client.get("/kudos"))
    assert "You have applauded this already." in page
    assert 'aria-pressed="true"' in page
    assert '<span class="count" data-testid="applause-count">1</span>' in page

    client.post(f"/kudos/{kudos.id}/applause", data={"undo": "1"})
    assert db.session.execute(select(func.count()).select_from(Reaction)).scalar_one() == 0
    assert client.post(f"/kudos/{kudos.id}/applause", data={"next": "https://evil.example/"}).headers[
        "Location"] == f"/kudos/{kudos.id}"


def test_comments(client, org, login_as, give):
    kudos = give(org.supervisor, org.agent)
    login_as(org.other_agent)
    response = client.post(f"/kudos/{kudos.id}/comments", data={"text": "Well deserved!"})
    assert response.status_code == 302 and response.headers["Location"] == f"/kudos/{kudos.id}#comments"
    page = text_of(client.get(f"/kudos/{kudos.id}"))
    assert "Well deserved!" in page and "Agent2" in page
    assert "1 comment" in text_of(client.get("/kudos"))

    refused = client.post(f"/kudos/{kudos.id}/comments", data={"text": "   "})
    assert field_error(text_of(refused), "text") == "Write a comment."
    assert client.post("/kudos/999999/comments", data={"text": "Hello"}).status_code == 404


def test_the_giver_retracts_within_the_window_only(client, org, login_as, give, monkeypatch):
    now = utcnow()
    kudos = give(org.agent, org.other_agent, points=20, at=now)
    login_as(org.other_agent)
    assert 'data-testid="retract"' not in text_of(client.get("/kudos"))
    client.post(f"/kudos/{kudos.id}/retract")
    assert "Only the giver can take kudos back." in text_of(client.get("/kudos"))

    login_as(org.agent)
    set_clock(monkeypatch, now + timedelta(minutes=11))
    assert 'data-testid="retract"' not in text_of(client.get("/kudos"))
    client.post(f"/kudos/{kudos.id}/retract")
    assert "Kudos can be taken back only within 10 minutes of giving them." in text_of(client.get("/kudos"))
    assert db.session.get(Kudos, kudos.id).retracted_at is None

    set_clock(monkeypatch, now + timedelta(minutes=9))
    assert 'data-testid="retract"' in text_of(client.get("/kudos"))
    response = client.post(f"/kudos/{kudos.id}/retract")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Kudos, kudos.id).retracted_at is not None
    assert services.giving_budget_left(org.agent, now=now) == 100
    assert MESSAGE not in text_of(client.get("/kudos"))


def test_an_admin_hides_a_kudos_with_a_reason(client, org, login_as, give):
    kudos = give(org.agent, org.other_agent, points=10)
    login_as(org.supervisor)
    assert client.post(f"/kudos/{kudos.id}/hide", data={"reason": "Spam"}).status_code == 403

    login_as(org.admin)
    assert 'action="/kudos/%d/hide"' % kudos.id in text_of(client.get("/kudos"))
    refused = client.post(f"/kudos/{kudos.id}/hide", data={"reason": "  "})
    assert field_error(text_of(refused), "reason") == "Give a reason for hiding this kudos."
    assert db.session.get(Kudos, kudos.id).hidden_at is None

    response = client.post(f"/kudos/{kudos.id}/hide", data={"reason": "Not about work"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Kudos, kudos.id).hidden_reason == "Not about work"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "kudos.hide")).scalar_one()
    assert event.actor_id == org.admin.id and event.detail["reason"] == "Not about work"
    assert MESSAGE not in text_of(client.get("/kudos"))
    assert client.get(f"/kudos/{kudos.id}").status_code == 404


# --- profiles and boards -----------------------------------------------------------------------

def test_a_profile_shows_badges_points_level_and_the_chart(client, org, login_as, give):
    other = services.create_value("calm", name_en="Calm under pressure", actor=None)
    db.session.commit()
    give(org.supervisor, org.agent, points=40, message="Kept the queue calm during the outage.")
    give(org.other_agent, org.agent, points=20, value_=other,
         message="Helped me with a furious caller today.")
    give(org.agent, org.other_agent, message="Thanks for the handover notes this morning.")
    login_as(org.other_agent)
    page = text_of(client.get("/people/agent1"))

    assert re.search(r'data-testid="profile-points">60<', page)
    assert re.search(r'data-testid="profile-level">2<', page)  # level 2 from 50 points
    assert "First kudos received" in page and "First kudos given" in page
    assert "2 received · 1 given" in page
    assert "Kept the queue calm" in page and "Thanks for the handover notes" in page
    chart = json.loads(re.search(r'<script type="application/json" id="value-chart-data">(.*?)</script>',
                                 page, re.S).group(1))
    assert len(chart["labels"]) == 12
    datasets = {d["label"]: d["data"] for d in chart["datasets"]}
    assert datasets == {"Customer first": [0] * 11 + [1], "Calm under pressure": [0] * 11 + [1]}
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert client.get("/people/nobody").status_code == 404


@pytest.fixture
def agent1_fourth(app, org, give, make_person):
    """``agent1_fourth(team)``: a board of 3 whose top is three stars of ``team``, and agent1 at #4 with 5 points."""

    def make(team):
        app.config["BOARD_TOP_N"] = 3
        for i in range(3):
            give(team.supervisors[0], make_person(f"star{i}", team=team), points=30 + i)
        give(org.other_supervisor, org.agent, points=5)

    return make


def test_a_low_rank_is_shown_to_its_owner_only(client, org, login_as, agent1_fourth):
    agent1_fourth(org.team_a)

    login_as(org.agent)
    board = text_of(client.get("/leaderboard"))
    assert "You are #4 with 5 points. Only you see this." in board
    assert "/people/agent1" not in board
    profile = text_of(client.get("/people/agent1"))
    assert 'data-testid="profile-rank"' in profile and "#4" in profile

    login_as(org.other_agent)
    board = text_of(client.get("/leaderboard"))
    assert "Agent1" not in board and "#4" not in board and 'data-testid="own-rank-people"' not in board
    assert 'data-testid="profile-rank"' not in text_of(client.get("/people/agent1"))
    assert 'data-testid="profile-rank"' in text_of(client.get("/people/star2"))  # in the public top


def test_a_low_rank_is_shown_to_the_persons_supervisor_too(client, org, login_as, agent1_fourth, make_person):
    agent1_fourth(org.team_b)
    quiet = make_person("quiet", team=org.team_a, name="Quiet One")

    login_as(org.supervisor)  # leads Alpha: agent1 (#4) and quiet (no points)
    ranks = text_of(client.get("/leaderboard?period=month")).split('data-testid="led-ranks"')[1].split("</table>")[0]
    assert re.search(r"<td>4</td>\s*<td><a href=\"/people/agent1\">Agent1</a></td>\s*<td class=\"number\">5</td>",
                     ranks)
    assert "Quiet One" in ranks and "No points yet" in ranks
    assert ranks.index("Agent1") < ranks.index(quiet.name) and "star" not in ranks  # only the people they lead

    login_as(org.other_supervisor)  # leads Bravo Team: not agent1
    assert "/people/agent1" not in text_of(client.get("/leaderboard?period=month")).split(
        'data-testid="led-ranks"')[1]
    for viewer in (org.agent, org.other_agent):
        login_as(viewer)
        assert 'data-testid="led-ranks"' not in text_of(client.get("/leaderboard?period=month"))


def test_the_leaderboard_shows_people_and_teams_for_the_week_and_the_month(client, org, login_as, give):
    now = utcnow()
    week_key, month_key = period_keys(now)
    give(org.supervisor, org.agent, points=30, at=now)
    login_as(org.other_agent)
    for period in ("week", "month"):
        page = text_of(client.get(f"/leaderboard?period={period}"))
        people = page.split('data-testid="board-people"')[1].split("</table>")[0]
        teams = page.split('data-testid="board-teams"')[1].split("</table>")[0]
        assert "Agent1" in people and ">30<" in people
        assert "Alpha" in teams and ">30<" in teams
    assert client.get("/leaderboard?period=campaign").status_code == 200  # falls back to the week


def test_the_home_panel_shows_the_budget_the_latest_and_ones_rank(client, org, login_as, give):
    give(org.agent, org.other_agent, points=15, message="Thank you for the cover on the late shift.")
    login_as(org.agent)
    home = text_of(client.get("/"))
    assert re.search(r'data-testid="home-budget-left">85<', home)
    assert 'href="/kudos/new"' in home and "Agent1 to Agent2" in home
    assert 'data-testid="home-rank"' not in home  # no points of one's own
    for label in ("Kudos", "Leaderboard"):
        assert f">{label}</a>" in home
    assert "/admin/values" not in home

    login_as(org.other_agent)
    assert 'data-testid="home-rank"' in text_of(client.get("/"))
    login_as(org.admin)
    home = text_of(client.get("/"))
    assert 'href="/admin/values"' in home and 'href="/admin/fairness"' in home


# --- admin: fairness, exports, values ------------------------------------------------------------

def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(text_of(response).lstrip("\ufeff"))))


def test_the_fairness_report_and_its_csv(client, org, login_as, give, make_person):
    quiet = make_person("quiet", name="Quiet Person", team=org.team_a)
    give(org.agent, org.other_agent, points=20)       # agent1 and agent2 give only to each other
    give(org.other_agent, org.agent, points=15)
    give(org.supervisor, org.other_supervisor, points=10)  # super1 ↔ super2, but mostly to others
    give(org.other_supervisor, org.supervisor, points=5)
    give(org.supervisor, org.agent, points=50)
    give(org.supervisor, org.manager, points=50)

    login_as(org.admin)
    page = text_of(client.get("/admin/fairness"))
    pairs = page.split('data-testid="pairs"')[1].split("</table>")[0]
    assert "Agent1" in pairs and "Agent2" in pairs and "Super1" not in pairs
    unrecognised = page.split('data-testid="unrecognised"')[1].split("</table>")[0]
    assert "Quiet Person" in unrecognised and "Never" in unrecognised and ">Agent1<" not in unrecognised
    assert "Customer first" in page.split('data-testid="value-usage"')[1]

    rows = csv_rows(client.get("/admin/fairness.csv?part=pairs"))
    assert rows == [{"person_a": "agent1", "name_a": "Agent1", "person_b": "agent2", "name_b": "Agent2",
                     "points_a_to_b": "20", "points_b_to_a": "15", "share_a_percent": "100",
                     "share_b_percent": "100"}]
    usernames = {row["username"] for row in csv_rows(client.get("/admin/fairness.csv?part=unrecognised"))}
    assert quiet.username in usernames and "agent1" not in usernames and "admin1" in usernames
    values = csv_rows(client.get("/admin/fairness.csv?part=values"))
    assert values == [{"value": "customer-first", "name_en": "Customer first", "name_zh": "客户至上",
                       "kudos": "6", "points": "150", "givers": "4", "share_percent": "100"}]
    assert client.get("/admin/fairness.csv?part=secrets").status_code == 404

    login_as(org.manager)
    assert client.get("/admin/fairness").status_code == 403
    assert client.get("/admin/fairness.csv?part=pairs").status_code == 403


def test_kudos_export(client, org, login_as, give):
    now = utcnow()
    shown = give(org.agent, org.other_agent, points=10,
                 message="=HYPERLINK(\"x\") thanks for the great call!")
    hidden = give(org.supervisor, org.agent, points=5)
    services.hide_kudos(hidden, actor=org.admin, reason="Duplicate", now=now)
    give(org.supervisor, org.agent, at=now - timedelta(days=70), message="An old kudos from two months ago.")
    db.session.commit()

    login_as(org.agent)
    assert client.get("/admin/kudos.csv").status_code == 403
    login_as(org.admin)
    rows = csv_rows(client.get("/admin/kudos.csv"))
    assert len(rows) == 3
    first = next(row for row in rows if row["id"] == str(shown.id))
    assert (first["giver"], first["recipients"], first["value"]) == ("agent1", "agent2", "customer-first")
    assert first["message"].startswith("'=HYPERLINK")  # a spreadsheet does not run it
    assert (first["points"], first["status"], first["by_supervisor"]) == ("10", "visible", "no")
    second = next(row for row in rows if row["id"] == str(hidden.id))
    assert (second["status"], second["hidden_reason"]) == ("hidden", "Duplicate")
    assert second["by_supervisor"] == "yes"
    this_month = csv_rows(client.get(f"/admin/kudos.csv?month={period_keys(now)[1]}"))
    assert {row["id"] for row in this_month} == {str(shown.id), str(hidden.id)}


def test_the_values_admin(client, org, login_as, value):
    login_as(org.admin)
    response = client.post("/admin/values/new", data={
        "slug": "calm", "name_en": "Calm under pressure", "name_zh": "临危不乱",
        "description_en": "Kept a cool head."})
    assert response.status_code == 302
    calm = services.value_by_slug("calm")
    assert (calm.name_zh, calm.description_en, calm.position) == ("临危不乱", "Kept a cool head.", 2)
    taken = client.post("/admin/values/new", data={"slug": "calm", "name_en": "Again"})
    assert field_error(text_of(taken), "slug") == "A value with the slug calm exists already."
    malformed = client.post("/admin/values/new", data={"slug": "Not A Slug", "name_en": "X"})
    assert field_error(text_of(malformed), "slug") == "A slug is 2 to 64 lowercase letters, digits or dashes."

    client.post(f"/admin/values/{calm.id}", data={"name_en": "Calm", "name_zh": "冷静", "description_en": "",
                                                 "description_zh": "保持冷静"})
    client.post(f"/admin/values/{calm.id}/move", data={"direction": "up"})
    db.session.expire_all()
    ordered = db.session.execute(select(Value.slug).order_by(Value.position)).scalars().all()
    assert ordered == ["calm", "customer-first"]
    assert (calm.name_en, calm.name_zh, calm.description_zh) == ("Calm", "冷静", "保持冷静")

    client.post(f"/admin/values/{calm.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert calm.active is False
    listing = text_of(client.get("/admin/values"))
    assert "No longer in use" in listing and "冷静" in listing
    assert 'value="calm"' not in text_of(client.get("/kudos/new"))
    assert client.get("/admin/values/999999").status_code == 404

    login_as(org.supervisor)
    assert client.post(f"/admin/values/{calm.id}/active", data={"active": "1"}).status_code == 403
