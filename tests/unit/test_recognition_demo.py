"""`flask demo`'s recognition part: values in two languages, three months of kudos by the rules, once."""
from __future__ import annotations

from sqlalchemy import func, select

from core.demo import load_core_demo
from core.extensions import db
from recognition.demo import DEMO_VALUES, load_recognition_demo
from recognition.models import BadgeAward, Comment, Kudos, Reaction, Value
from tests.kudos_fixtures import assert_books_balance


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_demo_loads_values_kudos_reactions_comments_and_badges_once(app):
    load_core_demo()
    lines = load_recognition_demo()
    db.session.commit()
    assert "5 new" in lines[0]
    assert {v.slug: v.name_zh for v in db.session.execute(select(Value)).scalars()} == {
        slug: name_zh for slug, _en, name_zh, _d, _dz in DEMO_VALUES}
    kudos = count(Kudos)
    assert kudos > 150 and count(Reaction) > kudos and count(Comment) > 20
    codes = set(db.session.execute(select(BadgeAward.code)).scalars())
    assert {"first_kudos_given", "first_kudos_received", "giving_streak"} <= codes
    chinese = db.session.execute(
        select(func.count()).select_from(Kudos).where(Kudos.message.like("%你%"))).scalar_one()
    assert 0 < chinese < kudos
    assert_books_balance()

    again = load_recognition_demo()
    db.session.commit()
    assert "0 new" in again[0] and count(Kudos) == kudos
