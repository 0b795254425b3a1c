"""The person picker's search: names, usernames, pinyin and initials, kept by the people services."""
from __future__ import annotations

import pytest

from core import queries, services
from core.extensions import db
from core.people.search import person_search_text


def found(q: str, limit: int = 10) -> list[str]:
    return [p.username for p in db.session.execute(queries.search_people(q, limit)).scalars()]


def test_the_search_text_holds_the_name_the_username_the_pinyin_and_the_initials():
    text = person_search_text("张三 Zhang San", "agent")
    for part in ("agent", "张三 zhang san", "zhangsan", "zhang san", "zs"):
        assert part in text
    assert text == text.lower()
    assert person_search_text("Emma Clarke", "emma.clarke") == "emma.clarke emma clarke"


@pytest.mark.parametrize("q", ["zs", "ZS", "zhang", "zhangsan", "zhang san", "san zhang", "张", "张三", "san",
                               "agent", "gen"])
def test_zhang_san_is_found_by_any_part_of_the_name_the_username_pinyin_or_initials(make_person, q):
    make_person("agent", name="张三 Zhang San")
    make_person("li.na", name="李娜 Li Na")
    assert found(q) == ["agent"]


def test_a_surnames_other_reading_and_u_for_v_find_the_person_too(make_person):
    make_person("zeng.min", name="曾敏")  # 曾 is ceng in words, zeng as a surname
    make_person("lv.fang", name="吕芳")  # pinyin input writes lü as lv; most people type lu
    assert found("zengmin") == ["zeng.min"]
    assert found("zm") == ["zeng.min"]
    assert found("lvfang") == found("lufang") == found("lf") == ["lv.fang"]


def test_english_names_are_found_by_any_part_in_any_order(make_person):
    make_person("sarah.mitchell", name="Sarah Mitchell")
    make_person("mitch.evans", name="Mitch Evans")
    assert found("mitchell") == ["sarah.mitchell"]
    assert found("Mitchell Sarah") == ["sarah.mitchell"]
    assert found("mitch") == ["mitch.evans", "sarah.mitchell"]  # a username starting with it comes first
    assert found("") == [] and found("   ") == []


def test_the_limit_and_inactive_people(make_person):
    for i in range(12):
        make_person(f"agent{i:02d}", name=f"Agent {i}")
    assert len(found("agent", limit=5)) == 5
    assert len(found("agent")) == 10
    services.set_person_active(services.require_person("agent03"), False, actor=None)
    db.session.commit()
    assert "agent03" not in found("agent", limit=50)


def test_percent_and_underscore_are_taken_literally(make_person):
    make_person("li_na", name="Li Na")
    make_person("lixna", name="Lix Na")
    assert found("i_n") == ["li_na"]
    assert found("%") == []
    assert found("\\") == []


def test_renaming_a_person_updates_what_finds_them(make_person):
    person = make_person("wang.fang", name="Wang Fang")
    services.update_person(person, name="王芳 Wang Fang", email=person.email, role=person.role, locale=None,
                           timezone=None, actor=None)
    db.session.commit()
    assert found("wf") == ["wang.fang"]


def test_refreshing_fills_the_search_text_of_people_loaded_without_it(make_person):
    person = make_person("zhao.lei", name="赵磊 Zhao Lei")
    person.search_text = "zhao.lei 赵磊 zhao lei"  # as the migration leaves existing rows
    db.session.commit()
    assert found("zl") == []
    assert services.refresh_search_texts() == 1
    db.session.commit()
    assert found("zl") == ["zhao.lei"]
