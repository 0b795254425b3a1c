"""Every kudos rule at its boundary: budgets, months in the org time zone, retraction, pair cap, splits."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from core.errors import InvalidInput, NotAllowed, NotFound
from core.extensions import db
from core.models import AuditEvent, Person
from recognition import queries, services
from recognition.services import (
    InactiveRecipient, InactiveValue, MessageTooShort, NoRecipients, OverBudget, PairCapReached,
    RetractWindowClosed, SelfKudos,
)
from tests.kudos_fixtures import MESSAGE, NOW, give, value  # noqa: F401


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def people(make_team, make_person):
    team = make_team("Care")
    return [make_person(f"p{i}", team=team) for i in range(6)]


def test_budget_exactly_used_is_allowed_and_one_more_point_is_not(people, give):
    giver, a, b, c = people[:4]
    give(giver, a, points=50)
    give(giver, b, points=50)
    assert services.giving_budget_left(giver, now=NOW) == 0
    with pytest.raises(OverBudget) as caught:
        give(giver, c, points=1)
    assert caught.value.code == "over_budget" and caught.value.status == 422
    db.session.rollback()
    give(giver, c, points=0)  # zero-point kudos always fit


def test_budgets_by_role_and_per_direct_report(app, make_team, make_person, give):
    supervisor = make_person("lead", role="supervisor")
    manager = make_person("boss", role="manager")
    team = make_team("Led", supervisors=[supervisor])
    agents = [make_person(f"a{i}", team=team) for i in range(3)]
    make_person("gone", team=team).active = False
    db.session.commit()
    assert services.monthly_budget(agents[0]) == 100
    assert services.monthly_budget(supervisor) == 300
    assert services.monthly_budget(manager) == 300
    app.config["BUDGET_PER_DIRECT_REPORT"] = 10
    assert services.monthly_budget(supervisor) == 330  # three active agents led
    assert services.monthly_budget(agents[0]) == 100
    kudos = give(supervisor, *agents, points=150)
    assert kudos.by_supervisor is True
    assert give(agents[0], agents[1]).by_supervisor is False


def test_a_new_month_begins_at_midnight_in_the_organisation_time_zone(people, give):
    giver, a, b, c = people[:4]
    november_last_second = utc(2026, 11, 30, 15, 59, 59)  # 23:59:59 in Asia/Shanghai
    december_first = utc(2026, 11, 30, 16, 0, 0)  # 00:00:00 on 1 December in Asia/Shanghai
    give(giver, a, points=50, at=november_last_second - timedelta(hours=1))
    last = give(giver, b, points=50, at=november_last_second)
    assert last.month_key == "2026-11"
    with pytest.raises(OverBudget):
        give(giver, c, points=1, at=november_last_second)
    db.session.rollback()
    first = give(giver, c, a, points=100, at=december_first)
    assert first.month_key == "2026-12" and first.points_each == 50
    assert services.giving_budget_left(giver, now=december_first) == 0
    assert services.giving_budget_left(giver, now=utc(2026, 12, 31, 16, 0)) == 100  # no roll-over either way


def test_the_giver_may_retract_within_ten_minutes_and_is_refunded(people, give):
    giver, a, b = people[:3]
    kudos = give(giver, a, points=30)
    assert services.giving_budget_left(giver, now=NOW) == 70
    services.retract_kudos(kudos, actor=giver, now=NOW + timedelta(minutes=9, seconds=59))
    db.session.commit()
    assert kudos.retracted_at is not None
    assert services.giving_budget_left(giver, now=NOW) == 100
    assert services.points_balance(a) == 0

    late = give(giver, b, points=30)
    with pytest.raises(RetractWindowClosed) as caught:
        services.retract_kudos(late, actor=giver, now=NOW + timedelta(minutes=10, seconds=1))
    assert caught.value.code == "retract_window_closed"
    db.session.rollback()
    assert services.points_balance(b) == 30


def test_only_the_giver_retracts_and_only_once(people, give):
    giver, a = people[:2]
    kudos = give(giver, a, points=5)
    with pytest.raises(NotAllowed):
        services.retract_kudos(kudos, actor=a, now=NOW)
    services.retract_kudos(kudos, actor=giver, now=NOW)
    db.session.commit()
    with pytest.raises(NotFound):
        services.retract_kudos(kudos, actor=giver, now=NOW)


def test_pair_cap_allows_exactly_fifty_across_several_kudos(people, give):
    giver, a, b = people[:3]
    give(giver, a, points=20)
    give(giver, a, points=20)
    give(giver, a, points=10)
    with pytest.raises(PairCapReached) as caught:
        give(giver, a, points=1)
    assert caught.value.code == "pair_cap"
    db.session.rollback()
    give(giver, a, points=0)  # praise without points is never capped
    give(giver, b, points=1)  # the cap is per receiver
    assert services.points_balance(a) == 50


def test_pair_cap_counts_team_shares_and_forgets_retracted_kudos(people, give, make_team, make_person):
    giver, a = people[:2]
    first = give(giver, a, points=40)
    with pytest.raises(PairCapReached):
        give(giver, a, points=11)
    db.session.rollback()
    services.retract_kudos(first, actor=giver, now=NOW)
    db.session.commit()
    give(giver, a, points=50)

    team = make_team("Small")
    x, y = make_person("x1", team=team), make_person("y1", team=team)
    give(people[2], x, points=45)
    with pytest.raises(PairCapReached):  # 6 each to x and y would take x to 51
        give(people[2], team=team, points=12)
    db.session.rollback()
    give(people[2], team=team, points=10)
    assert services.points_balance(x) == 50 and services.points_balance(y) == 5


def test_team_points_are_split_evenly_and_the_remainder_stays_in_the_budget(make_team, make_person, give):
    team = make_team("Four")
    giver = make_person("giver", team=team)
    others = [make_person(f"m{i}", team=team) for i in range(3)]
    make_person("left", team=team).active = False
    db.session.commit()
    kudos = give(giver, team=team, points=10)
    assert kudos.points_each == 3 and kudos.points == 9
    assert sorted(r.person.username for r in kudos.recipients) == ["m0", "m1", "m2"]  # not the giver
    assert [services.points_balance(p) for p in others] == [3, 3, 3]
    assert services.points_balance(giver) == 0
    assert services.giving_budget_left(giver, now=NOW) == 91
    assert kudos.team is team


def test_no_kudos_to_oneself_but_a_team_kudos_leaves_the_giver_out(people, give, make_team, make_person):
    giver, a = people[:2]
    with pytest.raises(SelfKudos) as caught:
        give(giver, a, giver, points=10)
    assert caught.value.code == "self_kudos"
    db.session.rollback()
    lonely = make_team("Solo")
    solo = make_person("solo", team=lonely)
    with pytest.raises(NoRecipients):
        give(solo, team=lonely, points=10)


@pytest.mark.parametrize("message, ok", [
    ("x" * 19, False),
    ("x" * 20, True),
    ("   " + "x" * 19 + "\n\t ", False),  # counted after trimming
    ("谢谢你耐心地帮客户处理了三次失败的退款问题", True),  # 20 Chinese characters
    ("谢谢你耐心地帮客户处理了三次失败的退款", False),  # 19
])
def test_the_message_must_say_what_was_done(people, give, message, ok):
    giver, a = people[:2]
    if ok:
        assert give(giver, a, message=message).message == message.strip()
        return
    with pytest.raises(MessageTooShort) as caught:
        give(giver, a, message=message)
    assert caught.value.code == "message_too_short" and caught.value.field == "message"


def test_the_minimum_length_is_configurable(app, people, give):
    app.config["KUDOS_MIN_MESSAGE_LENGTH"] = 5
    give(people[0], people[1], message="Great")


def test_inactive_values_and_people_take_no_kudos(people, give, value):
    giver, a, b = people[:3]
    services.update_value(value, active=False, actor=None)
    with pytest.raises(InactiveValue) as caught:
        give(giver, a)
    assert caught.value.code == "inactive_value"
    db.session.rollback()
    b.active = False
    value.active = True
    db.session.commit()
    with pytest.raises(InactiveRecipient):
        give(giver, b)


def test_people_or_a_team_but_not_neither_and_no_negative_points(people, give, make_team):
    giver, a = people[:2]
    with pytest.raises(InvalidInput):
        give(giver)
    with pytest.raises(InvalidInput):
        give(giver, a, team=make_team("Other"))
    with pytest.raises(InvalidInput):
        give(giver, a, points=-1)


def test_an_admin_hides_with_a_reason_audited_and_nothing_is_refunded(people, give, make_person):
    admin = make_person("mod", role="admin")
    giver, a = people[:2]
    kudos = give(giver, a, points=20)
    with pytest.raises(NotAllowed):
        services.hide_kudos(kudos, actor=giver, reason="spam", now=NOW)
    with pytest.raises(InvalidInput) as caught:
        services.hide_kudos(kudos, actor=admin, reason="  ", now=NOW)
    assert caught.value.field == "reason" and caught.value.status == 400
    services.hide_kudos(kudos, actor=admin, reason="Inside joke, not recognition",
                        now=NOW + timedelta(days=3))
    db.session.commit()
    assert services.points_balance(a) == 0
    assert services.giving_budget_left(giver, now=NOW) == 80
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "kudos.hide")).scalar_one()
    assert event.actor_id == admin.id and event.target_id == kudos.id
    assert event.detail["reason"] == "Inside joke, not recognition"
    with pytest.raises(NotFound):
        services.retract_kudos(kudos, actor=giver, now=NOW)


def test_remove_kudos_retracts_for_the_giver_and_hides_for_an_admin(people, give, make_person):
    admin = make_person("mod", role="admin")
    giver, a = people[:2]
    mine = give(giver, a, points=5)
    assert services.remove_kudos(mine, actor=giver, reason=None, now=NOW) == "retracted"
    theirs = give(giver, a, points=5)
    with pytest.raises(NotAllowed):
        services.remove_kudos(theirs, actor=a, reason=None, now=NOW)
    assert services.remove_kudos(theirs, actor=admin, reason="duplicate", now=NOW) == "hidden"
    own = give(admin, a, points=5)
    later = NOW + timedelta(hours=1)
    assert services.remove_kudos(own, actor=admin, reason="posted twice", now=later) == "hidden"


def test_values_have_unique_slugs_and_both_languages(app, value):
    assert (value.name_in("zh_Hans_CN"), value.name_in("en")) == ("客户至上", "Customer first")
    assert value.description_in("zh_Hans_CN") == "客户的问题就是我们的问题。"
    other = services.create_value("calm", name_en="Calm under pressure", actor=None)
    assert other.name_zh == "Calm under pressure" and other.position == value.position + 1
    with pytest.raises(Exception) as caught:
        services.create_value("customer-first", name_en="Again", actor=None)
    assert caught.value.code == "conflict"
    with pytest.raises(InvalidInput):
        services.create_value("Not A Slug", name_en="Bad", actor=None)


def test_concurrent_kudos_cannot_overspend_the_budget(app, people, give):
    """The spend row is locked (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) until commit."""
    give(people[0], people[5], points=0)  # the month's spend row exists: only its lock can serialise
    giver_id = people[0].id
    first_ids, second_ids = [people[1].id, people[2].id], [people[3].id, people[4].id]
    db.session.rollback()  # this test's own session holds no lock while the threads run
    first_holds_the_lock = threading.Event()
    outcome = {}

    def give_in_own_session(recipient_ids, name, wait_for=None, hold=0.0):
        with app.app_context():
            if wait_for is not None:
                wait_for.wait(5)
            giver = db.session.get(Person, giver_id)
            try:
                services.give_kudos(giver, services.require_value("customer-first"), MESSAGE, 60,
                                    recipients=[db.session.get(Person, i) for i in recipient_ids], now=NOW)
                if name == "first":
                    first_holds_the_lock.set()
                    time.sleep(hold)
                db.session.commit()
                outcome[name] = "given"
            except OverBudget:
                db.session.rollback()
                outcome[name] = "over_budget"
            finally:
                db.session.remove()

    first = threading.Thread(target=give_in_own_session, args=(first_ids, "first", None, 0.5))
    second = threading.Thread(target=give_in_own_session, args=(second_ids, "second", first_holds_the_lock))
    first.start()
    second.start()
    first.join(20)
    second.join(20)
    assert outcome == {"first": "given", "second": "over_budget"}
    assert services.budget_spent(people[0], "2026-11") == 60


def test_reciprocal_pairs_are_found_for_admins(people, give):
    a, b, c = people[:3]
    give(a, b, points=20)
    give(b, a, points=15)
    give(a, c, points=30)
    give(c, a, points=1)
    pairs = db.session.execute(queries.reciprocal_pairs("2026-11", min_points=10)).all()
    assert [tuple(row) for row in pairs] == [(a.id, b.id, 20, 15)]


def test_a_kudos_just_given_is_the_session_s_own_and_matches_what_was_stored(people, give):
    """Giving writes with plain inserts and returns the kudos as if read back: persistent in the
    session, nothing left to flush, and the same as a fresh read of the database."""
    giver, a, b = people[:3]
    kudos = give(giver, a, b, points=9)
    assert inspect(kudos).persistent and not db.session.dirty and not db.session.new
    assert db.session.get(type(kudos), kudos.id) is kudos
    given = (kudos.id, kudos.giver.username, kudos.value.slug, kudos.points, kudos.points_each,
             [(r.person.username, r.team_id, r.points) for r in kudos.recipients])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(type(kudos), kudos.id)
    assert (stored.id, stored.giver.username, stored.value.slug, stored.points, stored.points_each,
            [(r.person.username, r.team_id, r.points) for r in stored.recipients]) == given
    assert given[3:5] == (8, 4) and stored.retracted_at is None and stored.hidden_at is None
