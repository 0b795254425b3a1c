"""The feed, profile, leaderboard and home pages run the same number of SQL statements with a little data
and with a lot: no query per kudos, recipient, comment, badge or board row."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import utcnow
from core.extensions import db
from recognition import services
from tests.kudos_fixtures import value  # noqa: F401
from tests.page_queries import statements


@pytest.fixture
def add_kudos(org, value, make_person):
    """``add_kudos(n)``: n more kudos to and from agent1 and new people, with applause, comments, badges."""
    people = []

    def add(count: int) -> None:
        now = utcnow()
        while len(people) < count + 2:
            people.append(make_person(team=org.team_a if len(people) % 2 else org.team_b))
        for i in range(count):
            giver, other = people[i], people[i + 1]
            kudos = services.give_kudos(giver, value, f"Kudos {i}: you handled the outage queue so well.", 2,
                                        recipients=[org.agent, other], now=now - timedelta(minutes=count - i))
            services.react(kudos, org.other_agent, now=now)
            services.add_comment(kudos, org.admin, "Well done", now=now)
            services.give_kudos(org.agent, value, f"Back to you {i}: thanks for the calm handover.", 0,
                                recipients=[giver], now=now - timedelta(minutes=count - i))
        db.session.commit()

    return add


@pytest.mark.parametrize("url", [
    "/kudos", "/kudos?show=team", "/kudos?value=customer-first", "/kudos?person=agent1", "/people/agent1",
    "/leaderboard", "/leaderboard?period=month", "/",
])
def test_a_page_runs_as_many_statements_with_a_lot_of_data_as_with_a_little(client, org, login_as, add_kudos,
                                                                            url):
    add_kudos(2)
    login_as(org.agent)
    small = statements(client, url)
    add_kudos(40)
    large = statements(client, url)
    assert large == small, f"{url}: {small} statements with a little data, {large} with a lot"
    assert large <= 20, f"{url}: {large} statements"
