"""Every endpoint × every role → the expected status class.

Each endpoint declares its access in ``ACCESS``; a new endpoint without an entry fails here, so every
feature has to say who may use it. A rule applies to every method of the endpoint, or give a dict
``{method: rule}`` when the methods differ. Requests carry an empty body: only the status class counts.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from core import create_app
from core.config import TestConfig

ROLES = ("anonymous", "agent", "supervisor", "manager", "admin")
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# rule name → (is an /api/v1 endpoint, least role; None: anyone, even anonymous)
RULES = {
    "public": (False, None),
    "signed_in": (False, "agent"),
    "supervisor": (False, "supervisor"),
    "manager": (False, "manager"),
    "admin": (False, "admin"),
    "api_public": (True, None),
    "api_signed_in": (True, "agent"),
    "api_supervisor": (True, "supervisor"),
    "api_manager": (True, "manager"),
    "api_admin": (True, "admin"),
}

ACCESS: dict[str, str | dict[str, str]] = {
    # sign-in, account, language, home
    "auth.sign_in": "public",
    "auth.sign_out": "public",
    "auth.switch_language": "public",
    "auth.account": "signed_in",
    "auth.own_data_json": "signed_in",
    "home.index": "signed_in",
    # people and teams admin
    "people.people": "admin",
    "people.new_person": "admin",
    "people.edit_person": "admin",
    "people.set_person_active": "admin",
    "people.reset_password": "admin",
    "people.teams": "admin",
    "people.new_team": "admin",
    "people.edit_team": "admin",
    "people.import_csv": "admin",
    "people.import_template": "admin",
    # /api/v1 core
    "api-docs.openapi_json": "api_public",
    "core_api.health": "api_public",
    "core_api.open_session": "api_public",
    "core_api.close_session": "api_signed_in",
    "core_api.me": "api_signed_in",
    "core_api.Users": {"GET": "api_signed_in", "POST": "api_admin"},
    "core_api.Teams": "api_admin",
    # /api/v1 recognition (who may remove a kudos — its giver, an admin — is tested in test_kudos_api)
    "recognition_api.Values": {"GET": "api_signed_in", "POST": "api_admin"},
    "recognition_api.update_value": "api_admin",
    "recognition_api.KudosCollection": "api_signed_in",
    "recognition_api.KudosItem": "api_signed_in",
    "recognition_api.Reactions": "api_signed_in",
    "recognition_api.add_comment": "api_signed_in",
    "recognition_api.feed": "api_signed_in",
    "recognition_api.leaderboard": "api_signed_in",
    "core_api.search_people": "api_signed_in",
    # recognition pages (who may retract or hide a kudos is tested in test_recognition_pages)
    **{f"recognition.{name}": "signed_in" for name in (
        "give", "feed", "kudos_page", "applaud", "comment", "retract", "profile", "leaderboard",
    )},
    **{f"recognition.{name}": "admin" for name in (
        "hide", "values", "new_value", "edit_value", "set_value_active", "move_value", "fairness", "fairness_csv",
        "kudos_csv",
    )},
    # campaigns: KPIs are written by managers (or a token with the metrics scope, tested in
    # test_campaigns_api); who sees which campaign and standings row is recognition.campaigns.access's
    "campaigns_api.MetricDefinitions": {"GET": "api_signed_in", "POST": "api_manager"},
    "campaigns_api.update_metric_definition": "api_manager",
    "campaigns_api.post_metrics": "api_manager",
    "campaigns_api.Campaigns": {"GET": "api_signed_in", "POST": "api_manager"},
    "campaigns_api.CampaignItem": {"GET": "api_signed_in", "PATCH": "api_manager", "DELETE": "api_manager"},
    "campaigns_api.launch_campaign": "api_manager",
    "campaigns_api.acknowledge": "api_signed_in",
    "campaigns_api.acknowledgements": "api_supervisor",
    "campaigns_api.standings": "api_signed_in",
    "campaigns_api.Nominations": "api_supervisor",
    "campaigns_api.CampaignAwards": {"GET": "api_signed_in", "POST": "api_manager"},
    "campaigns_api.edit_citation": "api_manager",
    "campaigns_api.award_credential_json": "api_signed_in",
    "campaigns_api.Wallboards": "api_manager",
    "campaigns_api.revoke_wallboard": "api_manager",
    # campaign pages (who sees which campaign, standings row and award: recognition.campaigns.access's,
    # tested in test_campaign_pages)
    **{f"campaigns.{name}": "signed_in" for name in ("index", "detail", "acknowledge")},
    **{f"campaigns.{name}": "manager" for name in ("new", "edit", "launch", "delete")},
    "campaign_results.standings": "signed_in",
    "campaign_results.awards": "signed_in",
    "campaign_results.awards_csv": "signed_in",
    "campaign_results.all_awards_csv": "admin",
    "campaign_results.credential": "signed_in",
    "campaign_results.nominations": "supervisor",
    "campaign_results.publish": "manager",
    "campaign_results.citation": "manager",
    **{f"kpis.{name}": "manager" for name in (
        "definitions", "new_definition", "edit_definition", "upload", "template")},
    **{f"wallboard_links.{name}": "manager" for name in ("index", "revoke")},
    # wallboards: no sign-in, the link is the key (unknown links are 404)
    "wallboard.data": "public",
    "wallboard.page": "public",
    # /api/v1 coaching: writing entries and rosters needs a lead; who sees which record (404 for
    # the rest) is coaching.access's, tested in test_coaching_access and the privacy canary
    "coaching_api.post_entry": "api_supervisor",
    "coaching_api.get_roster": "api_supervisor",
    "coaching_api.draw_roster": "api_supervisor",
    "coaching_api.post_one_to_one": "api_supervisor",
    **{f"coaching_api.{name}": "api_signed_in" for name in (
        "list_entries", "get_entry", "patch_draft", "share_entry", "respond", "amend", "resolve_dispute",
        "complete_action", "grant_consent", "revoke_consent", "list_one_to_ones", "get_one_to_one",
        "post_note", "post_one_to_one_action", "complete_one_to_one_action", "complete_one_to_one",
        "list_journal", "post_journal",
    )},
    # coaching pages: the areas by role; who sees which record (404 for the rest) is coaching.access's,
    # tested in test_coaching_pages and the privacy canary
    **{f"coaching.{name}": "supervisor" for name in (
        "index", "new_entry", "edit_entry", "share_entry", "amend", "publish_kudos", "roster_page",
    )},
    **{f"coaching.{name}": "manager" for name in ("resolve_dispute", "overview", "disputes")},
    **{f"coaching.{name}": "signed_in" for name in ("entry", "respond", "complete_action", "mine", "consent")},
    "one_to_ones.new_meeting": "supervisor",
    "one_to_ones.complete_meeting": "supervisor",
    **{f"one_to_ones.{name}": "signed_in" for name in (
        "meetings", "meeting", "add_note", "add_action", "complete_action_item",
    )},
    "journal.journal": "signed_in",
    "growth.my_growth": "signed_in",
    "growth.person_growth": "signed_in",
    # digests: preferences, inbox, team schedules (their leads: 403 for the others, in test_digest_contents);
    # the one-click unsubscribe works without signing in (the signed link is the credential)
    **{f"digests.{name}": "signed_in" for name in ("preferences", "inbox", "inbox_message", "mark_all_read")},
    "digests.team_schedule": "supervisor",
    "digests.unsubscribe": "public",
    **{f"digests.{name}": "admin" for name in ("deliveries", "webhooks", "delete_webhook", "test_webhook")},
    "digests_api.preview": "api_signed_in",
    "digests_api.Webhooks": "api_admin",
    "digests_api.delete_webhook": "api_admin",
}

# URL parameter → the id of a real record of the ``org`` fixture.
URL_VALUES = {
    "person_id": lambda org: org.agent.id,
    "team_id": lambda org: org.team_a.id,
    "kudos_id": lambda org: 999999,  # none: every signed-in role gets 404, never 401/403
    "slug": lambda org: "no-such-value",
    "entry_id": lambda org: 999999,
    "action_id": lambda org: 999999,
    "meeting_id": lambda org: 999999,
    "team": lambda org: org.team_a.name,
    "campaign_id": lambda org: 999999,
    "award_id": lambda org: 999999,
    "wallboard_id": lambda org: 999999,
    "token": lambda org: "no-such-wallboard",
    "username": lambda org: org.agent.username,
    "value_id": lambda org: 999999,
    "message_id": lambda org: 999999,
    "webhook_id": lambda org: 999999,
}


def _routes() -> list[Rule]:
    app = create_app(TestConfig, DATABASE_URL="sqlite://")
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                  key=lambda r: (r.endpoint, r.rule))


ROUTES = _routes()
# Undeclared endpoints fail once, in test_every_endpoint_declares_its_access.
CASES = [
    pytest.param(route, method, id=f"{route.endpoint}-{method}")
    for route in ROUTES if route.endpoint in ACCESS
    for method in sorted(route.methods - IGNORED_METHODS)
]


def rule_for(endpoint: str, method: str) -> str:
    declared = ACCESS[endpoint]
    rule = declared.get(method) if isinstance(declared, dict) else declared
    if rule not in RULES:
        pytest.fail(f"{endpoint} {method}: no known rule ({rule!r}); use one of {sorted(RULES)}")
    return rule


def test_every_endpoint_declares_its_access():
    endpoints = {route.endpoint for route in ROUTES}
    undeclared = sorted(endpoints - ACCESS.keys())
    assert not undeclared, f"declare these endpoints in ACCESS: {undeclared}"


def test_the_table_names_only_existing_endpoints():
    stale = sorted(ACCESS.keys() - {route.endpoint for route in ROUTES})
    assert not stale, f"these endpoints no longer exist; remove them from ACCESS: {stale}"


@pytest.mark.parametrize(("route", "method"), CASES)
def test_access(app, client, org, login_as, token_for, route, method):
    """Roles go from least to most privileged: a write by an allowed role cannot lock out a later one."""
    api, least = RULES[rule_for(route.endpoint, method)]
    assert api == route.rule.startswith("/api/v1/"), f"{route.endpoint}: page/API rule mismatch"
    missing = sorted(set(route.arguments) - URL_VALUES.keys())
    assert not missing, f"add a record id for {missing} to URL_VALUES"
    url = app.url_map.bind("localhost").build(
        route.endpoint, {name: URL_VALUES[name](org) for name in route.arguments}, method=method)
    body = {"json": {}} if api and method != "GET" else {}

    wrong = []
    for role in ROLES:
        person = None if role == "anonymous" else getattr(org, role)
        headers = {}
        if person is not None and api:
            headers = token_for(person)
        elif person is not None:
            login_as(person)
        response = client.open(url, method=method, headers=headers, **body)
        expected = expected_status(api, least, person)
        if not expected.matches(response):
            wrong.append(f"{role} got {response.status_code}, expected {expected.text}")
    assert not wrong, f"{method} {url} ({route.endpoint}): " + "; ".join(wrong)


class Expected(NamedTuple):
    text: str
    matches: Callable[[TestResponse], bool]


def error_code(response: TestResponse) -> str | None:
    return response.json["error"]["code"] if response.is_json else None


def asks_to_sign_in(response: TestResponse) -> bool:
    """Flask-Login's answer to anonymous visitors: back to the page after signing in."""
    location = urlsplit(response.headers.get("Location", ""))
    return response.status_code == 302 and location.path == "/signin" and "next" in parse_qs(location.query)


def expected_status(api: bool, least: str | None, person) -> Expected:
    if least is None and person is None and not api:
        return Expected("no 401/403/5xx, no sign-in prompt",
                        lambda r: r.status_code not in (401, 403) and r.status_code < 500 and not asks_to_sign_in(r))
    if least is None or (person is not None and person.has_role(least)):
        return Expected("no 401/403/5xx", lambda r: r.status_code not in (401, 403) and r.status_code < 500)
    if person is None and api:
        return Expected("401 JSON", lambda r: r.status_code == 401 and error_code(r) == "unauthorized")
    if person is None:
        return Expected("302 to /signin?next=...", asks_to_sign_in)
    if api:
        return Expected("403 JSON", lambda r: r.status_code == 403 and error_code(r) == "forbidden")
    return Expected("403", lambda r: r.status_code == 403)
