"""A coaching entry's life: draft, shared, answered, amended, disputed, resolved — and its follow-ups."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coaching import queries, services
from coaching.models import CoachingAction, CoachingAmendment, CoachingEntry
from coaching.services import ActionDraft
from core.errors import Conflict, InvalidInput, NotAllowed
from core.extensions import db
from core.models import AuditEvent
from tests.coaching_helpers import NOW, TODAY, disputed_entry, shared_entry, write_entry


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- drafts and sharing ----------------------------------------------------------------------

def test_a_new_entry_is_a_draft_written_in_the_agents_team(org):
    entry = write_entry(org.supervisor, org.agent, kind="qa_evaluation", qa_score=72, target_metric="aht",
                        actions=[ActionDraft("Callback script", TODAY + timedelta(days=3), "author")])
    assert entry.state == "draft" and entry.shared_at is None
    assert entry.team_id == org.team_a.id
    assert entry.qa_score == 72 and entry.target_metric == "aht"
    assert [(a.text, a.owner) for a in entry.actions] == [("Callback script", org.supervisor)]


def test_a_draft_is_edited_in_place_by_its_author_only(org):
    entry = write_entry(org.supervisor, org.agent)
    services.update_draft(entry, org.supervisor, to_improve="Offer a callback sooner.",
                          actions=[ActionDraft("Practise", TODAY)], now=NOW)
    db.session.commit()
    assert entry.to_improve == "Offer a callback sooner." and [a.text for a in entry.actions] == ["Practise"]
    assert entry.amendments == []
    with pytest.raises(NotAllowed):
        services.update_draft(entry, org.manager, to_improve="x", now=NOW)


def test_only_the_author_shares_and_sharing_twice_changes_nothing(org, make_person):
    co_lead = make_person("super3", role="supervisor")
    org.team_a.supervisors.append(co_lead)
    entry = write_entry(org.supervisor, org.agent)
    with pytest.raises(NotAllowed):
        services.share_entry(entry, co_lead, now=NOW)
    services.share_entry(entry, org.supervisor, now=NOW)
    services.share_entry(entry, org.supervisor, now=NOW + timedelta(days=1))
    assert entry.shared_at == NOW and entry.state == "shared"


def test_a_shared_entry_is_never_edited_in_place(org):
    entry = shared_entry(org)
    with pytest.raises(Conflict):
        services.update_draft(entry, org.supervisor, to_improve="Changed silently", now=NOW)
    db.session.rollback()
    assert db.session.get(CoachingEntry, entry.id).to_improve == "Summarise the next steps."


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "qa_evaluation", "qa_score": None}, "qa_score"),
    ({"kind": "qa_evaluation", "qa_score": 101}, "qa_score"),
    ({"kind": "side_by_side", "qa_score": 50}, "qa_score"),
    ({"kind": "coffee"}, "kind"),
    ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
    ({"follow_up_on": TODAY - timedelta(days=1)}, "follow_up_on"),
    ({"target_metric": "Average Handle Time"}, "target_metric"),
    ({"to_improve": "x" * 5001}, "to_improve"),
    ({"actions": [ActionDraft("ok", TODAY), ActionDraft(" ", TODAY)]}, "actions.1.text"),
    ({"actions": [ActionDraft("ok", TODAY, owner="manager")]}, "actions.0.owner"),
    ({"actions": [ActionDraft("ok", TODAY - timedelta(days=1))]}, "actions.0.due_on"),
])
def test_bad_fields_are_refused_and_nothing_is_written(org, fields, field):
    fields = {"kind": "side_by_side", "occurred_on": TODAY, **fields}
    with pytest.raises(InvalidInput) as raised:
        services.create_entry(org.supervisor, org.agent, now=NOW, **fields)
    assert raised.value.field == field
    db.session.rollback()
    assert count(CoachingEntry) == 0 and count(CoachingAction) == 0


def test_only_leads_of_the_agents_team_write_coaching(org):
    for outsider in (org.other_supervisor, org.admin, org.other_agent):
        with pytest.raises(NotAllowed):
            services.create_entry(outsider, org.agent, kind="other", occurred_on=TODAY, now=NOW)
    assert write_entry(org.manager, org.agent).author == org.manager


# --- amendments ------------------------------------------------------------------------------

def test_an_amendment_changes_the_entry_and_keeps_the_history(org):
    entry = shared_entry(org, kind="qa_evaluation", qa_score=70)
    later = NOW + timedelta(days=1)
    services.amend_entry(entry, org.supervisor, {"qa_score": 75, "to_improve": "Offer a callback sooner."},
                         reason="Recalibrated with QA.", now=later)
    services.amend_entry(entry, org.manager, {"follow_up_on": "2026-03-20"}, reason="Follow up sooner.",
                         now=later + timedelta(hours=1))
    db.session.commit()
    assert (entry.qa_score, entry.to_improve, str(entry.follow_up_on)) == (75, "Offer a callback sooner.", "2026-03-20")
    history = [(a.field, a.old_value, a.new_value, a.reason, a.author.username, a.created_at)
               for a in entry.amendments]
    assert history == [
        ("to_improve", "Summarise the next steps.", "Offer a callback sooner.", "Recalibrated with QA.", "super1", later),
        ("qa_score", "70", "75", "Recalibrated with QA.", "super1", later),
        ("follow_up_on", None, "2026-03-20", "Follow up sooner.", "manager1", later + timedelta(hours=1)),
    ]
    assert entry.updated_at == later + timedelta(hours=1)


@pytest.mark.parametrize(("changes", "reason", "field"), [
    ({"qa_score": 120}, "why", "qa_score"),
    ({"to_improve": "Summarise the next steps."}, "why", "changes"),
    ({}, "why", "changes"),
    ({"kind": "other"}, "why", "changes"),
    ({"to_improve": "Better"}, "  ", "reason"),
])
def test_bad_amendments_are_refused(org, changes, reason, field):
    entry = shared_entry(org, kind="qa_evaluation", qa_score=70)
    with pytest.raises(InvalidInput) as raised:
        services.amend_entry(entry, org.supervisor, changes, reason=reason, now=NOW)
    assert raised.value.field == field
    db.session.rollback()
    assert count(CoachingAmendment) == 0


def test_a_draft_is_not_amended_and_only_author_or_manager_amend(org, make_person):
    draft = write_entry(org.supervisor, org.agent)
    with pytest.raises(Conflict):
        services.amend_entry(draft, org.supervisor, {"to_improve": "x"}, reason="r", now=NOW)
    entry = shared_entry(org)
    co_lead = make_person("super3", role="supervisor")
    org.team_a.supervisors.append(co_lead)
    for person in (co_lead, org.agent, org.admin, org.other_supervisor):
        with pytest.raises(NotAllowed):
            services.amend_entry(entry, person, {"to_improve": "x"}, reason="r", now=NOW)


# --- responses -------------------------------------------------------------------------------

def test_the_agent_acknowledges_once_and_rates_usefulness(org):
    entry = shared_entry(org)
    services.respond_to_entry(entry, org.agent, agrees=True, usefulness=4, comment="Helpful", now=NOW)
    db.session.commit()
    assert entry.state == "acknowledged" and entry.dispute is None
    assert (entry.response.agrees, entry.response.usefulness, entry.response.comment) == (True, 4, "Helpful")
    with pytest.raises(Conflict):
        services.respond_to_entry(entry, org.agent, now=NOW)


def test_response_rules(org):
    entry = shared_entry(org)
    with pytest.raises(NotAllowed):
        services.respond_to_entry(entry, org.supervisor, now=NOW)
    with pytest.raises(InvalidInput) as raised:
        services.respond_to_entry(entry, org.agent, agrees=False, comment="  ", now=NOW)
    assert raised.value.field == "comment"
    for usefulness in (0, 6, True):
        with pytest.raises(InvalidInput):
            services.respond_to_entry(entry, org.agent, usefulness=usefulness, now=NOW)
    draft = write_entry(org.supervisor, org.agent)
    with pytest.raises(Conflict):
        services.respond_to_entry(draft, org.agent, now=NOW)


# --- disputes --------------------------------------------------------------------------------

def test_disagreeing_opens_a_dispute_due_within_the_configured_days(app, org):
    app.config["COACHING_DISPUTE_DAYS"] = 3
    entry = disputed_entry(org)
    opened = NOW + timedelta(hours=2)
    assert entry.state == "disputed"
    assert (entry.dispute.opened_at, entry.dispute.due_at) == (opened, opened + timedelta(days=3))
    assert not entry.dispute.is_overdue(opened + timedelta(days=3))
    assert entry.dispute.is_overdue(opened + timedelta(days=3, seconds=1))


def test_overdue_disputes_are_flagged_to_the_managers_over_the_team(org, make_person):
    entry = disputed_entry(org)
    due = entry.dispute.due_at
    assert db.session.execute(queries.open_disputes(org.manager)).scalars().all() == [entry.dispute]
    assert db.session.execute(queries.open_disputes(org.manager, now=due)).scalars().all() == []
    overdue = db.session.execute(queries.open_disputes(org.manager, now=due + timedelta(minutes=1))).scalars()
    assert overdue.all() == [entry.dispute]
    for other in (org.other_supervisor, org.admin, org.supervisor):
        assert db.session.execute(queries.open_disputes(other)).scalars().all() == []


def test_upheld(org):
    entry = disputed_entry(org)
    services.resolve_dispute(entry, org.manager, outcome="upheld", resolution="The coaching stands.",
                             now=NOW + timedelta(days=1))
    db.session.commit()
    assert entry.state == "resolved" and entry.withdrawn_at is None
    assert (entry.dispute.outcome, entry.dispute.resolution, entry.dispute.resolved_by) == (
        "upheld", "The coaching stands.", org.manager)
    with pytest.raises(Conflict):
        services.resolve_dispute(entry, org.manager, outcome="withdrawn", resolution="again", now=NOW)


def test_amended_needs_changes_and_records_them_with_the_resolution_as_reason(org):
    entry = disputed_entry(org)
    with pytest.raises(InvalidInput):
        services.resolve_dispute(entry, org.manager, outcome="amended", resolution="Fair point.", now=NOW)
    db.session.rollback()
    services.resolve_dispute(entry, org.manager, outcome="amended", resolution="Fair point.",
                             changes={"to_improve": "Nothing: holding was right."}, now=NOW + timedelta(days=1))
    db.session.commit()
    assert entry.to_improve == "Nothing: holding was right."
    assert [(a.field, a.reason, a.author) for a in entry.amendments] == [("to_improve", "Fair point.", org.manager)]
    assert entry.dispute.outcome == "amended"


def test_withdrawn_marks_the_entry_which_stays_visible_to_both_sides(org):
    from coaching.access import can_view_entry

    entry = disputed_entry(org)
    services.resolve_dispute(entry, org.manager, outcome="withdrawn", resolution="Withdrawn: it was fine.",
                             now=NOW + timedelta(days=1))
    db.session.commit()
    assert entry.state == "withdrawn" and entry.withdrawn_at == NOW + timedelta(days=1)
    assert can_view_entry(org.agent, entry) and can_view_entry(org.supervisor, entry)
    with pytest.raises(Conflict):
        services.amend_entry(entry, org.supervisor, {"to_improve": "x"}, reason="r", now=NOW)
    with pytest.raises(Conflict):
        services.complete_action(entry.actions[0], org.agent, now=NOW)


def test_only_a_manager_over_the_agents_team_resolves(org, make_person):
    london_manager = make_person("manager2", role="manager")
    london_manager.managed_sites.append(org.team_b.site)
    entry = disputed_entry(org)
    for person in (org.supervisor, org.agent, org.admin, london_manager):
        with pytest.raises(NotAllowed):
            services.resolve_dispute(entry, person, outcome="upheld", resolution="r", now=NOW)
    with pytest.raises(InvalidInput):
        services.resolve_dispute(entry, org.manager, outcome="shrugged", resolution="r", now=NOW)
    no_dispute = shared_entry(org)
    with pytest.raises(Conflict):
        services.resolve_dispute(no_dispute, org.manager, outcome="upheld", resolution="r", now=NOW)


# --- follow-ups ------------------------------------------------------------------------------

def test_open_actions_per_agent_and_supervisor_and_marking_done(org):
    entry = shared_entry(org, actions=[ActionDraft("Late", TODAY), ActionDraft("Later", TODAY + timedelta(days=9))])
    write_entry(org.supervisor, org.agent, actions=[ActionDraft("In a draft", TODAY)])  # drafts do not count
    late = entry.actions[0]

    def texts(stmt):
        return [action.text for action in db.session.execute(stmt).scalars()]

    assert texts(queries.open_actions(agent=org.agent)) == ["Late", "Later"]
    assert texts(queries.open_actions(author=org.supervisor)) == ["Late", "Later"]
    assert texts(queries.open_actions(author=org.supervisor, due_before=TODAY + timedelta(days=1))) == ["Late"]
    assert texts(queries.open_actions(agent=org.other_agent)) == []

    with pytest.raises(NotAllowed):
        services.complete_action(late, org.other_supervisor, now=NOW)
    services.complete_action(late, org.agent, now=NOW)
    services.complete_action(late, org.supervisor, now=NOW + timedelta(hours=1))  # once is enough
    db.session.commit()
    assert (late.done_at, late.done_by) == (NOW, org.agent)
    assert texts(queries.open_actions(agent=org.agent)) == ["Later"]


def test_due_and_overdue_follow_ups_until_followed_up(org):
    entry = shared_entry(org, follow_up_on=TODAY + timedelta(days=2))

    def due(**kwargs):
        return db.session.execute(queries.follow_ups_due(**kwargs)).scalars().all()

    assert due(today=TODAY, author=org.supervisor) == []
    assert due(today=TODAY, author=org.supervisor, within_days=2) == [entry]
    assert due(today=TODAY + timedelta(days=2), agent=org.agent) == [entry]
    assert due(today=TODAY + timedelta(days=2), author=org.supervisor, overdue_only=True) == []
    assert due(today=TODAY + timedelta(days=3), author=org.supervisor, overdue_only=True) == [entry]
    assert due(today=TODAY + timedelta(days=3), author=org.other_supervisor) == []

    write_entry(org.supervisor, org.agent, kind="follow_up", follow_up_of=entry, share=True)
    assert due(today=TODAY + timedelta(days=3), author=org.supervisor) == []


def test_drafts_not_shared_in_time_are_flagged_to_their_author(app, org):
    entry = write_entry(org.supervisor, org.agent, now=NOW)
    hours = app.config["COACHING_SHARE_HOURS"]
    assert hours == 48

    def flagged(person, at):
        return db.session.execute(queries.unshared_drafts(person, now=at)).scalars().all()

    assert flagged(org.supervisor, NOW + timedelta(hours=hours)) == []
    assert queries.is_share_overdue(entry, now=NOW + timedelta(hours=hours, minutes=1))
    assert flagged(org.supervisor, NOW + timedelta(hours=hours, minutes=1)) == [entry]
    assert flagged(org.manager, NOW + timedelta(days=9)) == []
    services.share_entry(entry, org.supervisor, now=NOW + timedelta(days=3))
    assert flagged(org.supervisor, NOW + timedelta(days=9)) == []


def test_every_change_is_audited_without_the_private_text(org):
    entry = disputed_entry(org, comment="PRIVATE-WORDS")
    services.resolve_dispute(entry, org.manager, outcome="upheld", resolution="PRIVATE-RESOLUTION", now=NOW)
    db.session.commit()
    events = db.session.execute(select(AuditEvent).where(AuditEvent.target_id == entry.id,
                                                         AuditEvent.target_type == "coachingentry")).scalars().all()
    assert [e.action for e in events] == ["coaching.create", "coaching.share", "coaching.respond",
                                          "coaching.resolve_dispute"]
    assert "PRIVATE" not in repr([e.detail for e in events])
