"""Privacy canary: coaching text written with a unique marker never reaches anyone who may not read it.

Every kind of private text carries the marker; then another agent walks every parameterless GET route
(pages and /api/v1 lists), and the people who see the meeting are checked for others' private notes.
"""
from __future__ import annotations

import pytest

from tests.coaching_helpers import MARKER, PRAISE, private_writing  # noqa: F401  (a fixture)


def parameterless_get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            urls.append(rule.rule)
    return sorted(urls) + ["/api/v1/users"]


def test_another_agent_never_sees_the_marker(app, client, org, login_as, private_writing):
    urls = parameterless_get_urls(app)
    assert "/api/v1/coaching" in urls and "/api/v1/one-to-ones" in urls and "/api/v1/journal" in urls
    urls += ["/api/v1/coaching?agent=agent1", f"/api/v1/one-to-ones/{private_writing['meeting'].id}",
             f"/api/v1/coaching/{private_writing['entries'][1].id}"]
    for url in urls:
        login_as(org.other_agent)
        response = client.get(url)
        assert response.status_code < 500, url
        assert MARKER not in response.get_data(as_text=True), f"{url} leaks private coaching text"


def test_the_marker_is_really_there_for_its_readers(client, org, login_as, private_writing):
    """The walk above could only pass vacuously if nothing carried the marker: the agent sees it all."""
    login_as(org.agent)
    assert MARKER in client.get(f"/api/v1/coaching/{private_writing['entries'][1].id}").get_data(as_text=True)
    assert MARKER in client.get("/api/v1/journal").get_data(as_text=True)
    for page in (f"/coaching/{private_writing['entries'][1].id}", "/journal/", "/coaching/mine",
                 f"/one-to-ones/{private_writing['meeting'].id}"):
        assert MARKER in client.get(page).get_data(as_text=True), page


@pytest.mark.parametrize(("who", "absent"), [
    ("admin", ["private note by super1", "private note by agent1", "shared note"]),
    ("manager", ["private note by super1", "private note by agent1"]),
    ("agent", ["private note by super1"]),
    ("supervisor", ["private note by agent1"]),
])
def test_private_notes_reach_only_their_author(client, org, login_as, private_writing, who, absent):
    login_as(getattr(org, who))
    response = client.get(f"/api/v1/one-to-ones/{private_writing['meeting'].id}")
    body = response.get_data(as_text=True)
    assert response.status_code == (404 if who == "admin" else 200)
    for note in absent:
        assert note not in body
    if who != "admin":
        assert f"{MARKER} shared note by super1" in body


def test_the_journal_and_drafts_stay_with_their_writer(client, org, login_as, private_writing):
    for person in (org.supervisor, org.manager, org.admin):
        login_as(person)
        assert MARKER not in client.get("/api/v1/journal").get_data(as_text=True)
    login_as(org.manager)
    assert client.get(f"/api/v1/coaching/{private_writing['draft'].id}").status_code == 404
    login_as(org.agent)
    assert client.get(f"/api/v1/coaching/{private_writing['draft'].id}").status_code == 404


PRIVATE_AREAS = ("coaching", "one_to_ones", "journal", "growth")


def every_get_url(app, writing, org) -> tuple[list[str], set[str]]:
    """Every GET route, built with each record of the fixture its parameters can take; and the endpoints
    that could not be built (a parameter this walk does not know)."""
    values = {
        "entry_id": [writing["draft"].id, writing["praised"].id, *(e.id for e in writing["entries"])],
        "meeting_id": [writing["meeting"].id],
        "action_id": [action.id for entry in writing["entries"] for action in entry.actions],
        "username": ["agent1", "super1"],
        "person_id": [org.agent.id, org.supervisor.id],
        "kudos_id": [writing["kudos"].id],
        "team": ["Alpha"],
        "team_id": [org.team_a.id],
    }
    adapter = app.url_map.bind("localhost")
    urls, unknown = [], set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= values.keys():
            unknown.add(rule.endpoint)
            continue
        combos = [{}]
        for name in sorted(rule.arguments):
            combos = [{**combo, name: value} for combo in combos for value in values[name]]
        urls += [adapter.build(rule.endpoint, combo) for combo in combos]
    return urls, unknown


@pytest.mark.parametrize("who", ["other_agent", "other_supervisor", "admin"])
def test_no_page_with_or_without_parameters_leaks_the_marker(app, client, org, login_as, private_writing,
                                                             who):
    """Every page and API route, private ones with the records' own ids, public ones (the feed, profiles,
    boards) with the praised agent: nobody outside the agent's circle ever reads the marker."""
    urls, unknown = every_get_url(app, private_writing, org)
    assert not [e for e in unknown if e.split(".")[0] in PRIVATE_AREAS], "every coaching page is walked"
    walked = {app.url_map.bind("localhost").match(url.split("?")[0])[0] for url in urls}
    assert {"coaching.entry", "one_to_ones.meeting", "growth.person_growth", "coaching.mine",
            "journal.journal", "growth.my_growth"} <= walked
    praise_seen = False
    for url in urls + ["/api/v1/kudos?recipient=agent1", "/api/v1/feed?recipient=agent1"]:
        login_as(getattr(org, who))
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        assert MARKER not in body, f"{url} leaks private coaching text to {who}"
        praise_seen = praise_seen or PRAISE in body
    assert praise_seen, "the went-well text is public: the walk did reach the public feed"
