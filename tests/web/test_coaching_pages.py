"""The coaching pages: who sees each one (the same cast as the access tests), the journeys through the forms,
went-well kudos that publish only that text, the team-move question, the closed loop, and bounded queries."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from coaching import roster, services
from coaching.models import CoachingEntry, JournalEntry, OneToOne, RosterDraw
from coaching.services import ActionDraft
from core.clock import org_timezone, utcnow
from core.extensions import db
from core.hooks import KPI_SERIES
from core.models import AuditEvent
from core.services import move_person
from recognition import services as recognition
from recognition.models import Kudos
from tests.coaching_helpers import NOW, TODAY, disputed_entry, shared_entry, write_entry
from tests.kudos_fixtures import count_queries, value  # noqa: F401
from tests.unit.test_coaching_access import VIEWERS, people  # noqa: F401

SIGNED_IN = [viewer for viewer in VIEWERS if viewer != "anonymous"]
SEES_SHARED = {"agent", "author", "manager_over_team"}


@pytest.fixture
def as_(client, login_as, people):  # noqa: F811
    """Sign the client in as one of the cast: ``as_("agent").get(...)``."""

    def sign_in(who: str):
        person = people[who]
        if isinstance(person, AnonymousUserMixin):
            with client.session_transaction() as session:
                session.clear()
            return client
        return login_as(person)

    return sign_in


def page_text(response) -> str:
    return response.get_data(as_text=True)


def real_today() -> date:
    return services.org_today(utcnow())


# --- who sees which page ---------------------------------------------------------------------

@pytest.mark.parametrize("viewer", SIGNED_IN)
def test_an_entry_page_is_404_for_anyone_who_may_not_see_it(org, as_, viewer):
    entry = shared_entry(org)
    response = as_(viewer).get(f"/coaching/{entry.id}")
    assert response.status_code == (200 if viewer in SEES_SHARED else 404)
    assert ("Summarise the next steps." in page_text(response)) is (viewer in SEES_SHARED)


@pytest.mark.parametrize("viewer", SIGNED_IN)
def test_a_draft_page_is_the_authors_alone(org, as_, viewer):
    draft = write_entry(org.supervisor, org.agent)
    assert as_(viewer).get(f"/coaching/{draft.id}").status_code == (200 if viewer == "author" else 404)
    expected = {"author": 200, "agent": 403, "another_agent": 403}.get(viewer, 404)
    assert as_(viewer).get(f"/coaching/{draft.id}/edit").status_code == expected


@pytest.mark.parametrize("viewer", SIGNED_IN)
def test_a_one_to_one_page_is_404_for_anyone_but_the_pair_and_the_managers(org, as_, viewer):
    meeting = services.schedule_one_to_one(org.supervisor, org.agent, NOW + timedelta(days=1), now=NOW)
    db.session.commit()
    response = as_(viewer).get(f"/one-to-ones/{meeting.id}")
    assert response.status_code == (200 if viewer in SEES_SHARED else 404)


@pytest.mark.parametrize("viewer", SIGNED_IN)
def test_a_growth_timeline_is_404_for_anyone_but_the_agent_and_their_leads(org, as_, viewer):
    shared_entry(org)
    response = as_(viewer).get("/people/agent1/growth")
    assert response.status_code == (200 if viewer in SEES_SHARED else 404)
    assert as_(viewer).get("/people/nobody-here/growth").status_code == 404
    assert as_(viewer).get("/growth").status_code == 200


AREA_PAGES = {
    "/coaching/": "supervisor", "/coaching/new": "supervisor", "/coaching/roster": "supervisor",
    "/coaching/overview": "manager", "/coaching/disputes": "manager", "/one-to-ones/new": "supervisor",
    "/coaching/mine": "agent", "/one-to-ones/": "agent", "/journal/": "agent", "/growth": "agent",
}


@pytest.mark.parametrize("viewer", SIGNED_IN)
def test_area_pages_by_role(org, as_, people, viewer):  # noqa: F811
    shared_entry(org)
    expected = {url: 200 if people[viewer].has_role(least) else 403 for url, least in AREA_PAGES.items()}
    assert {url: as_(viewer).get(url).status_code for url in AREA_PAGES} == expected


def test_anonymous_visitors_are_asked_to_sign_in(org, as_):
    entry = shared_entry(org)
    for url in ("/coaching/mine", f"/coaching/{entry.id}", "/growth", "/journal/", "/one-to-ones/"):
        response = as_("anonymous").get(url)
        assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_reading_an_entry_or_a_meeting_page_is_audited_except_for_the_agent(org, as_):
    entry = shared_entry(org)
    meeting = services.schedule_one_to_one(org.supervisor, org.agent, NOW + timedelta(days=1), now=NOW)
    db.session.commit()

    def reads() -> list[tuple[str, str]]:
        return [(e.actor.username, e.target_type) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "coaching.read").order_by(AuditEvent.id)).scalars()]

    as_("agent").get(f"/coaching/{entry.id}")
    as_("agent").get(f"/one-to-ones/{meeting.id}")
    assert reads() == []
    as_("author").get(f"/coaching/{entry.id}")
    as_("manager_over_team").get(f"/one-to-ones/{meeting.id}")
    assert reads() == [("super1", "coachingentry"), ("manager1", "onetoone")]
    as_("manager_over_team").get("/people/agent1/growth")
    timeline_reads = select(func.count()).where(AuditEvent.action == "coaching.read_timeline")
    assert db.session.execute(timeline_reads).scalar() == 1


# --- writing, sharing, answering, resolving --------------------------------------------------

def entry_form(agent_id=None, **fields) -> dict:
    data = {"kind": "side_by_side", "occurred_on": real_today().isoformat(), "interaction_ref": "CALL-77",
            "qa_score": "", "went_well": "You kept the customer informed during the hold.",
            "to_improve": "Confirm the callback number before ending the call.", "follow_up_on": "",
            "target_metric": "", "actions-0-text": "Read back the callback number",
            "actions-0-owner": "agent", "actions-0-due_on": (real_today() + timedelta(days=7)).isoformat()}
    if agent_id is not None:
        data["agent"] = str(agent_id)
    data.update(fields)
    return data


def test_write_a_draft_with_several_actions_then_edit_and_share_it(org, as_):
    client = as_("author")
    form = entry_form(org.agent.id, **{
        "actions-1-text": "Send the refund FAQ to the team", "actions-1-owner": "author",
        "actions-1-due_on": (real_today() + timedelta(days=3)).isoformat(),
        "actions-2-text": "", "actions-2-owner": "agent", "actions-2-due_on": "",
    })
    more = client.post("/coaching/new", data={**form, "add_action": "1"})
    assert more.status_code == 200 and 'name="actions-3-text"' in page_text(more)
    assert db.session.execute(select(func.count(CoachingEntry.id))).scalar() == 0
    fewer = client.post("/coaching/new", data={**form, "remove_action": "0"})
    assert 'name="actions-0-text"' not in page_text(fewer) and 'name="actions-1-text"' in page_text(fewer)

    response = client.post("/coaching/new", data=form)
    entry = db.session.execute(select(CoachingEntry)).scalar_one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/coaching/{entry.id}")
    assert [(a.text, a.owner.username) for a in entry.actions] == [
        ("Read back the callback number", "agent1"), ("Send the refund FAQ to the team", "super1")]
    assert entry.shared_at is None
    assert "Draft: only you can see it." in page_text(client.get(f"/coaching/{entry.id}"))

    edit = client.get(f"/coaching/{entry.id}/edit")
    assert "Send the refund FAQ to the team" in page_text(edit)
    response = client.post(f"/coaching/{entry.id}/edit", data={
        **entry_form(), "went_well": "Calm and clear with an upset customer.", "actions-0-text": "Only this"})
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.went_well == "Calm and clear with an upset customer."
    assert [a.text for a in entry.actions] == ["Only this"]

    assert client.post(f"/coaching/{entry.id}/share").status_code == 302
    db.session.refresh(entry)
    assert entry.shared_at is not None
    assert client.get(f"/coaching/{entry.id}/edit").status_code == 302, "shared: amended, not edited"


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "qa_evaluation"}, "A QA evaluation needs a QA score from 0 to 100."),
    ({"qa_score": "55"}, "Only a QA evaluation has a QA score."),
    ({"occurred_on": ""}, "This field is required."),
    ({"target_metric": "Not A Slug"}, "A metric is named by its slug"),
    ({"actions-0-due_on": ""}, 'id="actions-0-due_on-error" class="field-error">Enter a due date.'),
])
def test_bad_entry_input_is_shown_on_the_form_and_nothing_is_written(org, as_, fields, message):
    response = as_("author").post("/coaching/new", data=entry_form(org.agent.id, **fields))
    assert response.status_code == 200
    assert 'class="field-error"' in page_text(response) or "form-errors" in page_text(response)
    assert message in page_text(response)
    assert db.session.execute(select(func.count(CoachingEntry.id))).scalar() == 0


def test_a_supervisor_cannot_write_for_an_agent_of_another_team(org, as_):
    response = as_("other_team_supervisor").post("/coaching/new", data=entry_form(org.agent.id))
    assert response.status_code == 200
    assert db.session.execute(select(func.count(CoachingEntry.id))).scalar() == 0


def test_the_agent_acknowledges_disagrees_and_a_manager_resolves_the_dispute(org, as_):
    entry = shared_entry(org)
    agent = as_("agent")
    assert "To acknowledge" in page_text(agent.get("/"))
    mine = page_text(agent.get("/coaching/mine"))
    assert f'href="/coaching/{entry.id}"' in mine

    refused = agent.post(f"/coaching/{entry.id}/response", data={"agrees": "no", "comment": ""})
    assert refused.status_code == 400 and "Say what you disagree with." in page_text(refused)
    response = agent.post(f"/coaching/{entry.id}/response",
                          data={"agrees": "no", "comment": "The customer asked me to hold.",
                                "usefulness": "2"})
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.state == "disputed" and entry.response.usefulness == 2

    assert as_("author").post(f"/coaching/{entry.id}/resolution",
                              data={"outcome": "upheld", "resolution": "x"}).status_code == 403
    manager = as_("manager_over_team")
    disputes = page_text(manager.get("/coaching/disputes"))
    assert f'href="/coaching/{entry.id}"' in disputes
    assert "Resolve the dispute" in page_text(manager.get(f"/coaching/{entry.id}"))
    response = manager.post(f"/coaching/{entry.id}/resolution", data={
        "outcome": "amended", "resolution": "The hold was the customer's choice.", "field": "to_improve",
        "new_value": "Offer a callback when a hold passes two minutes."})
    assert response.status_code == 302
    for who in ("agent", "author"):
        text = page_text(as_(who).get(f"/coaching/{entry.id}"))
        assert "The hold was the customer&#39;s choice." in text
        assert "Amended: the entry is corrected" in text
        assert "Offer a callback when a hold passes two minutes." in text


def test_amend_a_shared_entry_shows_the_history(org, as_):
    entry = shared_entry(org)
    client = as_("author")
    missing = client.post(f"/coaching/{entry.id}/amendments", data={"field": "to_improve", "new_value": "x",
                                                                    "reason": ""})
    assert missing.status_code == 400
    response = client.post(f"/coaching/{entry.id}/amendments", data={
        "field": "to_improve", "new_value": "Summarise, then confirm.", "reason": "Clearer wording"})
    assert response.status_code == 302
    text = page_text(as_("agent").get(f"/coaching/{entry.id}"))
    assert "<del>Summarise the next steps.</del>" in text and "Clearer wording" in text
    assert as_("agent").post(f"/coaching/{entry.id}/amendments", data={
        "field": "to_improve", "new_value": "mine", "reason": "r"}).status_code == 403


def test_mark_an_action_done_from_the_entry_page(org, as_):
    entry = shared_entry(org)
    action = entry.actions[0]
    assert as_("another_agent").post(f"/coaching/actions/{action.id}/done").status_code == 404
    response = as_("agent").post(f"/coaching/actions/{action.id}/done")
    assert response.status_code == 302
    db.session.refresh(action)
    assert action.done_at is not None and action.done_by == org.agent


def test_the_supervisor_area_lists_agents_follow_ups_drafts_and_disputes(org, as_):
    write_entry(org.supervisor, org.agent, now=NOW - timedelta(days=5), occurred_on=TODAY - timedelta(days=5))
    disputed_entry(org)
    shared_entry(org, follow_up_on=TODAY)
    text = page_text(as_("author").get("/coaching/"))
    assert "Agent1" in text and "Not shared in time" in text
    assert "Overdue" in text, "the follow-up (and the action) of March are overdue"
    assert "/people/agent1/growth" in text


def test_the_managers_overview_counts_their_teams(org, as_):
    disputed_entry(org)
    text = page_text(as_("manager_over_team").get("/coaching/overview"))
    assert "Alpha" in text and "Bravo Team" not in text
    assert as_("manager_of_other_site").get("/coaching/overview").status_code == 200
    assert "Alpha" not in page_text(as_("manager_of_other_site").get("/coaching/overview"))


# --- went well → kudos -----------------------------------------------------------------------

def test_went_well_becomes_a_public_kudos_with_that_text_only(org, as_, value):  # noqa: F811
    went_well = "You turned an angry caller into a thankful one in four minutes."
    to_improve = "PRIVATE-IMPROVE-TEXT: slow down when reading the terms."
    entry = shared_entry(org, went_well=went_well, to_improve=to_improve, interaction_ref="PRIVATE-REF-9")
    assert as_("agent").post(f"/coaching/{entry.id}/kudos", data={"value": value.slug, "points": "5"}
                             ).status_code == 403
    assert as_("manager_over_team").post(f"/coaching/{entry.id}/kudos",
                                         data={"value": value.slug, "points": "5"}).status_code == 302
    assert db.session.execute(select(func.count(Kudos.id))).scalar() == 0, "only the author publishes"

    client = as_("author")
    assert "Praise this in public" in page_text(client.get(f"/coaching/{entry.id}"))
    response = client.post(f"/coaching/{entry.id}/kudos", data={"value": value.slug, "points": "5"})
    assert response.status_code == 302
    kudos = db.session.execute(select(Kudos)).scalar_one()
    assert kudos.message == went_well and kudos.by_supervisor and kudos.points == 5
    assert [r.person_id for r in kudos.recipients] == [org.agent.id] and kudos.giver_id == org.supervisor.id
    db.session.refresh(entry)
    assert entry.went_well_kudos_id == kudos.id
    assert "Published as kudos" in page_text(client.get(f"/coaching/{entry.id}"))

    again = client.post(f"/coaching/{entry.id}/kudos", data={"value": value.slug, "points": "5"})
    assert again.status_code == 302
    assert db.session.execute(select(func.count(Kudos.id))).scalar() == 1, "once only"

    for who in ("another_agent", "other_team_supervisor", "admin"):
        reader = as_(who)
        for url in ("/api/v1/kudos", "/api/v1/feed", f"/api/v1/kudos/{kudos.id}",
                    "/api/v1/kudos?recipient=agent1"):
            body = page_text(reader.get(url))
            assert went_well in body, url
            assert "PRIVATE-IMPROVE-TEXT" not in body and "PRIVATE-REF-9" not in body, url
        for rule in public_page_urls(reader.application, kudos_id=kudos.id):
            assert "PRIVATE-IMPROVE-TEXT" not in page_text(reader.get(rule)), rule


def public_page_urls(app, **values) -> list[str]:
    """Every GET page outside coaching that needs at most the given URL values (the feed, profiles...)."""
    urls = []
    values = {"username": "agent1", "team": "Alpha", **values}
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if ("GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/")
                or rule.endpoint.split(".")[0] in ("coaching", "one_to_ones", "journal", "growth")
                or not set(rule.arguments) <= values.keys()):
            continue
        urls.append(adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments}))
    return urls


def test_publishing_needs_a_shared_entry_and_a_budget(org, as_, value):  # noqa: F811
    draft = write_entry(org.supervisor, org.agent, went_well="A long enough text about the good call.")
    client = as_("author")
    assert client.post(f"/coaching/{draft.id}/kudos", data={"value": value.slug, "points": "0"}
                       ).status_code == 302
    entry = shared_entry(org, went_well="A long enough text about the good call.")
    response = client.post(f"/coaching/{entry.id}/kudos", data={"value": value.slug, "points": "100000"})
    assert response.status_code == 400
    over = client.post(f"/coaching/{entry.id}/kudos", data={"value": value.slug, "points": "9999"})
    assert over.status_code == 400 and "points" in page_text(over)
    assert db.session.execute(select(func.count(Kudos.id))).scalar() == 0


# --- roster ----------------------------------------------------------------------------------

def test_the_roster_draws_this_week_and_ticks_off_monitoring_entries(org, as_, make_person, app):
    app.config["ROSTER_SAMPLE_SIZE"] = 1
    client = as_("author")
    text = page_text(client.get("/coaching/roster"))
    draw = db.session.execute(select(RosterDraw)).scalar_one()
    assert draw.agent == org.agent and "To monitor" in text
    drawn = page_text(client.get("/coaching/roster")).count('data-testid="roster-draw"')
    assert drawn == 1, "drawn once a week"
    assert "kind=monitoring_random" in text

    client.post("/coaching/new", data=entry_form(org.agent.id, kind="monitoring_random"))
    db.session.refresh(draw)
    assert draw.done and "Monitored" in page_text(client.get("/coaching/roster"))

    earlier = roster.current_week_start(utcnow()) - timedelta(weeks=1)
    db.session.add(RosterDraw(supervisor_id=org.supervisor.id, agent_id=org.agent.id, week_start=earlier))
    db.session.commit()
    assert "missed" in page_text(client.get("/coaching/roster"))


# --- the agent's side: consent after a move, journal, growth -----------------------------------

def test_after_a_team_move_the_agent_is_asked_about_their_history(org, as_, make_team, make_person):
    new_lead = make_person("super3", role="supervisor")
    team_c = make_team("Charlie", site="Shenzhen", supervisors=[new_lead])
    shared_entry(org)
    move_person(org.agent, team_c, actor=None)
    db.session.commit()
    question = "Let your new supervisors see your coaching history from Alpha?"
    agent = as_("agent")
    assert question in page_text(agent.get("/coaching/mine")) and question in page_text(agent.get("/"))

    response = agent.post("/coaching/consent", data={"decision": "not_now", "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    text = page_text(agent.get("/coaching/mine"))
    assert question not in text and "is hidden from Charlie" in text
    assert question not in page_text(agent.get("/"))

    agent.post("/coaching/consent", data={"decision": "allow"})
    assert "can see your coaching history from Alpha" in page_text(agent.get("/coaching/mine"))
    assert agent.post("/coaching/consent", data={"decision": "maybe"}).status_code == 302


def test_the_new_lead_sees_the_history_only_after_consent(org, client, login_as, make_team, make_person):
    new_lead = make_person("super3", role="supervisor")
    team_c = make_team("Charlie", site="Shenzhen", supervisors=[new_lead])
    old = shared_entry(org)
    move_person(org.agent, team_c, actor=None)
    db.session.commit()
    login_as(new_lead)
    assert client.get(f"/coaching/{old.id}").status_code == 404
    login_as(org.agent)
    client.post("/coaching/consent", data={"decision": "allow"})
    login_as(new_lead)
    assert client.get(f"/coaching/{old.id}").status_code == 200
    login_as(org.agent)
    client.post("/coaching/consent", data={"decision": "stop"})
    login_as(new_lead)
    assert client.get(f"/coaching/{old.id}").status_code == 404


def test_the_journal_is_private_to_its_writer(org, as_):
    client = as_("agent")
    assert client.post("/journal/", data={"text": ""}).status_code == 200
    response = client.post("/journal/", data={"text": "I want to handle escalations myself."})
    assert response.status_code == 302
    text = page_text(client.get("/journal/"))
    assert "I want to handle escalations myself." in text and "Only you can read your journal" in text
    for who in ("author", "manager_over_team", "admin", "another_agent"):
        assert "I want to handle escalations myself." not in page_text(as_(who).get("/journal/"))
    assert db.session.execute(select(func.count(JournalEntry.id))).scalar() == 1


def test_the_growth_timeline_mixes_coaching_meetings_kudos_and_badges(org, as_, value):  # noqa: F811
    today = real_today()
    entry = write_entry(org.supervisor, org.agent, share=True, occurred_on=today - timedelta(days=2),
                        now=utcnow() - timedelta(hours=2))
    draft = write_entry(org.supervisor, org.agent, occurred_on=today, went_well="DRAFT-ONLY",
                        now=utcnow() - timedelta(hours=2))
    services.schedule_one_to_one(org.supervisor, org.agent, utcnow() - timedelta(days=1), now=NOW)
    recognition.give_kudos(org.other_agent, value, "Thanks for covering my queue during the outage!", 5,
                           recipients=[org.agent], now=utcnow() - timedelta(hours=1))
    db.session.commit()
    for who in ("agent", "author", "manager_over_team"):
        response = as_(who).get("/growth" if who == "agent" else "/people/agent1/growth")
        text = page_text(response)
        kinds = re.findall(r'data-kind="(\w+)"', text)
        assert sorted(set(kinds)) == ["badge", "entry", "kudos", "one_to_one"], who
        assert f'href="/coaching/{entry.id}"' in text and f'href="/coaching/{draft.id}"' not in text
        assert "Thanks for covering my queue" in text
    earlier = page_text(as_("agent").get(f"/growth?until={(today - timedelta(days=400)).isoformat()}"))
    assert "Nothing in this period." in earlier


# --- one-to-ones -----------------------------------------------------------------------------

def test_schedule_a_one_to_one_and_run_it(org, as_):
    supervisor = as_("author")
    when = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    assert supervisor.post("/one-to-ones/new", data={"agent": "0", "scheduled_for": when,
                                                     "cadence": "monthly"}).status_code == 200
    response = supervisor.post("/one-to-ones/new", data={"agent": str(org.agent.id), "scheduled_for": when,
                                                         "cadence": "weekly"})
    meeting = db.session.execute(select(OneToOne)).scalar_one()
    assert response.status_code == 302 and meeting.cadence == "weekly"
    assert meeting.scheduled_for.astimezone(org_timezone()).hour == 10
    url = f"/one-to-ones/{meeting.id}"

    for who, kind, text in (("agent", "agenda", "Talk about night shifts"),
                            ("author", "agenda", "Review the QA trend"),
                            ("agent", "private", "AGENT-PRIVATE-NOTE"),
                            ("author", "private", "SUPERVISOR-PRIVATE-NOTE"),
                            ("author", "shared", "We agreed on a shadowing day"),
                            ("agent", "growth_goal", "Become a floor helper")):
        client = as_(who)
        assert client.post(f"{url}/notes", data={"kind_prefix": kind, f"{kind}-kind": kind,
                                                 f"{kind}-text": text}).status_code == 302
    refused = as_("author").post(f"{url}/notes", data={"kind_prefix": "growth_goal",
                                                       "growth_goal-kind": "growth_goal",
                                                       "growth_goal-text": "Not mine to write"})
    assert refused.status_code == 302
    as_("author").post(f"{url}/actions", data={"text": "Book the shadowing day", "owner": "supervisor",
                                                "due_on": ""})

    agent_view = page_text(as_("agent").get(url))
    supervisor_view = page_text(as_("author").get(url))
    manager_view = page_text(as_("manager_over_team").get(url))
    assert "AGENT-PRIVATE-NOTE" in agent_view and "SUPERVISOR-PRIVATE-NOTE" not in agent_view
    assert "SUPERVISOR-PRIVATE-NOTE" in supervisor_view and "AGENT-PRIVATE-NOTE" not in supervisor_view
    assert "PRIVATE-NOTE" not in manager_view and "Only you can see this" not in manager_view
    for view in (agent_view, supervisor_view):
        assert "Only you can see this" in view and 'class="lock-icon"' in view
        assert "Talk about night shifts" in view and "Review the QA trend" in view
        assert "Become a floor helper" in view and "Book the shadowing day" in view
    assert "Not mine to write" not in supervisor_view

    assert as_("agent").post(f"{url}/complete").status_code == 403
    response = as_("author").post(f"{url}/complete")
    following = db.session.execute(select(OneToOne).where(OneToOne.id != meeting.id)).scalar_one()
    assert response.headers["Location"].endswith(f"/one-to-ones/{following.id}")
    nxt = page_text(as_("agent").get(f"/one-to-ones/{following.id}"))
    assert "Book the shadowing day" in nxt and "carried over" in nxt
    listing = page_text(as_("agent").get("/one-to-ones/"))
    assert f"/one-to-ones/{meeting.id}" in listing and f"/one-to-ones/{following.id}" in listing


# --- closed loop -----------------------------------------------------------------------------

def test_the_target_kpi_is_shown_around_the_entry_when_kpis_exist(app, org, as_):
    entry = shared_entry(org, target_metric="aht")
    url = f"/coaching/{entry.id}"
    assert "Did it help?" not in page_text(as_("author").get(url)), "no KPIs (or none kept yet): no section"

    calls = []

    def series(agent, metric, start, end):
        calls.append((agent.username, metric, start, end))
        return [(start, 400.0), (entry.occurred_on - timedelta(days=1), 380.0),
                (entry.occurred_on + timedelta(days=3), 300.0)]

    kept = app.extensions.get(KPI_SERIES)
    app.extensions[KPI_SERIES] = series
    try:
        text = page_text(as_("author").get(url))
    finally:
        app.extensions[KPI_SERIES] = kept
    assert "Did it help? aht around this conversation" in text
    assert "390.0" in text and "300.0" in text
    assert calls == [("agent1", "aht", TODAY - timedelta(days=14), TODAY + timedelta(days=14))]


# --- home panel ------------------------------------------------------------------------------

def test_the_home_panel_shows_what_waits(org, as_):
    shared_entry(org)
    write_entry(org.supervisor, org.agent, now=NOW - timedelta(days=5), occurred_on=TODAY - timedelta(days=5))
    agent = page_text(as_("agent").get("/"))
    assert re.search(r'data-testid="home-to-acknowledge">1<', agent)
    supervisor = page_text(as_("author").get("/"))
    assert "Drafts waiting" in supervisor and "not shared in time" in supervisor
    assert "Overdue follow-ups" in supervisor
    assert "home-to-acknowledge" not in page_text(as_("manager_over_team").get("/")), "nothing of their own"


# --- bounded queries -------------------------------------------------------------------------

def queries_for(client, url: str, org) -> int:
    """Queries of one page view, starting like a real request: with an empty session (tests share one)."""
    db.session.commit()
    db.session.expunge_all()
    for record in vars(org).values():
        db.session.add(record)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter[0]


def add_coaching(org, how_many: int) -> None:
    """Entries of every state with actions, answers and amendments, meetings with notes and actions."""
    for n in range(how_many):
        entry = write_entry(org.supervisor, org.agent, share=True, follow_up_on=TODAY,
                            actions=[ActionDraft(f"Action {n} {i}", TODAY + timedelta(days=i), owner)
                                     for i, owner in enumerate(("agent", "author", "agent"))])
        if n % 2:
            services.respond_to_entry(entry, org.agent, agrees=bool(n % 4 == 1), comment="Because.",
                                      now=NOW + timedelta(hours=2))
        services.amend_entry(entry, org.supervisor, {"went_well": f"Amended {n}"}, reason="typo",
                             now=NOW + timedelta(hours=3))
        write_entry(org.supervisor, org.agent, now=NOW - timedelta(days=3),
                    occurred_on=TODAY - timedelta(days=3))
    db.session.commit()


def test_coaching_pages_take_the_same_number_of_queries_for_few_and_many_records(org, client, login_as):
    pages = {"supervisor": "/coaching/", "agent": "/coaching/mine", "agent_growth": "/growth",
             "supervisor_growth": "/people/agent1/growth"}

    def measure() -> dict[str, int]:
        entry_id = db.session.execute(select(func.max(CoachingEntry.id)).where(
            CoachingEntry.shared_at.is_not(None))).scalar()
        counts = {}
        for name, url in pages.items():
            login_as(org.agent if name.startswith("agent") else org.supervisor)
            counts[name] = queries_for(client, url, org)
        login_as(org.supervisor)
        counts["entry"] = queries_for(client, f"/coaching/{entry_id}", org)
        return counts

    add_coaching(org, 4)  # every state once: shared, agreed, disputed
    few = measure()
    add_coaching(org, 16)
    many = measure()
    assert many == few
    assert max(many.values()) <= 30, many


def test_a_one_to_one_page_takes_the_same_number_of_queries_for_few_and_many_notes(org, client, login_as):
    def meeting_with(notes: int, actions: int) -> OneToOne:
        meeting = services.schedule_one_to_one(org.supervisor, org.agent, NOW + timedelta(days=1), now=NOW)
        for n in range(notes):
            for author, kind in ((org.agent, "agenda"), (org.supervisor, "shared"), (org.agent, "private"),
                                 (org.supervisor, "private"), (org.agent, "growth_goal")):
                services.add_one_to_one_note(meeting, author, kind, f"{kind} {n}", now=NOW)
        for n in range(actions):
            services.add_one_to_one_action(meeting, org.supervisor, f"Action {n}",
                                           owner=org.supervisor if n % 2 else org.agent, now=NOW)
        db.session.commit()
        return meeting

    first = meeting_with(1, 1)
    login_as(org.supervisor)
    first_id = first.id
    few = queries_for(client, f"/one-to-ones/{first_id}", org)
    services.complete_one_to_one(db.session.get(OneToOne, first_id), org.supervisor,
                                 now=NOW + timedelta(days=1))
    db.session.commit()
    second = db.session.execute(select(OneToOne).where(OneToOne.completed_at.is_(None))).scalar_one()
    services.add_one_to_one_note(second, org.agent, "agenda", "x", now=NOW + timedelta(days=1))
    for n in range(10):
        for author, kind in ((org.agent, "agenda"), (org.supervisor, "private"), (org.agent, "private")):
            services.add_one_to_one_note(second, author, kind, f"{kind} {n}", now=NOW + timedelta(days=1))
        services.add_one_to_one_action(second, org.agent, f"More {n}", now=NOW + timedelta(days=1))
    db.session.commit()
    many = queries_for(client, f"/one-to-ones/{second.id}", org)
    assert many == few and many <= 20
