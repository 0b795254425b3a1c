"""Who sees a coaching record: the agent, the author while leading, the current team's leads; nobody by role."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from coaching import access, queries, services
from core.errors import NotFound
from core.extensions import db
from core.services import move_person
from tests.coaching_helpers import NOW, shared_entry, write_entry

VIEWERS = ("anonymous", "agent", "another_agent", "author", "other_team_supervisor", "manager_over_team",
           "manager_of_other_site", "admin")


@pytest.fixture
def people(org, make_person):
    london_manager = make_person("manager2", role="manager")
    london_manager.managed_sites.append(org.team_b.site)
    db.session.commit()
    return {
        "anonymous": AnonymousUserMixin(),
        "agent": org.agent,
        "another_agent": org.other_agent,
        "author": org.supervisor,
        "other_team_supervisor": org.other_supervisor,
        "manager_over_team": org.manager,
        "manager_of_other_site": london_manager,
        "admin": org.admin,
    }


def sees_entry(person, entry) -> bool:
    visible = access.can_view_entry(person, entry)
    try:
        access.visible_entry_or_404(person, entry.id)
        found = True
    except NotFound:
        found = False
    listed = (not isinstance(person, AnonymousUserMixin)
              and entry in db.session.execute(queries.visible_entries(person)).scalars().all())
    assert visible == found == listed, "the check, the loader and the list disagree"
    return visible


SHARED = {"agent": True, "author": True, "manager_over_team": True}
DRAFT = {"author": True}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_shared_entry_matrix(org, people, viewer):
    entry = shared_entry(org)
    assert sees_entry(people[viewer], entry) is SHARED.get(viewer, False)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_draft_matrix(org, people, viewer):
    entry = write_entry(org.supervisor, org.agent)
    assert sees_entry(people[viewer], entry) is DRAFT.get(viewer, False)


def test_a_co_supervisor_of_the_team_sees_shared_entries_not_drafts(org, make_person):
    co_lead = make_person("super3", role="supervisor")
    org.team_a.supervisors.append(co_lead)
    db.session.commit()
    assert sees_entry(co_lead, shared_entry(org))
    assert not sees_entry(co_lead, write_entry(org.supervisor, org.agent))


def test_an_admin_sees_coaching_only_as_a_named_lead(org):
    entry = shared_entry(org)
    assert not sees_entry(org.admin, entry)
    org.admin.managed_sites.append(org.team_a.site)
    db.session.commit()
    assert sees_entry(org.admin, entry)


def test_a_deactivated_lead_sees_nothing(org):
    entry = shared_entry(org)
    org.supervisor.active = False
    db.session.commit()
    assert not sees_entry(org.supervisor, entry)


def test_moving_team_needs_the_agents_consent_for_the_new_team(org, make_team, make_person):
    new_lead = make_person("super3", role="supervisor")
    team_c = make_team("Charlie", site="Shenzhen", supervisors=[new_lead])
    old_entry = shared_entry(org)
    move_person(org.agent, team_c, actor=org.admin)
    db.session.commit()

    assert sees_entry(org.agent, old_entry)
    assert not sees_entry(org.supervisor, old_entry), "the old supervisor no longer leads the agent"
    assert not sees_entry(org.manager, old_entry), "the old site's manager no longer leads the agent"
    assert not sees_entry(new_lead, old_entry), "history from another team needs consent"
    new_entry = write_entry(new_lead, org.agent, share=True)
    assert sees_entry(new_lead, new_entry) and not sees_entry(org.supervisor, new_entry)

    services.grant_history_consent(org.agent, team_c, now=NOW)
    db.session.commit()
    assert sees_entry(new_lead, old_entry)
    assert not sees_entry(org.supervisor, old_entry)

    services.revoke_history_consent(org.agent, team_c, now=NOW + timedelta(days=1))
    db.session.commit()
    assert not sees_entry(new_lead, old_entry)


def test_consent_for_one_team_does_not_follow_the_agent_to_the_next(org, make_team, make_person):
    lead_c, lead_d = make_person("super3", role="supervisor"), make_person("super4", role="supervisor")
    team_c = make_team("Charlie", site="Shenzhen", supervisors=[lead_c])
    team_d = make_team("Delta", site="Shenzhen", supervisors=[lead_d])
    old_entry = shared_entry(org)
    move_person(org.agent, team_c, actor=None)
    services.grant_history_consent(org.agent, team_c, now=NOW)
    move_person(org.agent, team_d, actor=None)
    db.session.commit()
    assert not sees_entry(lead_c, old_entry) and not sees_entry(lead_d, old_entry)


def test_a_lead_of_both_teams_keeps_seeing_entries_after_a_move_between_them(org, make_team):
    team_a2 = make_team("Alpha 2", site="Shanghai", supervisors=[org.supervisor])
    entry = shared_entry(org)
    move_person(org.agent, team_a2, actor=None)
    db.session.commit()
    assert sees_entry(org.supervisor, entry) and sees_entry(org.manager, entry)


def test_the_author_of_a_draft_loses_it_when_the_agent_moves_away(org, make_team):
    draft = write_entry(org.supervisor, org.agent)
    move_person(org.agent, org.team_b, actor=None)
    db.session.commit()
    assert not sees_entry(org.supervisor, draft)
    assert not sees_entry(org.other_supervisor, draft)
    assert not sees_entry(org.agent, draft)


def test_an_agent_with_no_team_is_seen_by_nobody_but_themselves(org):
    entry = shared_entry(org)
    move_person(org.agent, None, actor=None)
    db.session.commit()
    assert sees_entry(org.agent, entry)
    assert not any(sees_entry(p, entry) for p in (org.supervisor, org.manager, org.admin))


def test_actions_follow_their_entry(org, people):
    entry = shared_entry(org)
    action = entry.actions[0]
    assert access.visible_action_or_404(org.agent, action.id) is action
    for viewer in ("another_agent", "other_team_supervisor", "admin", "manager_of_other_site"):
        with pytest.raises(NotFound):
            access.visible_action_or_404(people[viewer], action.id)


# --- one-to-ones -----------------------------------------------------------------------------

MEETING = {"agent": True, "author": True, "manager_over_team": True}


@pytest.fixture
def meeting(org):
    meeting = services.schedule_one_to_one(org.supervisor, org.agent, NOW + timedelta(days=1), now=NOW)
    for author, kind in ((org.supervisor, "private"), (org.agent, "private"), (org.supervisor, "shared"),
                         (org.agent, "agenda"), (org.agent, "growth_goal")):
        services.add_one_to_one_note(meeting, author, kind, f"{kind} by {author.username}", now=NOW)
    db.session.commit()
    return meeting


def visible_texts(person, meeting):
    return sorted(note.text for note in access.visible_notes(person, meeting))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_one_to_one_matrix(org, people, meeting, viewer):
    person = people[viewer]
    expected = MEETING.get(viewer, False)
    assert access.can_view_one_to_one(person, meeting) is expected
    if not expected:
        with pytest.raises(NotFound):
            access.visible_one_to_one_or_404(person, meeting.id)
        return
    assert access.visible_one_to_one_or_404(person, meeting.id) is meeting
    mine = {"agent": ["private by agent1"], "author": ["private by super1"]}.get(viewer, [])
    assert visible_texts(person, meeting) == sorted(
        ["agenda by agent1", "growth_goal by agent1", "shared by super1"] + mine)


def test_private_notes_are_the_authors_only(org, people, meeting):
    for note in meeting.notes:
        readers = [name for name, person in people.items() if access.can_view_note(person, note)]
        if note.kind == "private":
            assert readers == ["agent" if note.author == org.agent else "author"]
        else:
            assert readers == ["agent", "author", "manager_over_team"]


def test_one_to_ones_follow_the_move_team_rule(org, meeting, make_team, make_person):
    new_lead = make_person("super3", role="supervisor")
    team_c = make_team("Charlie", site="Shenzhen", supervisors=[new_lead])
    move_person(org.agent, team_c, actor=None)
    db.session.commit()
    assert access.can_view_one_to_one(org.agent, meeting)
    assert not access.can_view_one_to_one(org.supervisor, meeting)
    assert not access.can_view_one_to_one(new_lead, meeting)
    services.grant_history_consent(org.agent, team_c, now=NOW)
    db.session.commit()
    assert access.can_view_one_to_one(new_lead, meeting)
    assert "private by super1" not in visible_texts(new_lead, meeting)


def test_the_journal_is_its_writers_only(org, people):
    entry = services.write_journal_entry(org.agent, "Dear diary", now=NOW)
    db.session.commit()
    assert [name for name, person in people.items() if access.can_view_journal_entry(person, entry)] == ["agent"]
    assert db.session.execute(queries.journal_of(org.supervisor)).scalars().all() == []


def test_helpers_answer_for_current_leadership(org):
    assert access.leads_agent(org.supervisor, org.agent) and access.leads_agent(org.manager, org.agent)
    assert not access.leads_agent(org.admin, org.agent)
    assert access.is_supervisor_of_agent(org.supervisor, org.agent)
    assert not access.is_supervisor_of_agent(org.manager, org.agent)
    assert access.is_manager_of_agent(org.manager, org.agent)
    assert not access.is_manager_of_agent(org.supervisor, org.agent)
    assert not access.leads_agent(org.supervisor, org.supervisor), "nobody leads themselves"
