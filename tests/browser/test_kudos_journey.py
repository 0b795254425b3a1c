"""An agent gives kudos with the person picker; the colleague sees it in the feed, applauds it, and the
leaderboard shows the colleague with the points — in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from recognition import services

pytestmark = pytest.mark.browser

MESSAGE = "Thank you for taking over the escalated refund call and solving it."


@pytest.fixture
def colleagues(make_team, make_person):
    """The giver's and the colleague's usernames (plain values: no transaction stays open here)."""
    team = make_team("Care One")
    make_person("li.na", name="Li Na", team=team)
    make_person("zhang.san", name="张三 Zhang San", team=team)
    make_person("zhou.shuai", name="周帅 Zhou Shuai", team=team)  # also found by "zs"
    services.create_value("customer-first", name_en="Customer first", name_zh="客户至上", actor=None)
    db.session.commit()
    db.session.rollback()
    return "li.na", "zhang.san"


def test_give_kudos_with_the_picker_applaud_and_see_the_board(new_page, sign_in, colleagues):
    giver, colleague = colleagues
    page = sign_in(new_page(), giver)
    page.get_by_test_id("home-give-kudos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Give kudos")

    picker = page.get_by_role("combobox", name="People")
    picker.fill("zs")
    options = page.get_by_role("listbox", name="People found").get_by_role("option")
    expect(options).to_have_count(2)
    picker.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("data-username", colleague)  # by name: 周 sorts before 张
    picker.press("ArrowDown")
    picker.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")  # past the last, back to the first
    picker.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    picker.press("Enter")
    chip = page.get_by_test_id("picker-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("Zhang San")
    expect(page.get_by_role("listbox", name="People found")).to_be_hidden()

    page.get_by_label("Value").select_option("customer-first")
    page.get_by_label("What did they do?").fill(MESSAGE)
    page.get_by_label("Points").fill("10")
    expect(page.locator("[data-budget-after]")).to_have_text("After this kudos: 90 left.")
    page.get_by_test_id("send-kudos").click()

    expect(page).to_have_url(re.compile(r"/kudos$"))
    card = page.get_by_test_id("kudos-card").filter(has_text=MESSAGE)
    expect(card).to_be_visible()
    expect(card.get_by_test_id("kudos-recipient")).to_contain_text("Zhang San")

    page = sign_in(new_page(), colleague)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Kudos").click()
    card = page.get_by_test_id("kudos-card").filter(has_text=MESSAGE)
    expect(card.get_by_test_id("applause-count")).to_have_text("0")
    card.get_by_test_id("applaud").click()
    card = page.get_by_test_id("kudos-card").filter(has_text=MESSAGE)
    expect(card.get_by_test_id("applause-count")).to_have_text("1")
    expect(card.get_by_test_id("applaud")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leaderboard").click()
    row = page.get_by_test_id("board-people").get_by_role("row").filter(has_text="Zhang San")
    expect(row).to_contain_text("10")
    expect(row.get_by_role("cell").first).to_have_text("1")
