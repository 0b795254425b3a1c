"""One-to-ones: scheduling by the supervisor, notes, action items carried over until done, the cadence."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from coaching import queries, services
from coaching.models import OneToOne
from core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from core.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
JAN_31 = datetime(2026, 1, 31, 10, 0, tzinfo=SHANGHAI)
NOW = datetime(2026, 1, 20, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def meeting(org):
    meeting = services.schedule_one_to_one(org.supervisor, org.agent, JAN_31, now=NOW)
    db.session.commit()
    return meeting


def actions_of(meeting):
    return [(a.text, a.done_at is not None, a.meeting_id == meeting.id)
            for a in db.session.execute(queries.meeting_actions(meeting)).scalars()]


def test_only_the_agents_supervisor_schedules_and_one_meeting_at_a_time(org, meeting, make_person):
    assert (meeting.supervisor, meeting.agent, meeting.team_id, meeting.cadence) == (
        org.supervisor, org.agent, org.team_a.id, "monthly")
    for person in (org.manager, org.admin, org.other_supervisor, org.other_agent):
        with pytest.raises(NotAllowed):
            services.schedule_one_to_one(person, org.agent, JAN_31, now=NOW)
    with pytest.raises(Conflict):
        services.schedule_one_to_one(org.supervisor, org.agent, JAN_31 + timedelta(days=3), now=NOW)
    with pytest.raises(InvalidInput):
        services.schedule_one_to_one(org.supervisor, make_person("alpha9", team=org.team_a), JAN_31,
                                     cadence="daily", now=NOW)


def test_a_naive_time_is_organisation_time(org):
    meeting = services.schedule_one_to_one(org.supervisor, org.agent, datetime(2026, 2, 2, 9, 30), now=NOW)
    db.session.commit()
    db.session.refresh(meeting)
    assert meeting.scheduled_for == datetime(2026, 2, 2, 1, 30, tzinfo=timezone.utc)


def test_notes_by_the_participants_agenda_before_and_growth_by_the_agent(org, meeting):
    services.add_one_to_one_note(meeting, org.agent, "agenda", "Billing queue", now=NOW)
    services.add_one_to_one_note(meeting, org.supervisor, "agenda", "QA results", now=NOW)
    services.add_one_to_one_note(meeting, org.agent, "growth_goal", "Handle escalations", now=NOW)
    services.add_one_to_one_note(meeting, org.agent, "learned", "The refund report", now=NOW)
    with pytest.raises(NotAllowed):
        services.add_one_to_one_note(meeting, org.supervisor, "growth_goal", "For them", now=NOW)
    with pytest.raises(NotAllowed):
        services.add_one_to_one_note(meeting, org.manager, "shared", "I was not there", now=NOW)
    with pytest.raises(InvalidInput):
        services.add_one_to_one_note(meeting, org.agent, "gossip", "x", now=NOW)
    with pytest.raises(InvalidInput):
        services.add_one_to_one_note(meeting, org.agent, "shared", "   ", now=NOW)
    services.complete_one_to_one(meeting, org.supervisor, now=JAN_31)
    with pytest.raises(DomainError) as raised:
        services.add_one_to_one_note(meeting, org.agent, "agenda", "Too late", now=NOW)
    assert raised.value.code == "meeting_completed"
    services.add_one_to_one_note(meeting, org.supervisor, "shared", "Summary afterwards", now=JAN_31)
    db.session.commit()
    assert [n.kind for n in meeting.notes] == ["agenda", "agenda", "growth_goal", "learned", "shared"]


def test_open_action_items_carry_over_until_done(org, meeting):
    shadow = services.add_one_to_one_action(meeting, org.supervisor, "Shadow billing", now=NOW)
    course = services.add_one_to_one_action(meeting, org.agent, "Book the course", owner=org.supervisor,
                                            due_on="2026-02-10", now=NOW)
    with pytest.raises(InvalidInput):
        services.add_one_to_one_action(meeting, org.agent, "For the manager", owner=org.manager, now=NOW)
    assert (shadow.owner, course.owner, str(course.due_on)) == (org.agent, org.supervisor, "2026-02-10")
    services.complete_one_to_one_action(course, org.agent, now=JAN_31 - timedelta(hours=1))
    second = services.complete_one_to_one(meeting, org.supervisor, now=JAN_31 + timedelta(hours=1))
    db.session.commit()

    assert actions_of(meeting) == [("Shadow billing", False, True), ("Book the course", True, True)]
    assert actions_of(second) == [("Shadow billing", False, False)], "only the open one is carried over"
    with pytest.raises(DomainError) as raised:
        services.add_one_to_one_action(meeting, org.agent, "On a closed meeting", now=NOW)
    assert raised.value.status == 422

    services.add_one_to_one_action(second, org.agent, "Read the FAQ", now=JAN_31 + timedelta(days=5))
    services.complete_one_to_one_action(shadow, org.agent, now=JAN_31 + timedelta(days=10))
    third = services.complete_one_to_one(second, org.supervisor, now=JAN_31 + timedelta(days=28, hours=1))
    db.session.commit()
    assert actions_of(second) == [("Shadow billing", True, False), ("Read the FAQ", False, True)]
    assert actions_of(third) == [("Read the FAQ", False, False)], "done in the second meeting: not carried on"


def test_carry_over_stays_within_the_pair(org, meeting, make_person):
    services.add_one_to_one_action(meeting, org.agent, "Ours", now=NOW)
    services.complete_one_to_one(meeting, org.supervisor, now=JAN_31)
    other = services.schedule_one_to_one(org.supervisor, make_person("alpha9", team=org.team_a), JAN_31, now=NOW)
    db.session.commit()
    assert actions_of(other) == []


def test_completing_schedules_the_next_by_the_cadence(org, meeting):
    with pytest.raises(NotAllowed):
        services.complete_one_to_one(meeting, org.agent, now=JAN_31)
    following = services.complete_one_to_one(meeting, org.supervisor, now=JAN_31 + timedelta(hours=1))
    db.session.commit()
    assert meeting.completed_at == JAN_31 + timedelta(hours=1)
    assert following.scheduled_for == datetime(2026, 2, 28, 10, 0, tzinfo=SHANGHAI), "the month's last day"
    assert (following.supervisor, following.agent, following.cadence, following.completed_at) == (
        org.supervisor, org.agent, "monthly", None)
    with pytest.raises(Conflict):
        services.complete_one_to_one(meeting, org.supervisor, now=JAN_31)


@pytest.mark.parametrize(("cadence", "completed", "expected"), [
    ("weekly", JAN_31, datetime(2026, 2, 7, 10, 0, tzinfo=SHANGHAI)),
    ("fortnightly", JAN_31, datetime(2026, 2, 14, 10, 0, tzinfo=SHANGHAI)),
    ("monthly", datetime(2026, 3, 5, tzinfo=SHANGHAI), datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI)),
])
def test_a_late_completion_schedules_the_next_after_now(org, cadence, completed, expected):
    meeting = services.schedule_one_to_one(org.supervisor, org.agent, JAN_31, cadence=cadence, now=NOW)
    following = services.complete_one_to_one(meeting, org.supervisor, now=completed)
    assert following.scheduled_for == expected


def test_upcoming_meetings_of_a_participant(org, meeting):
    def upcoming(person):
        return db.session.execute(queries.upcoming_one_to_ones(person)).scalars().all()

    assert upcoming(org.agent) == [meeting] and upcoming(org.supervisor) == [meeting]
    assert upcoming(org.manager) == []
    following = services.complete_one_to_one(meeting, org.supervisor, now=JAN_31)
    assert upcoming(org.agent) == [following]
    assert db.session.get(OneToOne, meeting.id).completed_at is not None


def test_the_old_supervisor_cannot_write_after_the_agent_moved(org, meeting):
    from core.services import move_person

    move_person(org.agent, org.team_b, actor=None)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.add_one_to_one_note(meeting, org.supervisor, "shared", "Still here?", now=NOW)
    note = services.add_one_to_one_note(meeting, org.agent, "private", "My own note", now=NOW)
    assert note.author == org.agent
