"""Badges by rules, once per person, with points into the ledger and an announcement in the feed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.errors import InvalidInput
from core.extensions import db
from recognition import queries, services
from recognition.badges import (
    FIRST_GIVEN, FIRST_RECEIVED, GIVING_STREAK, VALUE_CHAMPION, award_badge, badge_title, register_badge_kind,
)
from recognition.models import Announcement, BadgeAward, PointsEntry
from tests.kudos_fixtures import NOW, give, value  # noqa: F401


def badges(person) -> set[tuple[str, str]]:
    return {(b.code, b.context_key) for b in db.session.execute(queries.badges_of(person)).scalars()}


@pytest.fixture
def trio(make_team, make_person):
    team = make_team("Badgers")
    return [make_person(name, team=team) for name in ("ann", "bob", "cat")]


def test_first_kudos_given_and_received_once_each(trio, give):
    ann, bob, cat = trio
    give(ann, bob)
    assert badges(ann) == {(FIRST_GIVEN, "")}
    assert badges(bob) == {(FIRST_RECEIVED, "")}
    give(ann, cat)
    give(bob, ann)
    assert badges(ann) == {(FIRST_GIVEN, ""), (FIRST_RECEIVED, "")}
    assert badges(bob) == {(FIRST_RECEIVED, ""), (FIRST_GIVEN, "")}
    assert db.session.execute(select(BadgeAward).where(BadgeAward.code == FIRST_GIVEN,
                                                       BadgeAward.person_id == ann.id)).scalars().all()


def test_value_champion_at_the_tenth_kudos_in_one_value_one_badge_per_value(trio, give, value):
    ann, bob, cat = trio
    calm = services.create_value("calm", name_en="Calm under pressure", name_zh="临危不乱", actor=None)
    for day in range(8):
        give(ann if day % 2 else cat, bob, at=NOW + timedelta(days=day))
    retracted = give(ann, bob, at=NOW + timedelta(days=8))
    services.retract_kudos(retracted, actor=ann, now=NOW + timedelta(days=8))
    db.session.commit()
    give(ann, bob, value_=calm, at=NOW + timedelta(days=9))
    give(cat, bob, at=NOW + timedelta(days=10))
    assert (VALUE_CHAMPION, "customer-first") not in badges(bob)  # 9: the retracted one does not count
    give(cat, bob, at=NOW + timedelta(days=11))
    assert (VALUE_CHAMPION, "customer-first") in badges(bob)
    give(cat, bob, at=NOW + timedelta(days=12))
    assert [c for c, _ in badges(bob)].count(VALUE_CHAMPION) == 1
    for day in range(9):
        give(ann if day % 2 else cat, bob, value_=calm, at=NOW + timedelta(days=13 + day))
    assert (VALUE_CHAMPION, "calm") in badges(bob)


def test_giving_streak_needs_four_consecutive_org_weeks(trio, give):
    ann, bob, cat = trio
    first_week = NOW - timedelta(weeks=5)
    give(ann, bob, at=first_week)
    give(ann, bob, at=first_week + timedelta(weeks=1))
    give(ann, bob, at=first_week + timedelta(weeks=3))  # a week missed
    give(ann, bob, at=first_week + timedelta(weeks=4))
    assert (GIVING_STREAK, "") not in badges(ann)
    give(ann, bob, at=first_week + timedelta(weeks=5))
    assert (GIVING_STREAK, "") not in badges(ann)  # three weeks in a row so far
    give(ann, bob, at=first_week + timedelta(weeks=6))
    assert (GIVING_STREAK, "") in badges(ann)


def test_streak_weeks_follow_the_organisation_time_zone(trio, give):
    ann, bob, _cat = trio
    # 15:59:59Z on a Sunday is 23:59:59 in Shanghai; one second later it is Monday there (not in UTC).
    sunday_late = datetime(2026, 11, 1, 15, 59, 59, tzinfo=timezone.utc)  # week 44 in Shanghai
    for weeks in (0, 1, 2):
        give(ann, bob, at=sunday_late + timedelta(weeks=weeks))  # weeks 44, 45, 46
    give(ann, bob, at=sunday_late + timedelta(weeks=2, seconds=1))  # Monday 00:00: week 47
    assert sunday_late.weekday() == 6
    assert (GIVING_STREAK, "") in badges(ann)


def test_award_badge_is_idempotent_pays_points_and_announces(trio):
    ann, _bob, _cat = trio
    register_badge_kind("campaign_benchmark", "Benchmark", "Role model of a campaign.")
    first = award_badge(ann, "campaign_benchmark", context_key="campaign-7", now=NOW, points=25)
    again = award_badge(ann, "campaign_benchmark", context_key="campaign-7", now=NOW, points=25)
    other = award_badge(ann, "campaign_benchmark", context_key="campaign-8", now=NOW, points=0)
    db.session.commit()
    assert first is not None and again is None and other is not None
    assert services.points_balance(ann) == 25
    entry = db.session.execute(select(PointsEntry)).scalar_one()
    assert (entry.kind, entry.amount, entry.team_id) == ("badge", 25, ann.team_id)
    shown = db.session.execute(select(Announcement).order_by(Announcement.id)).scalars().all()
    assert [(a.kind, a.params) for a in shown] == [
        ("badge", {"badge": "campaign_benchmark", "context": "campaign-7"}),
        ("badge", {"badge": "campaign_benchmark", "context": "campaign-8"}),
    ]
    with pytest.raises(InvalidInput):
        award_badge(ann, "no_such_badge", now=NOW)


def test_badge_titles_name_the_value(app, value):
    assert badge_title(FIRST_RECEIVED) == "First kudos received"
    assert badge_title(VALUE_CHAMPION, "customer-first",
                       value_names={"customer-first": "Customer first"}) == "Value champion: Customer first"


def test_new_badges_are_interleaved_with_kudos_in_the_feed(trio, give):
    ann, bob, cat = trio
    give(ann, bob, at=NOW)
    give(cat, bob, at=NOW + timedelta(minutes=5))
    items, next_cursor = queries.feed_page(ann, limit=20)
    assert next_cursor is None
    described = [(i.kind, i.card.kudos.giver.username if i.card else
                  (i.announcement.person.username, i.announcement.params["badge"])) for i in items]
    assert described == [
        ("announcement", ("cat", FIRST_GIVEN)),
        ("kudos", "cat"),
        ("announcement", ("bob", FIRST_RECEIVED)),
        ("announcement", ("ann", FIRST_GIVEN)),
        ("kudos", "ann"),
    ]
    # Page by page, the same sequence with no gaps or repeats.
    seen, cursor = [], None
    while True:
        page, cursor = queries.feed_page(ann, limit=2, cursor=cursor)
        seen += [(i.kind, i.card.kudos.id if i.card else i.announcement.id) for i in page]
        if cursor is None:
            break
    assert seen == [(i.kind, i.card.kudos.id if i.card else i.announcement.id) for i in items]
    only_bob, _ = queries.feed_page(ann, limit=20, recipient=bob)
    assert [i.kind for i in only_bob] == ["kudos", "announcement", "kudos"]
