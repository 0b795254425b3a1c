"""A campaign from start to finish in a real browser, through the real pages with their real forms (CSRF on).

A manager defines a KPI, creates and launches a campaign in the editor (a brief requirement bound to the
KPI with a target, a KPI dimension and a kudos dimension added with "Add dimension"), uploads a KPI file
(preview, then import), makes a wallboard link and opens it on a 1920×1080 screen with no sign-in. A
corrected KPI file changes the leader and the screen follows by itself (no reload). The manager ends the
campaign by moving its end to now in the editor, previews the awards, edits a citation and publishes: the
screen pops up the new award, and an agent sees the announcement with its citation in the feed.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.clock import org_timezone, utcnow
from core.extensions import db
from recognition import services as kudos_services
from recognition.campaigns.kpis import CSV_COLUMNS
from recognition.campaigns.models import Award, Campaign
from tests.campaign_fixtures import days_ago, local_midnight

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}
SOON = 10_000  # ms: the screen polls every 5 s

CAMPAIGN = "3·15 service guarantee"
TARGET_TEXT = "CSAT at least 90 % on every call."
CITATION = "Zhang San turned every unhappy caller around during the 3·15 peak."
KUDOS_MESSAGE = "Thank you for calming the customer whose refund failed twice."
MANAGER, LEADER_BEFORE, LEADER_AFTER = "chen.jie", "Li Na", "Zhang San"
# username → (satisfied surveys, surveys) on each of the last two days.
FIRST_FILE = {"li.na": (20, 20), "zhang.san": (16, 20), "wang.wu": (12, 20), "zhao.liu": (14, 20)}
CORRECTED_FILE = {"li.na": (10, 20), "zhang.san": (20, 20)}  # replaces these rows: Zhang San leads


# The new-award banner's awards that end below the bottom of the screen, and the page's height.
BANNER_ON_SCREEN = """() => {
  const awards = [...document.querySelectorAll("#wb-new-award .wb-award")];
  return {
    awards: awards.length,
    cut_off: awards.filter(a => a.getBoundingClientRect().bottom > innerHeight).map(a => a.textContent),
    page_height: document.documentElement.scrollHeight,
  };
}"""


@pytest.fixture
def floor(make_team, make_person):
    """Two teams on one site run by a manager; a supervisor gave Wang Wu kudos ten minutes ago (inside the
    campaign's window, so the kudos dimension has a winner). Plain values only: no transaction stays open
    in this thread while the server writes."""
    manager = make_person(MANAGER, name="Chen Jie", role="manager")
    supervisor = make_person("wang.fang", name="Wang Fang", role="supervisor")
    care_one = make_team("Care One", site="Shanghai", supervisors=[supervisor])
    care_two = make_team("Care Two", site="Shanghai")
    assert care_two.site_id == care_one.site_id
    manager.managed_sites.append(care_one.site)
    people = {username: make_person(username, name=name, team=team) for username, name, team in (
        ("li.na", "Li Na", care_one), ("zhang.san", "Zhang San", care_one), ("wang.wu", "Wang Wu", care_one),
        ("zhao.liu", "Zhao Liu", care_two))}
    value = kudos_services.create_value("customer-first", name_en="Customer first", actor=None)
    kudos_services.give_kudos(supervisor, value, KUDOS_MESSAGE, recipients=[people["wang.wu"]],
                              now=utcnow() - timedelta(minutes=10))
    db.session.commit()
    db.session.rollback()


def kpi_file(rows: dict[str, tuple[int, int]], days: list[str]) -> bytes:
    """A KPI file in the template's columns (with its BOM, as the template has): a csat row per person and
    day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for username, (numerator, denominator) in rows.items():
        for day in days:
            writer.writerow((username, day, "csat", "", numerator, denominator))
    return ("\ufeff" + out.getvalue()).encode()


def local_input(moment) -> str:
    """A moment as a datetime-local input takes it, in the organisation's time zone."""
    return moment.astimezone(org_timezone()).strftime("%Y-%m-%dT%H:%M")


def open_admin(page: Page, item: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Admin").click()
    nav.get_by_role("link", name=item, exact=True).click()


def flash(page: Page):
    return page.locator(".flashes .flash")


def define_csat(page: Page) -> None:
    open_admin(page, "KPIs")
    expect(page.get_by_role("heading", level=1)).to_have_text("KPIs")
    page.get_by_role("button", name="Define a KPI").click()  # a link styled as a button
    page.get_by_label("Slug").fill("csat")
    page.get_by_label("Name (English)").fill("Customer satisfaction")
    page.get_by_label("Unit").fill("%")
    page.get_by_role("radio", name=re.compile(r"^Rate")).check()
    page.get_by_label("Which way is better").select_option("higher_better")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("The KPI Customer satisfaction is defined.")
    row = page.get_by_test_id("kpi-definitions").get_by_role("row", name=re.compile("csat"))
    expect(row).to_contain_text("Rate")


def create_campaign(page: Page) -> str:
    """Fill the editor and launch; returns the campaign page's URL."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_test_id("new-campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New campaign")
    page.get_by_label("Name", exact=True).fill(CAMPAIGN)
    page.get_by_label(re.compile(r"^Starts")).fill(local_input(local_midnight(-7)))
    page.get_by_label(re.compile(r"^Ends")).fill(local_input(local_midnight(7)))
    page.get_by_label("Participating teams").select_option(["Care One", "Care Two"])

    requirements = page.locator("[data-rows='requirements'] > [data-row]")
    requirements.nth(0).get_by_label("Requirement").fill("Hand over to the team lead after three rejections.")
    bound = requirements.nth(1)
    bound.get_by_label("Requirement").fill(TARGET_TEXT)
    bound.get_by_label("Measured by KPI").select_option("csat")
    bound.get_by_label("Target").fill("0.9")

    dimensions = page.locator("[data-rows='dimensions'] > [data-row]")
    expect(dimensions).to_have_count(2)  # the editor starts with two blank rows
    dimensions.nth(1).get_by_role("button", name="Remove this dimension").click()
    expect(dimensions).to_have_count(1)
    satisfaction = dimensions.nth(0)
    satisfaction.get_by_label("Dimension").fill("Satisfaction")
    satisfaction.get_by_label("Weight").fill("2")
    satisfaction.get_by_label("Scored from").select_option("metric")
    satisfaction.get_by_label("KPI", exact=True).select_option("csat")
    satisfaction.get_by_label("Minimum volume").fill("10")

    page.get_by_role("button", name="Add dimension").click()
    expect(dimensions).to_have_count(2)
    praise = dimensions.nth(1)
    expect(praise.get_by_label("Dimension")).to_be_focused()
    praise.get_by_label("Dimension").fill("Customer praise")
    praise.get_by_label("Weight").fill("1")
    praise.get_by_label("Scored from").select_option("kudos")
    expect(praise.get_by_label("KPI", exact=True)).to_be_hidden()  # only the kudos source's fields show
    praise.get_by_label("Kudos in value").select_option("customer-first")

    page.get_by_test_id("create-and-launch").click()
    expect(flash(page)).to_have_text("The campaign is launched: its participants see it now.")
    expect(page.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)
    expect(page).to_have_url(re.compile(r"/campaigns/\d+$"))
    expect(page.get_by_text("Customer praise")).to_be_visible()
    return page.url


def upload_kpis(page: Page, rows: dict[str, tuple[int, int]], days: list[str], first_person: str) -> None:
    """Upload a KPI file: the preview counts its rows and shows the first ones, then import them all."""
    page.goto("/kpis/upload")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload KPIs")
    count = len(rows) * len(days)
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "kpis.csv", "mimeType": "text/csv", "buffer": kpi_file(rows, days)}])
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_test_id("kpi-counts")).to_have_text(
        f"{count} rows in the file · {count} valid · 0 with errors")
    expect(page.get_by_test_id("kpi-preview-rows").get_by_role("row").nth(1)).to_contain_text(first_person)
    page.get_by_test_id("kpi-import").click()
    expect(flash(page)).to_have_text(f"{count} rows imported.")
    expect(page.get_by_test_id("kpi-preview")).to_have_count(0)


def make_wallboard_link(page: Page) -> str:
    """Make a link for the campaign on the wallboards page; returns the English screen's URL, shown once."""
    open_admin(page, "Wallboards")
    page.get_by_label("What it shows").select_option(label=CAMPAIGN)
    page.get_by_label("Label").fill("Floor 3 east")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_test_id("new-wallboard-link")).to_contain_text("it is shown only this once")
    url = page.get_by_label("Screen in English").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/wallboard/[\w-]+\?lang=en", url), url
    row = page.get_by_test_id("wallboard-link").filter(has_text="Floor 3 east")
    expect(row).to_contain_text(f"Campaign: {CAMPAIGN}")
    expect(row).to_contain_text("Working")
    return url


def end_campaign_now(page: Page, campaign_url: str) -> None:
    """Move the running campaign's end to the current minute in the editor: it has ended."""
    page.goto(campaign_url)
    page.get_by_test_id("edit-campaign").click()
    expect(page.get_by_text("This campaign is running")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(CAMPAIGN)
    page.get_by_label(re.compile(r"^Ends")).fill(local_input(utcnow()))
    page.get_by_test_id("save-campaign").click()
    expect(flash(page)).to_have_text("The campaign is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)


def test_create_upload_watch_end_and_publish_a_campaign(new_page, sign_in, floor):
    days = [days_ago(1), days_ago(2)]  # once: a corrected file replaces the same days' rows
    manager = sign_in(new_page(), MANAGER)
    expect(manager.get_by_role("heading", level=1)).to_have_text("Hello, Chen Jie")
    define_csat(manager)
    campaign_url = create_campaign(manager)
    upload_kpis(manager, FIRST_FILE, days, "Li Na")
    manager.goto(campaign_url)
    progress = manager.locator(".progress-line")
    expect(progress.filter(has_text="Care One")).to_contain_text("80%")  # (20 + 16 + 12) / 60
    expect(progress.filter(has_text="Care Two")).to_contain_text("70%")

    # The screen: no sign-in, a TV's size; the top of the standings and the teams against the target.
    screen = new_page(viewport=TV)
    screen.goto(make_wallboard_link(manager))
    expect(screen.get_by_test_id("wb-title")).to_have_text(CAMPAIGN)
    top = screen.get_by_test_id("wb-top").locator("li")
    expect(top.locator(".wb-name")).to_have_text([LEADER_BEFORE, LEADER_AFTER, "Zhao Liu", "Wang Wu"])
    expect(top.locator(".wb-rank")).to_have_text(["1", "2", "3", "4"])
    expect(top.first.locator(".wb-team")).to_have_text("Care One")
    targets = screen.get_by_test_id("wb-progress")
    expect(targets).to_contain_text(TARGET_TEXT)
    expect(targets).to_contain_text("≥ 90 %")
    bars = targets.locator(".wb-bar-row")
    expect(bars).to_have_count(2)
    expect(bars.filter(has_text="Care One")).to_contain_text("80 %")
    expect(bars.filter(has_text="Care Two")).to_contain_text("70 %")
    expect(screen.get_by_test_id("wb-ticker")).to_contain_text(KUDOS_MESSAGE)
    expect(screen.get_by_test_id("wb-countdown")).to_contain_text("Ends in")
    expect(screen.get_by_test_id("wb-status")).to_contain_text(re.compile(r"Updated \d\d:\d\d:\d\d"))
    expect(screen.get_by_test_id("wb-awards")).to_be_hidden()
    screen.evaluate("window.sameScreen = true")  # gone if the page reloads

    # A corrected file changes the leader: the open screen follows without a reload.
    upload_kpis(manager, CORRECTED_FILE, days, "Li Na")
    expect(top.first).to_contain_text(LEADER_AFTER, timeout=SOON)
    # Zhao Liu and Wang Wu tie on score: the heaviest dimension (Satisfaction) puts Zhao Liu ahead.
    expect(top.locator(".wb-name")).to_have_text([LEADER_AFTER, "Zhao Liu", "Wang Wu", LEADER_BEFORE])
    expect(bars.filter(has_text="Care One")).to_contain_text("70 %")  # (10 + 20 + 12) / 60

    end_campaign_now(manager, campaign_url)
    expect(screen.get_by_test_id("wb-countdown")).to_contain_text("The campaign has ended", timeout=SOON)

    # Awards: the preview follows the final standings; one citation is edited, then all are published.
    manager.get_by_role("navigation", name="Campaign pages").get_by_role("link", name="Awards").click()
    expect(manager.get_by_test_id("awards-preview")).to_contain_text("Preview: not published yet")
    awards = manager.get_by_test_id("awards").locator("li")
    expect(awards).to_have_count(7)  # overall top 3, Satisfaction top 3, Customer praise: the one praised
    overall_first = awards.first
    expect(overall_first).to_contain_text("Overall · No. 1")
    expect(overall_first).to_contain_text(LEADER_AFTER)
    expect(awards.filter(has_text="Customer praise · No. 1")).to_contain_text("Wang Wu")
    expect(manager.get_by_test_id("award-budget")).to_contain_text("350 points in all")
    overall_first.get_by_label("Citation").fill(CITATION)
    overall_first.get_by_role("button", name="Save citation").click()
    expect(flash(manager)).to_have_text("The citation is saved.")
    expect(awards.first.get_by_label("Citation")).to_have_value(CITATION)
    manager.get_by_test_id("publish-awards").click()
    expect(flash(manager)).to_have_text(
        "7 awards are published: their points are granted and they are announced in the feed.")
    expect(manager.get_by_test_id("awards-preview")).to_have_count(0)
    expect(awards.first).to_contain_text(CITATION)

    # The open screen pops up the new awards by itself, and keeps them on its awards strip.
    banner = screen.get_by_test_id("wb-new-award")
    expect(banner).to_be_visible(timeout=SOON)
    expect(banner.locator(".wb-award").first).to_contain_text(f"Overall #1{LEADER_AFTER}")
    expect(banner).to_contain_text(CITATION)
    expect(screen.get_by_test_id("wb-awards").locator("li").first).to_contain_text(CITATION)
    strip = screen.get_by_test_id("wb-awards")
    expect(strip.locator("li:not([aria-hidden])")).to_have_count(7)  # each once, and scrolling when too many to fit
    assert strip.evaluate("list => list.scrollWidth <= list.parentElement.clientWidth "
                          "|| list.classList.contains('wb-scrolling')")
    assert screen.evaluate("window.sameScreen") is True  # it all came without a reload
    banner_on_screen = screen.evaluate(BANNER_ON_SCREEN)  # now (it goes after 20 s); checked at the end

    # The feed announces the awards with their citations, to everyone.
    agent = sign_in(new_page(), "wang.wu")
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="Kudos").click()
    announcement = agent.get_by_test_id("announcement").filter(has_text=CITATION)
    expect(announcement).to_have_count(1)
    expect(announcement).to_contain_text(f"{LEADER_AFTER} won {CAMPAIGN} · Overall · No. 1.")

    db.session.rollback()  # a fresh snapshot of what the server wrote
    campaign = db.session.execute(select(Campaign).filter_by(name=CAMPAIGN)).scalar_one()
    assert campaign.status == "published"
    published = db.session.execute(select(Award).filter_by(campaign_id=campaign.id)).scalars().all()
    assert len(published) == 7 and all(award.published_at for award in published)
    assert [a.citation for a in published if a.category == "overall" and a.position == 1] == [CITATION]

    # A TV cannot scroll (the page hides its overflow): the banner must show every new award on the screen.
    assert banner_on_screen == {"awards": 7, "cut_off": [], "page_height": 1080}, banner_on_screen
