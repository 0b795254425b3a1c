"""The coaching JSON API: every endpoint's success, 404 when invisible, 403 when visible but not yours, 400."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coaching import services
from coaching.models import CoachingEntry, OneToOne
from core.clock import utcnow
from core.extensions import db
from core.models import AuditEvent
from tests.coaching_helpers import disputed_entry, shared_entry, write_entry

TODAY = date.today() - timedelta(days=1)  # safely "not in the future" in any time zone


@pytest.fixture
def call(client, org, token_for, make_person):
    """call(person_or_name, method, path, json=None) → response; tokens made once per person."""
    london_manager = make_person("manager2", role="manager")
    london_manager.managed_sites.append(org.team_b.site)
    db.session.commit()
    people = {**vars(org), "london_manager": london_manager}
    tokens = {}

    def do(who, method, path, json=None, **kwargs):
        person = people[who] if isinstance(who, str) else who
        if person.id not in tokens:
            tokens[person.id] = token_for(person)
        return client.open(f"/api/v1{path}", method=method, headers=tokens[person.id], json=json, **kwargs)

    return do


def audit_reads(person, target_type):
    return db.session.execute(
        select(AuditEvent.target_id).where(AuditEvent.action == "coaching.read", AuditEvent.actor_id == person.id,
                                           AuditEvent.target_type == target_type)
    ).scalars().all()


def entry_payload(**fields):
    return {"agent": "agent1", "kind": "qa_evaluation", "occurred_on": TODAY.isoformat(), "qa_score": 91,
            "went_well": "Clear", "to_improve": "Pace",
            "actions": [{"text": "Practise the close", "due_on": (TODAY + timedelta(days=7)).isoformat()}],
            **fields}


# --- /coaching -------------------------------------------------------------------------------

def test_create_a_draft(call, org):
    response = call("supervisor", "POST", "/coaching", entry_payload(follow_up_on=TODAY.isoformat()))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["state"] == "draft" and body["shared_at"] is None and body["share_overdue"] is False
    assert body["agent"]["username"] == "agent1" and body["author"]["username"] == "super1"
    assert body["team"] == "Alpha" and body["qa_score"] == 91
    assert body["actions"][0] | {"id": 0} == {"id": 0, "text": "Practise the close", "owner": "agent1",
                                              "due_on": (TODAY + timedelta(days=7)).isoformat(), "done": False,
                                              "done_at": None, "overdue": False}
    assert body["response"] is None and body["dispute"] is None and body["amendments"] == []


@pytest.mark.parametrize(("who", "payload", "status"), [
    ("agent", entry_payload(), 403),
    ("other_supervisor", entry_payload(), 403),
    ("admin", entry_payload(), 403),
    ("supervisor", entry_payload(agent="nobody"), 404),
    ("supervisor", entry_payload(kind="chat"), 400),
    ("supervisor", entry_payload(occurred_on="10/03/2026"), 400),
    ("supervisor", entry_payload(qa_score=None), 400),
    ("supervisor", entry_payload(qa_score="90"), 400),
    ("supervisor", entry_payload(actions=[{"text": "No date"}]), 400),
    ("supervisor", entry_payload(occurred_on=(date.today() + timedelta(days=3)).isoformat()), 400),
    ("supervisor", entry_payload(follow_up_of=999999), 404),
])
def test_create_refused(call, org, who, payload, status):
    response = call(who, "POST", "/coaching", payload)
    assert response.status_code == status, response.json
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert db.session.execute(select(CoachingEntry)).first() is None


def test_create_refuses_a_malformed_body_with_its_fields(call, org):
    response = call("supervisor", "POST", "/coaching", {"agent": "agent1"})
    assert response.status_code == 400
    assert {"kind", "occurred_on"} <= set(response.json["error"]["fields"])


def test_list_by_role_with_cursor(call, org):
    entries = [shared_entry(org) for _ in range(3)]
    draft = write_entry(org.supervisor, org.agent)
    london = write_entry(org.other_supervisor, org.other_agent, share=True)

    def ids(who, query=""):
        response = call(who, "GET", f"/coaching{query}")
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    shared_ids = [e.id for e in reversed(entries)]
    assert ids("agent") == shared_ids
    assert ids("supervisor") == [draft.id] + shared_ids
    assert ids("manager") == shared_ids
    assert ids("admin") == [] and ids("london_manager") == [london.id]
    assert ids("manager", "?agent=agent1") == shared_ids and ids("manager", "?agent=agent2") == []
    assert "went_well" not in call("manager", "GET", "/coaching").json["items"][0], "lists hold no text"

    first = call("manager", "GET", "/coaching?limit=2").json
    assert [i["id"] for i in first["items"]] == shared_ids[:2] and first["next"]
    second = call("manager", "GET", f"/coaching?limit=2&cursor={first['next']}").json
    assert [i["id"] for i in second["items"]] == shared_ids[2:] and second["next"] is None
    assert call("manager", "GET", "/coaching?limit=500").status_code == 400
    assert call("manager", "GET", "/coaching?cursor=abc").status_code == 400
    assert call("manager", "GET", "/coaching?agent=nobody").status_code == 404


def test_read_an_entry_is_audited_except_for_the_agent(call, org):
    entry = disputed_entry(org)
    services.amend_entry(entry, org.supervisor, {"to_improve": "Clearer"}, reason="Typo", now=utcnow())
    db.session.commit()
    for who in ("agent", "supervisor", "manager"):
        response = call(who, "GET", f"/coaching/{entry.id}")
        assert response.status_code == 200
        body = response.json
        assert body["state"] == "disputed" and body["to_improve"] == "Clearer"
        assert body["response"]["agrees"] is False and body["response"]["acknowledged"] is True
        assert body["dispute"]["outcome"] is None and body["dispute"]["overdue"] is True, "opened months ago"
        assert [(a["field"], a["old_value"], a["new_value"], a["reason"], a["author"]) for a in body["amendments"]] == [
            ("to_improve", "Summarise the next steps.", "Clearer", "Typo", "super1")]
    assert audit_reads(org.supervisor, "coachingentry") == [entry.id]
    assert audit_reads(org.manager, "coachingentry") == [entry.id]
    assert audit_reads(org.agent, "coachingentry") == []


@pytest.mark.parametrize("who", ["other_agent", "other_supervisor", "london_manager", "admin"])
def test_an_invisible_entry_is_404_for_every_route(call, org, who):
    entry = disputed_entry(org)
    action = entry.actions[0]
    for method, path, body in [
        ("GET", f"/coaching/{entry.id}", None),
        ("PATCH", f"/coaching/{entry.id}", {"to_improve": "x"}),
        ("POST", f"/coaching/{entry.id}/share", None),
        ("POST", f"/coaching/{entry.id}/response", {"acknowledged": True}),
        ("POST", f"/coaching/{entry.id}/amendments", {"changes": {"to_improve": "x"}, "reason": "r"}),
        ("POST", f"/coaching/{entry.id}/dispute/resolution", {"outcome": "upheld", "resolution": "r"}),
        ("POST", f"/coaching/actions/{action.id}/done", None),
    ]:
        response = call(who, method, path, body)
        assert response.status_code == 404, (method, path, response.json)
        assert response.json["error"]["code"] == "not_found"
    assert call("supervisor", "GET", "/coaching/999999").status_code == 404
    assert audit_reads(org.admin, "coachingentry") == []


def test_a_draft_is_the_authors_alone(call, org):
    draft = write_entry(org.supervisor, org.agent)
    for who in ("agent", "manager"):
        assert call(who, "GET", f"/coaching/{draft.id}").status_code == 404
        assert call(who, "POST", f"/coaching/{draft.id}/share").status_code == 404
    response = call("supervisor", "PATCH", f"/coaching/{draft.id}",
                    {"to_improve": "Edited", "actions": [{"text": "New", "due_on": TODAY.isoformat(),
                                                          "owner": "author"}]})
    assert response.status_code == 200, response.json
    assert response.json["to_improve"] == "Edited" and response.json["amendments"] == []
    assert [(a["text"], a["owner"]) for a in response.json["actions"]] == [("New", "super1")]
    assert call("supervisor", "PATCH", f"/coaching/{draft.id}", {"qa_score": 50}).status_code == 400
    assert call("supervisor", "PATCH", f"/coaching/{draft.id}", {"kind": "other"}).status_code == 400

    response = call("supervisor", "POST", f"/coaching/{draft.id}/share")
    assert response.status_code == 200 and response.json["state"] == "shared"
    assert call("agent", "GET", f"/coaching/{draft.id}").status_code == 200
    assert call("supervisor", "PATCH", f"/coaching/{draft.id}", {"to_improve": "Silently"}).status_code == 409
    assert call("manager", "PATCH", f"/coaching/{draft.id}", {"to_improve": "x"}).status_code == 403
    assert call("manager", "POST", f"/coaching/{draft.id}/share").status_code == 403


def test_respond(call, org):
    entry = shared_entry(org)
    path = f"/coaching/{entry.id}/response"
    assert call("supervisor", "POST", path, {"acknowledged": True}).status_code == 403
    assert call("manager", "POST", path, {"acknowledged": True}).status_code == 403
    for bad in ({}, {"acknowledged": False}, {"acknowledged": True, "usefulness": 9},
                {"acknowledged": True, "agrees": False}):
        assert call("agent", "POST", path, bad).status_code == 400, bad
    response = call("agent", "POST", path, {"acknowledged": True, "agrees": False, "comment": "Not fair",
                                            "usefulness": 2})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "disputed" and response.json["dispute"]["due_at"]
    assert response.json["response"]["comment"] == "Not fair"
    assert call("agent", "POST", path, {"acknowledged": True}).status_code == 409


def test_amend(call, org):
    entry = shared_entry(org)
    path = f"/coaching/{entry.id}/amendments"
    assert call("agent", "POST", path, {"changes": {"to_improve": "x"}, "reason": "r"}).status_code == 403
    assert call("supervisor", "POST", path, {"changes": {"to_improve": "x"}, "reason": ""}).status_code == 400
    assert call("supervisor", "POST", path, {"changes": {"kind": "x"}, "reason": "r"}).status_code == 400
    assert call("supervisor", "POST", path, {"changes": {"follow_up_on": "soon"}, "reason": "r"}).status_code == 400
    response = call("manager", "POST", path, {"changes": {"follow_up_on": TODAY.isoformat()}, "reason": "Sooner"})
    assert response.status_code == 201, response.json
    assert response.json["follow_up_on"] == TODAY.isoformat()
    assert response.json["amendments"][0]["author"] == "manager1"
    draft = write_entry(org.supervisor, org.agent)
    assert call("supervisor", "POST", f"/coaching/{draft.id}/amendments",
                {"changes": {"to_improve": "x"}, "reason": "r"}).status_code == 409


def test_resolve_a_dispute(call, org):
    entry = disputed_entry(org)
    path = f"/coaching/{entry.id}/dispute/resolution"
    assert call("supervisor", "POST", path, {"outcome": "upheld", "resolution": "r"}).status_code == 403
    assert call("agent", "POST", path, {"outcome": "upheld", "resolution": "r"}).status_code == 403
    assert call("manager", "POST", path, {"outcome": "maybe", "resolution": "r"}).status_code == 400
    assert call("manager", "POST", path, {"outcome": "amended", "resolution": "r"}).status_code == 400
    response = call("manager", "POST", path, {"outcome": "withdrawn", "resolution": "Withdrawn, sorry."})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "withdrawn" and response.json["withdrawn"] is True
    seen_by_agent = call("agent", "GET", f"/coaching/{entry.id}").json
    assert seen_by_agent["dispute"]["outcome"] == "withdrawn"
    assert seen_by_agent["dispute"]["resolution"] == "Withdrawn, sorry."
    assert call("manager", "POST", path, {"outcome": "upheld", "resolution": "r"}).status_code == 409
    no_dispute = shared_entry(org)
    assert call("manager", "POST", f"/coaching/{no_dispute.id}/dispute/resolution",
                {"outcome": "upheld", "resolution": "r"}).status_code == 409


def test_mark_an_action_done(call, org):
    entry = shared_entry(org)
    action = entry.actions[0]
    response = call("agent", "POST", f"/coaching/actions/{action.id}/done")
    assert response.status_code == 200 and response.json["done"] is True
    assert call("supervisor", "POST", f"/coaching/actions/{action.id}/done").status_code == 200
    draft = write_entry(org.supervisor, org.agent, actions=[services.ActionDraft("x", TODAY)])
    assert call("supervisor", "POST", f"/coaching/actions/{draft.actions[0].id}/done").status_code == 409


def test_history_consent(call, org):
    response = call("agent", "POST", "/coaching/consents", {})
    assert response.status_code == 201 and response.json["team"] == "Alpha"
    assert call("agent", "POST", "/coaching/consents", {"team": "Bravo Team"}).json["team"] == "Bravo Team"
    assert call("agent", "POST", "/coaching/consents", {"team": "Nowhere"}).status_code == 404
    assert call("admin", "POST", "/coaching/consents", {}).status_code == 400, "no team of their own"
    assert call("agent", "DELETE", "/coaching/consents/Bravo%20Team").status_code == 204
    assert call("agent", "DELETE", "/coaching/consents/Nowhere").status_code == 404


def test_roster(call, org, make_person):
    for i in range(3):
        make_person(f"alpha{i}", team=org.team_a)
    assert call("agent", "GET", "/coaching/roster").status_code == 403
    assert call("agent", "POST", "/coaching/roster", {}).status_code == 403
    assert call("supervisor", "GET", "/coaching/roster").json["items"] == []
    drawn = call("supervisor", "POST", "/coaching/roster", {})
    assert drawn.status_code == 200 and len(drawn.json["items"]) == 2
    again = call("supervisor", "POST", "/coaching/roster", {"week": drawn.json["week_start"]})
    assert again.json == drawn.json
    assert call("supervisor", "GET", f"/coaching/roster?week={drawn.json['week_start']}").json == drawn.json
    assert call("supervisor", "GET", "/coaching/roster?week=next").status_code == 400
    assert call("manager", "POST", "/coaching/roster", {}).json["items"] == [], "managers supervise no team here"


# --- /one-to-ones ----------------------------------------------------------------------------

@pytest.fixture
def meeting(call, org):
    response = call("supervisor", "POST", "/one-to-ones", {"agent": "agent1", "scheduled_for": "2030-01-31T10:00:00+08:00"})
    assert response.status_code == 201, response.json
    return response.json


def test_schedule(call, org, meeting):
    assert meeting["agent"]["username"] == "agent1" and meeting["cadence"] == "monthly"
    assert meeting["scheduled_for"] == "2030-01-31T02:00:00+00:00"
    body = {"agent": "agent1", "scheduled_for": "2030-02-01T10:00:00"}
    assert call("supervisor", "POST", "/one-to-ones", body).status_code == 409
    assert call("agent", "POST", "/one-to-ones", body).status_code == 403
    assert call("manager", "POST", "/one-to-ones", body).status_code == 403
    assert call("supervisor", "POST", "/one-to-ones", {"agent": "agent1"}).status_code == 400
    assert call("supervisor", "POST", "/one-to-ones", {**body, "cadence": "daily"}).status_code == 400
    assert call("supervisor", "POST", "/one-to-ones", {**body, "agent": "nobody"}).status_code == 404


def test_notes_and_the_meeting_as_each_sees_it(call, org, meeting):
    path = f"/one-to-ones/{meeting['id']}"
    for who, kind in (("agent", "agenda"), ("agent", "private"), ("agent", "growth_goal"),
                      ("supervisor", "shared"), ("supervisor", "private")):
        response = call(who, "POST", f"{path}/notes", {"kind": kind, "text": f"{kind} of {who}"})
        assert response.status_code == 201, response.json
    assert call("supervisor", "POST", f"{path}/notes", {"kind": "learned", "text": "x"}).status_code == 403
    assert call("manager", "POST", f"{path}/notes", {"kind": "shared", "text": "x"}).status_code == 403
    assert call("agent", "POST", f"{path}/notes", {"kind": "rumour", "text": "x"}).status_code == 400
    assert call("agent", "POST", f"{path}/notes", {"kind": "shared", "text": ""}).status_code == 400

    def texts(who):
        response = call(who, "GET", path)
        assert response.status_code == 200, response.json
        return sorted(note["text"] for note in response.json["notes"])

    common = ["agenda of agent", "growth_goal of agent", "shared of supervisor"]
    assert texts("agent") == sorted(common + ["private of agent"])
    assert texts("supervisor") == sorted(common + ["private of supervisor"])
    assert texts("manager") == common
    assert audit_reads(org.supervisor, "onetoone") == [meeting["id"]]
    assert audit_reads(org.manager, "onetoone") == [meeting["id"]]
    assert audit_reads(org.agent, "onetoone") == []


@pytest.mark.parametrize("who", ["other_agent", "other_supervisor", "admin", "london_manager"])
def test_an_invisible_meeting_is_404(call, org, meeting, who):
    action = call("supervisor", "POST", f"/one-to-ones/{meeting['id']}/actions", {"text": "x"}).json
    for method, path, body in [
        ("GET", f"/one-to-ones/{meeting['id']}", None),
        ("POST", f"/one-to-ones/{meeting['id']}/notes", {"kind": "shared", "text": "x"}),
        ("POST", f"/one-to-ones/{meeting['id']}/actions", {"text": "x"}),
        ("POST", f"/one-to-ones/actions/{action['id']}/done", None),
        ("POST", f"/one-to-ones/{meeting['id']}/complete", None),
    ]:
        assert call(who, method, path, body).status_code == 404, (method, path)
    assert call(who, "GET", "/one-to-ones").json["items"] == []


def test_action_items_complete_and_carry_over(call, org, meeting):
    path = f"/one-to-ones/{meeting['id']}"
    open_item = call("supervisor", "POST", f"{path}/actions", {"text": "Shadow billing", "due_on": "2030-02-10"})
    assert open_item.status_code == 201 and open_item.json["owner"] == "agent1"
    done_item = call("agent", "POST", f"{path}/actions", {"text": "Book course", "owner": "super1"}).json
    assert call("agent", "POST", f"{path}/actions", {"text": "x", "owner": "manager1"}).status_code == 400
    assert call("agent", "POST", f"{path}/actions", {"text": ""}).status_code == 400
    assert call("manager", "POST", f"{path}/actions", {"text": "x"}).status_code == 403
    assert call("manager", "POST", f"/one-to-ones/actions/{done_item['id']}/done").status_code == 403
    response = call("supervisor", "POST", f"/one-to-ones/actions/{done_item['id']}/done")
    assert response.status_code == 200 and response.json["done"] is True

    assert call("agent", "POST", f"{path}/complete").status_code == 403
    assert call("manager", "POST", f"{path}/complete").status_code == 403
    completed = call("supervisor", "POST", f"{path}/complete")
    assert completed.status_code == 200, completed.json
    assert completed.json["completed"]["completed_at"] is not None
    following = completed.json["next"]
    assert following["scheduled_for"] == "2030-02-28T02:00:00+00:00"
    assert call("supervisor", "POST", f"{path}/complete").status_code == 409

    carried = call("agent", "GET", f"/one-to-ones/{following['id']}").json["actions"]
    assert [(a["text"], a["done"], a["raised_in"]) for a in carried] == [("Shadow billing", False, meeting["id"])]
    listed = call("agent", "GET", "/one-to-ones").json["items"]
    assert [m["id"] for m in listed] == [following["id"], meeting["id"]]
    assert db.session.get(OneToOne, following["id"]).completed_at is None


# --- /journal --------------------------------------------------------------------------------

def test_journal(call, org):
    assert call("agent", "POST", "/journal", {"text": "Learned to pause"}).status_code == 201
    assert call("agent", "POST", "/journal", {"text": "  "}).status_code == 400
    assert call("agent", "POST", "/journal", {}).status_code == 400
    assert [i["text"] for i in call("agent", "GET", "/journal").json["items"]] == ["Learned to pause"]
    for who in ("supervisor", "manager", "admin", "other_agent"):
        assert call(who, "GET", "/journal").json["items"] == []


def test_the_extensions_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/coaching", "/api/v1/coaching/{entry_id}", "/api/v1/coaching/{entry_id}/amendments",
                 "/api/v1/coaching/{entry_id}/dispute/resolution", "/api/v1/coaching/actions/{action_id}/done",
                 "/api/v1/coaching/roster", "/api/v1/coaching/consents", "/api/v1/one-to-ones/{meeting_id}/complete",
                 "/api/v1/one-to-ones/{meeting_id}/notes", "/api/v1/journal"):
        assert path in paths, path
    assert set(paths["/api/v1/coaching/{entry_id}"]) >= {"get", "patch"}
    assert "requestBody" in paths["/api/v1/coaching/{entry_id}/amendments"]["post"]


def test_audited_reads_take_the_sqlite_write_lock_when_they_begin(app):
    """GET views that write an audit row must begin IMMEDIATE on SQLite (core.db.writes_on_read)."""
    for endpoint in ("coaching_api.get_entry", "coaching_api.get_one_to_one"):
        assert getattr(app.view_functions[endpoint], "writes_on_read", False), endpoint
