"""Sign-in and sign-out, throttling, cookies, one's own password, the language choice and CSRF."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from core import create_app, services
from core.clock import utcnow
from core.config import TestConfig
from core.extensions import db
from core.models import AuditEvent, SignInFailure
from tests.conftest import DEFAULT_PASSWORD


def sign_in(client, username, password=DEFAULT_PASSWORD, *, next_=None, remember=False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/signin", query_string={"next": next_} if next_ else None, data=data)


def is_signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def redirects_to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/signin"


def cookie(response, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers.getlist('Set-Cookie')}"
    return found[0]


def audit_count(action: str) -> int:
    return db.session.execute(select(func.count()).where(AuditEvent.action == action)).scalar_one()


@pytest.fixture
def other_app(app, migrated_database):
    """Build another app on the test database with some settings changed (CSRF on, HTTPS...)."""
    made = []

    def make(**overrides):
        made.append(create_app(TestConfig, DATABASE_URL=migrated_database, **overrides))
        return made[-1]

    yield make
    for each in made:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


# --- signing in and out ------------------------------------------------------------------------

def test_the_right_password_signs_in_and_goes_home(client, make_person):
    make_person("ann")
    response = sign_in(client, "ann")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_signed_in(client)


def test_sign_in_follows_a_local_next_path(client, make_person):
    make_person("ann")
    response = sign_in(client, "ann", next_="/account?tab=password")
    assert response.headers["Location"] == "/account?tab=password"


@pytest.mark.parametrize("target", ["//evil.com", "http://evil.com", "https://evil.com/x", "/\\evil.com",
                                    "/\t/evil.com", "evil.com"])
def test_sign_in_ignores_a_next_that_leaves_the_site(client, make_person, target):
    make_person("ann")
    response = sign_in(client, "ann", next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_page_sends_anonymous_visitors_to_sign_in_and_back(client, make_person):
    make_person("ann")
    response = client.get("/account")
    assert redirects_to_sign_in(response)
    next_ = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert next_ == "/account"
    assert sign_in(client, "ann", next_=next_).headers["Location"] == "/account"


def test_a_wrong_password_is_refused_with_a_message(client, make_person):
    make_person("ann")
    response = sign_in(client, "ann", "not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert not is_signed_in(client)


def test_an_unknown_username_gets_the_same_message(client):
    response = sign_in(client, "nobody")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_a_deactivated_person_cannot_sign_in(client, make_person):
    ann = make_person("ann")
    services.set_person_active(ann, False, actor=None)
    db.session.commit()
    response = sign_in(client, "ann")
    assert response.status_code == 401
    assert not is_signed_in(client)


def test_deactivation_ends_an_open_session(client, make_person):
    ann = make_person("ann")
    sign_in(client, "ann", remember=True)
    assert is_signed_in(client)
    services.set_person_active(ann, False, actor=None)
    db.session.commit()
    assert redirects_to_sign_in(client.get("/"))
    assert redirects_to_sign_in(client.get("/account"))


def test_five_failures_throttle_even_the_right_password(client, make_person):
    make_person("ann")
    for _attempt in range(5):
        assert sign_in(client, "ann", "wrong-password").status_code == 401
    response = sign_in(client, "ann")
    assert response.status_code == 429
    assert "Try again later" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert audit_count("signin.throttled") == 1
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "signin.throttled")).scalar_one()
    assert event.detail["username"] == "ann"


def test_failures_older_than_the_window_do_not_throttle(client, make_person):
    make_person("ann")
    long_ago = utcnow() - timedelta(minutes=16)
    db.session.add_all(SignInFailure(username="ann", at=long_ago) for _ in range(5))
    db.session.commit()
    assert sign_in(client, "ann").status_code == 302
    assert audit_count("signin.throttled") == 0


def test_throttling_is_per_username(client, make_person):
    make_person("ann")
    make_person("bob")
    for _attempt in range(5):
        sign_in(client, "ann", "wrong-password")
    assert sign_in(client, "bob").status_code == 302


def test_sign_out_ends_the_session(client, make_person):
    make_person("ann")
    sign_in(client, "ann", remember=True)
    response = client.post("/signout")
    assert redirects_to_sign_in(response)
    assert not is_signed_in(client)
    assert client.get("/signout").status_code == 405


# --- cookies -----------------------------------------------------------------------------------

def test_session_and_remember_cookies_are_http_only_and_same_site_lax(client, make_person):
    make_person("ann")
    response = sign_in(client, "ann", remember=True)
    for name in ("session", "remember_token"):
        flags = cookie(response, name)
        assert "HttpOnly" in flags
        assert "SameSite=Lax" in flags
        assert "Secure" not in flags


def test_without_remember_me_there_is_no_remember_cookie(client, make_person):
    make_person("ann")
    response = sign_in(client, "ann")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_cookies_are_secure_behind_https(other_app, make_person):
    make_person("ann")
    response = sign_in(other_app(HTTPS=True).test_client(), "ann", remember=True)
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        flags = cookie(response, name)
        assert "Secure" in flags
        assert "HttpOnly" in flags
        assert "SameSite=Lax" in flags


# --- one's own password --------------------------------------------------------------------------

def change_password(client, current, new, confirm=None):
    return client.post("/account", data={
        "password-current_password": current,
        "password-new_password": new,
        "password-confirm": new if confirm is None else confirm,
    })


def test_a_wrong_current_password_is_refused(client, make_person, login_as):
    login_as(make_person("ann"))
    response = change_password(client, "wrong-password", "a-new-password")
    assert response.status_code == 200
    assert "Your current password is not right." in response.get_data(as_text=True)
    assert services.person_by_username("ann").check_password(DEFAULT_PASSWORD)
    assert audit_count("person.password_change") == 0


def test_a_too_short_new_password_is_refused(client, make_person, login_as):
    login_as(make_person("ann"))
    response = change_password(client, DEFAULT_PASSWORD, "short")
    assert response.status_code == 200
    assert "at least 8 characters" in response.get_data(as_text=True)
    assert services.person_by_username("ann").check_password(DEFAULT_PASSWORD)


def test_a_mistyped_repeat_is_refused(client, make_person, login_as):
    login_as(make_person("ann"))
    response = change_password(client, DEFAULT_PASSWORD, "a-new-password", "a-new-passw0rd")
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert services.person_by_username("ann").check_password(DEFAULT_PASSWORD)


def test_a_changed_password_signs_in(client, make_person, login_as):
    login_as(make_person("ann"))
    response = change_password(client, DEFAULT_PASSWORD, "a-new-password")
    assert response.status_code == 302
    assert audit_count("person.password_change") == 1
    client.post("/signout")
    assert sign_in(client, "ann").status_code == 401
    assert sign_in(client, "ann", "a-new-password").status_code == 302


# --- language ------------------------------------------------------------------------------------

def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_the_language_switch_saves_a_signed_in_persons_choice(client, make_person, login_as):
    ann = make_person("ann")
    login_as(ann)
    response = client.post("/language", data={"locale": "zh_Hans_CN", "next": "/account"})
    assert response.headers["Location"] == "/account"
    db.session.expire_all()
    assert ann.locale == "zh_Hans_CN"
    assert html_lang(client.get("/account")) == "zh-Hans-CN"


def test_the_language_switch_keeps_an_anonymous_choice_in_the_session(client):
    response = client.post("/language", data={"locale": "zh_Hans_CN", "next": "//evil.com"})
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["locale"] == "zh_Hans_CN"
    assert html_lang(client.get("/signin", headers={"Accept-Language": "en-GB"})) == "zh-Hans-CN"


def test_a_language_chosen_before_signing_in_is_kept_for_a_person_without_one(client, make_person):
    person = make_person("lin")
    client.post("/language", data={"locale": "zh_Hans_CN"})
    sign_in(client, "lin")
    db.session.refresh(person)
    assert person.locale == "zh_Hans_CN"


def test_an_unknown_language_changes_nothing(client, make_person, login_as):
    ann = make_person("ann")
    login_as(ann)
    client.post("/language", data={"locale": "fr"})
    db.session.expire_all()
    assert ann.locale is None


@pytest.mark.parametrize(("header", "lang"), [("zh-CN", "zh-Hans-CN"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans-CN"),
                                              ("en-GB", "en"), ("en-GB,en;q=0.9,zh-CN;q=0.5", "en")])
def test_the_browser_language_picks_the_page_language(client, header, lang):
    assert html_lang(client.get("/signin", headers={"Accept-Language": header})) == lang


def test_a_persons_language_wins_over_the_browser(client, make_person, login_as):
    login_as(make_person("ann", locale="zh_Hans_CN"))
    assert html_lang(client.get("/", headers={"Accept-Language": "en-GB"})) == "zh-Hans-CN"


# --- CSRF ----------------------------------------------------------------------------------------

def test_a_sign_in_without_the_csrf_token_is_refused(other_app, make_person):
    make_person("ann")
    client = other_app(WTF_CSRF_ENABLED=True).test_client()
    response = sign_in(client, "ann")
    assert response.status_code == 400
    assert not is_signed_in(client)

    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/signin", data={"username": "ann", "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert is_signed_in(client)
