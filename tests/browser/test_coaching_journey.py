"""A supervisor writes and shares a coaching entry, the agent acknowledges and disagrees, a manager resolves
the dispute, and both sides see the outcome, in a real browser with the real forms (CSRF on)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from coaching.services import org_today
from core.clock import utcnow
from core.extensions import db

pytestmark = pytest.mark.browser

SUPERVISOR, AGENT, MANAGER = "Wang Fang", "Li Na", "Chen Jie"


@pytest.fixture
def team(make_team, make_person):
    """A team on a site: its supervisor, an agent, and the site's manager (plain usernames returned)."""
    supervisor = make_person("wang.fang", name=SUPERVISOR, role="supervisor")
    manager = make_person("chen.jie", name=MANAGER, role="manager")
    care = make_team("Care One", site="Shanghai", supervisors=[supervisor])
    manager.managed_sites.append(care.site)
    make_person("li.na", name=AGENT, team=care)
    db.session.commit()
    due = (org_today(utcnow()) + timedelta(days=7)).isoformat()
    db.session.rollback()  # no transaction stays open in this thread while the server writes
    return {"supervisor": "wang.fang", "agent": "li.na", "manager": "chen.jie", "due": due}


def test_write_share_acknowledge_dispute_and_resolve(new_page, sign_in, team):
    supervisor = sign_in(new_page(), team["supervisor"])
    supervisor.get_by_role("navigation", name="Main").get_by_role("link", name="Coaching", exact=True).click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Coaching")
    supervisor.get_by_role("button", name="Write a coaching entry").click()

    supervisor.get_by_label("Agent").select_option(label=f"{AGENT} (li.na)")
    supervisor.get_by_label("Kind").select_option("side_by_side")
    supervisor.get_by_label("What went well").fill("Warm greeting and a quick, accurate account check.")
    supervisor.get_by_label("What to improve").fill("Summarise the next steps before ending the call.")
    supervisor.locator("input[name='actions-0-text']").fill("Close every call with a summary")
    supervisor.locator("input[name='actions-0-due_on']").fill(team["due"])
    supervisor.get_by_role("button", name="Add an action").click()
    supervisor.locator("input[name='actions-1-text']").fill("Listen to two model calls")
    supervisor.locator("input[name='actions-1-due_on']").fill(team["due"])
    supervisor.get_by_role("button", name="Save the draft").click()

    expect(supervisor.get_by_text("Draft: only you can see it.")).to_be_visible()
    expect(supervisor.locator(".private-label").first).to_be_visible()
    expect(supervisor.get_by_role("cell", name="Listen to two model calls")).to_be_visible()
    supervisor.get_by_role("button", name=f"Share with {AGENT}").click()
    expect(supervisor.get_by_test_id("entry-state")).to_have_text("To acknowledge")
    entry_url = supervisor.url

    agent = sign_in(new_page(), team["agent"])
    expect(agent.get_by_test_id("home-to-acknowledge")).to_have_text("1")
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="My coaching").click()
    agent.get_by_test_id("to-acknowledge").get_by_role("link").click()
    expect(agent).to_have_url(entry_url)
    agent.get_by_label("I disagree").check()
    agent.get_by_label("Comment").fill("The customer asked me to stay on the line while she checked.")
    agent.get_by_label("3", exact=True).check()
    agent.get_by_role("button", name="Acknowledge").click()
    expect(agent.get_by_test_id("response")).to_contain_text("Acknowledged, disagrees")
    expect(agent.get_by_test_id("entry-state")).to_have_text("Disputed")

    manager = sign_in(new_page(), team["manager"])
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Coaching", exact=True).click()
    manager.get_by_role("button", name="Disputes").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Disputes to resolve")
    manager.get_by_role("row", name=re.compile(AGENT)).get_by_role("link").click()
    expect(manager.get_by_text("The customer asked me to stay on the line")).to_be_visible()
    manager.get_by_label("Upheld: the entry stands").check()
    manager.get_by_label("Written resolution").fill("The summary is still needed at the end of the call.")
    manager.get_by_role("button", name="Resolve the dispute").click()
    expect(manager.get_by_test_id("dispute-outcome")).to_contain_text("Upheld: the entry stands")

    for page in (agent, supervisor):
        page.goto(entry_url)
        expect(page.get_by_test_id("entry-state")).to_have_text("Dispute resolved")
        expect(page.get_by_test_id("dispute-outcome")).to_contain_text("Upheld: the entry stands")
        expect(page.get_by_test_id("dispute-resolution")).to_have_text(
            "The summary is still needed at the end of the call.")
