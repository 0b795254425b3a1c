"""A person's own data, downloaded from their account page as one JSON file (PRODUCT.md §7).

It holds what they can read in Bravo and nothing more: their shared coaching but not a draft, their own
private notes but never the other participant's, kudos they can see, their own KPIs, standings and awards.
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from coaching import services as coaching
from core.clock import utcnow
from recognition import services as recognition
from recognition.campaigns.awards import edit_citation, preview_awards, publish_awards
from recognition.campaigns.models import Award
from tests.campaign_fixtures import ended, floor, metrics  # noqa: F401  (fixtures)
from tests.coaching_helpers import MARKER, private_writing, shared_entry  # noqa: F401  (a fixture)
from tests.kudos_fixtures import MESSAGE, NOW, count_queries, give, value  # noqa: F401  (fixtures)


def download(client, login_as, person) -> dict:
    login_as(person)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f"attachment; filename=bravo-{person.username}-")
    return json.loads(response.get_data(as_text=True))


def texts(items, *keys) -> str:
    return json.dumps([{key: item[key] for key in keys} for item in items], ensure_ascii=False)


def test_the_account_page_offers_the_download_and_says_what_is_left_out(client, org, login_as):
    login_as(org.agent)
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/account/data.json"' in html
    assert "private notes from a one-to-one" in html


def test_the_file_holds_the_profile_and_every_area_and_its_taking_is_audited(client, org, login_as):
    document = download(client, login_as, org.supervisor)
    assert document["format"] == "bravo-own-data/1"
    assert document["profile"] | {"created_at": None} == {
        "username": "super1", "name": "Super1", "email": "super1@example.com", "role": "supervisor",
        "team": "Alpha", "site": "Shanghai", "leads_teams": ["Alpha"], "manages_sites": [], "locale": None,
        "timezone": None, "active": True, "created_at": None,
    }
    assert {"recognition", "campaigns", "coaching", "digests"} <= document.keys()
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "own_data.exported")).scalars()
    assert [(event.actor_id, event.target_id) for event in events] == [(org.supervisor.id, org.supervisor.id)]


def test_an_agent_gets_their_shared_coaching_own_notes_and_journal_but_no_draft(client, org, login_as,
                                                                                private_writing):
    coaching = download(client, login_as, org.agent)["coaching"]
    entries = coaching["entries_about_me"]
    assert sorted(entry["id"] for entry in entries) == sorted(
        [entry.id for entry in private_writing["entries"]] + [private_writing["praised"].id])
    assert private_writing["draft"].id not in {entry["id"] for entry in entries}
    everything = json.dumps(coaching, ensure_ascii=False)
    assert "draft went well" not in everything
    for text in ("went well", "to improve", "action", "agreed comment", "dispute text", "resolution",
                 "amended value", "amendment", "reason"):
        assert f"{MARKER} {text}" in everything, text

    [meeting] = coaching["one_to_ones"]
    notes = texts(meeting["notes"], "kind", "author", "text")
    assert f"{MARKER} private note by agent1" in notes and f"{MARKER} shared note by super1" in notes
    assert "private note by super1" not in notes
    assert [action["text"] for action in meeting["actions"]] == [f"{MARKER} one-to-one action"]
    assert [entry["text"] for entry in coaching["journal"]] == [f"{MARKER} journal"]


def test_a_supervisor_gets_their_meetings_with_their_own_private_notes_not_the_agents_coaching(
        client, org, login_as, private_writing):
    document = download(client, login_as, org.supervisor)
    coaching = document["coaching"]
    assert coaching["entries_about_me"] == [] and coaching["journal"] == []
    notes = texts(coaching["one_to_ones"][0]["notes"], "text")
    assert f"{MARKER} private note by super1" in notes
    assert "private note by agent1" not in notes
    assert f"{MARKER} journal" not in json.dumps(document)


def test_nobody_else_s_export_carries_the_agent_s_private_text(client, org, login_as, private_writing):
    for person in (org.other_agent, org.other_supervisor, org.manager, org.admin):
        assert MARKER not in json.dumps(download(client, login_as, person)), person.username


def test_kudos_received_as_the_feed_shows_them_and_given_with_what_became_of_them(
        client, org, login_as, give, value):
    kept = give(org.supervisor, org.agent, points=10)
    hidden = give(org.other_agent, org.agent, points=5, message="Hidden later: " + MESSAGE)
    recognition.hide_kudos(hidden, actor=org.admin, reason="Names a customer.",
                           now=NOW + timedelta(minutes=1))
    sent = give(org.agent, org.other_agent, points=3, message="谢谢你耐心地帮我处理了那位已经投诉过两次、情绪很激动的客户。")
    db.session.commit()

    agent = download(client, login_as, org.agent)["recognition"]
    assert [(k["id"], k["giver"], k["points_to_me"]) for k in agent["kudos_received"]] == [
        (kept.id, "super1", 10)]
    assert agent["kudos_received"][0]["by_supervisor"] is True
    assert [(k["id"], k["recipients"], k["status"], k["message"]) for k in agent["kudos_given"]] == [
        (sent.id, ["agent2"], "visible", "谢谢你耐心地帮我处理了那位已经投诉过两次、情绪很激动的客户。")]
    assert sum(entry["amount"] for entry in agent["points"]) == recognition.points_balance(org.agent) == 10
    assert {badge["badge"] for badge in agent["badges"]} >= {"first_kudos_received", "first_kudos_given"}

    giver = download(client, login_as, org.other_agent)["recognition"]
    assert [(k["id"], k["status"]) for k in giver["kudos_given"]] == [(hidden.id, "hidden")]
    assert "Names a customer." not in json.dumps(giver)


def test_the_file_is_readable_chinese_not_escapes(client, org, login_as, give, value):
    give(org.agent, org.other_agent, points=3, message="谢谢你耐心地帮我处理了那位已经投诉过两次、情绪很激动的客户。")
    login_as(org.agent)
    assert "谢谢你耐心地帮我处理了那位已经投诉过两次、情绪很激动的客户。" in client.get("/account/data.json").get_data(as_text=True)


def test_an_agent_gets_their_own_kpis_standing_and_published_awards_only(client, org, login_as, floor):
    campaign = ended(org)
    now = utcnow()
    drafts = preview_awards(campaign, now=now)
    winner = drafts[0].person
    edit_citation(drafts[0], "Calm through the whole 3·15 rush.", actor=org.admin)
    db.session.commit()
    data = download(client, login_as, winner)["campaigns"]
    assert data["awards"] == [], "a draft award is not the winner's yet"

    publish_awards(campaign, actor=org.admin, now=now)
    db.session.commit()
    data = download(client, login_as, winner)["campaigns"]
    assert {row["metric"] for row in data["kpis"]} == {"csat", "aht"} and len(data["kpis"]) == 4
    assert [row["campaign"] for row in data["standings"]] == [campaign.id]
    published = db.session.execute(select(Award).where(Award.person_id == winner.id)).scalars().all()
    assert sorted(award["id"] for award in data["awards"]) == sorted(award.id for award in published)
    assert "Calm through the whole 3·15 rush." in json.dumps(data, ensure_ascii=False)

    last = download(client, login_as, org.agent)["campaigns"]
    assert [(row["campaign"], row["rank"]) for row in last["standings"]] == [(campaign.id, 7)]
    assert last["awards"] == [] and len(last["kpis"]) == 4


def test_the_export_runs_the_same_queries_however_much_there_is(client, org, login_as, give):
    meetings = [coaching.schedule_one_to_one(org.supervisor, org.agent, NOW + timedelta(days=2), now=NOW)]

    def add_records(minute: int) -> None:
        at, meeting = NOW + timedelta(minutes=minute), meetings[-1]
        give(org.supervisor, org.agent, points=1, at=at)
        give(org.agent, org.other_agent, points=1, at=at)
        shared_entry(org)
        coaching.add_one_to_one_note(meeting, org.agent, "agenda", "Talk about the refund queue.", now=at)
        coaching.add_one_to_one_action(meeting, org.supervisor, "Shadow a refund call.", now=at)
        meetings.append(coaching.complete_one_to_one(meeting, org.supervisor, now=at))
        coaching.write_journal_entry(org.agent, "Learned the refund script.", now=at)
        db.session.commit()

    def queries_of_one_export() -> int:
        login_as(org.agent)
        with count_queries() as counter:
            assert client.get("/account/data.json").status_code == 200
        return counter[0]

    add_records(0)
    few = queries_of_one_export()
    for minute in range(1, 8):
        add_records(minute)
    assert len(meetings) == 9
    assert queries_of_one_export() == few
