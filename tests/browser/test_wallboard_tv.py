"""The wallboard on a 1920×1080 screen: it shows the top of the standings and the targets, then follows
kudos and KPI uploads made while it is open (no reload), marks itself offline when its fetches fail and
goes blank when its link is revoked — in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.clock import utcnow
from core.extensions import db
from core.models import Person
from recognition import services as kudos_services
from recognition.campaigns import awards, kpis, wallboards
from recognition.campaigns.models import Campaign, Wallboard
from recognition.models import Value
from tests.campaign_fixtures import days_ago, ended, floor, metrics, running  # noqa: F401
from tests.kudos_fixtures import MESSAGE, value  # noqa: F401

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}
SOON = 10_000  # ms: the screen polls every 5 s


def link(org, campaign) -> tuple[str, int]:
    wallboard, token = wallboards.create_wallboard(actor=org.manager, now=utcnow(), campaign=campaign)
    db.session.commit()
    return token, wallboard.id


@pytest.fixture
def board(org, floor, value):
    """A running campaign's wallboard link and the plain values the test needs (no transaction stays open)."""
    token, board_id = link(org, running(org))
    ids = {"board": board_id, "giver": org.supervisor.id, "recipient": floor[0][2].id, "value": value.id,
           "manager": org.manager.id}
    db.session.rollback()
    return token, ids


def give_kudos(ids):
    giver, recipient = db.session.get(Person, ids["giver"]), db.session.get(Person, ids["recipient"])
    kudos_services.give_kudos(giver, db.session.get(Value, ids["value"]), MESSAGE, recipients=[recipient],
                              now=utcnow())
    db.session.commit()
    db.session.rollback()


def upload_kpis(text: str):
    plan = kpis.import_metrics_csv(text, actor=None, now=utcnow())
    assert plan.written and not plan.has_errors, (plan.file_errors, plan.row_errors)
    db.session.commit()
    db.session.rollback()


def test_the_tv_shows_the_board_and_follows_changes_without_reloading(new_page, board):
    token, ids = board
    page = new_page(viewport=TV)
    page.goto(f"/wallboard/{token}?lang=en")

    expect(page.get_by_test_id("wb-title")).to_have_text("3·15 service guarantee")
    top = page.get_by_test_id("wb-top").locator("li")
    expect(top.first).to_contain_text("Alpha Agent 1")
    expect(top.first.locator(".wb-rank")).to_have_text("1")
    expect(top.last).to_contain_text("Agent1")
    progress = page.get_by_test_id("wb-progress")
    expect(progress).to_contain_text("CSAT at least 90 %.")
    expect(progress.locator(".wb-bar-row")).to_have_count(2)
    expect(progress.locator(".wb-bar-row").first).to_contain_text("Alpha")
    expect(page.get_by_test_id("wb-countdown")).to_contain_text("Ends in")
    seconds = page.locator("[data-unit=seconds]")
    before = seconds.inner_text()
    expect(seconds).not_to_have_text(before, timeout=3_000)  # ticks on the screen's clock
    expect(page.get_by_test_id("wb-ticker")).to_contain_text("No kudos yet.")
    expect(page.get_by_test_id("wb-status")).to_contain_text(re.compile(r"Updated \d\d:\d\d:\d\d"))
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [
        1920, 1080]  # one screen, nothing to scroll

    page.wait_for_event("response", lambda r: "/data" in r.url and r.status == 304, timeout=SOON)  # unchanged

    give_kudos(ids)
    expect(page.get_by_test_id("wb-ticker")).to_contain_text(MESSAGE, timeout=SOON)
    expect(page.get_by_test_id("wb-ticker")).to_contain_text("Super1 to Alpha Agent 3")

    best = "".join(f"agent1,{days_ago(d)},csat,,10,10\nagent1,{days_ago(d)},aht,100,,\n" for d in (1, 2))
    upload_kpis("username,date,metric,value,numerator,denominator\n" + best)
    expect(top.first).to_contain_text("Agent1", timeout=SOON)

    page.route("**/wallboard/*/data*", lambda route: route.abort())
    expect(page.get_by_test_id("wb-status")).to_contain_text("Offline: showing the data of", timeout=SOON)
    expect(top.first).to_contain_text("Agent1")  # the last data stays up
    page.unroute("**/wallboard/*/data*")
    expect(page.get_by_test_id("wb-status")).to_contain_text("Updated", timeout=SOON)

    wallboards.revoke_wallboard(db.session.get(Wallboard, ids["board"]),
                                actor=db.session.get(Person, ids["manager"]), now=utcnow())
    db.session.commit()
    db.session.rollback()
    expect(page.get_by_text("This wallboard link is unknown or was revoked.")).to_be_visible(timeout=SOON)
    expect(page.get_by_test_id("wb-top")).to_have_count(0)


def test_awards_published_while_the_tv_is_on_pop_up_as_a_banner(new_page, org, floor):
    campaign = ended(org)
    token, _board_id = link(org, campaign)
    campaign_id, admin_id = campaign.id, org.admin.id
    db.session.rollback()
    page = new_page(viewport=TV)
    page.goto(f"/wallboard/{token}")
    expect(page.get_by_test_id("wb-countdown")).to_contain_text("The campaign has ended")
    expect(page.get_by_test_id("wb-top").locator("li").first).to_contain_text("Alpha Agent 1")
    expect(page.get_by_test_id("wb-awards")).to_be_hidden()

    awards.publish_awards(db.session.get(Campaign, campaign_id), actor=db.session.get(Person, admin_id),
                          now=utcnow())
    db.session.commit()
    db.session.rollback()

    banner = page.get_by_test_id("wb-new-award")
    expect(banner).to_be_visible(timeout=SOON)
    expect(banner).to_contain_text("Overall #1")
    expect(banner.locator(".wb-award").first).to_contain_text("Alpha Agent 1")
    expect(page.get_by_test_id("wb-awards")).to_contain_text("Alpha Agent 1")
