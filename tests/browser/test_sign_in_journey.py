"""A person signs in, switches the language both ways and signs out, in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

NAME = "Li Na"


@pytest.fixture
def agent(make_team, make_person):
    """The username of an agent in a team (a plain value: no transaction stays open in this thread)."""
    make_person("li.na", name=NAME, team=make_team("Care One"))
    return "li.na"


def test_sign_in_switch_language_and_sign_out(page, agent):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Bravo")

    page.get_by_label("Username").fill(agent)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {NAME}")
    expect(page.get_by_text("Team Care One")).to_be_visible()

    page.locator("[data-testid=language-zh_Hans_CN]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{NAME}，你好")

    page.locator("[data-testid=language-en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {NAME}")

    page.locator("[data-testid=user-menu]").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin\?next=/$"))


def test_wrong_password_shows_the_error_on_the_page(page, agent, sign_in):
    sign_in(page, agent, "not-the-password")

    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value(agent)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(0)


def test_a_chinese_browser_gets_the_sign_in_page_in_chinese(new_page, live_server):
    page = new_page(locale="zh-CN")
    page.goto("/signin")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录 Bravo")


def _fits_its_width(page) -> bool:
    """Whether the page, once its stylesheets apply, needs no sideways scrolling.

    A heading can show before the stylesheets have loaded; measured then, the unstyled page is wider.
    """
    page.wait_for_load_state("load")
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_home_page_fits_a_phone_and_its_menus_work(new_page, make_person, sign_in):
    make_person("ada", name="Ada Admin", role="admin")
    page = sign_in(new_page(viewport=PHONE), "ada")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Admin")

    assert _fits_its_width(page)
    navigation = page.get_by_role("navigation", name="Main")
    for link in (navigation.get_by_role("link", name="Home"), page.locator("[data-testid=user-menu]"),
                 page.locator("[data-testid=language-zh_Hans_CN]")):
        expect(link).to_be_in_viewport()

    navigation.get_by_text("Admin", exact=True).click()
    navigation.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    assert _fits_its_width(page)

    page.locator("[data-testid=user-menu]").click()
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport()
    sign_out.click()
    expect(page).to_have_url(re.compile(r"/signin$"))
