"""Browser fixtures: Bravo served on a free local port, and Debian's Chromium driven by Playwright.

The live server runs its own app object on the same database as the test ``app`` fixture, with CSRF
protection on, so the journeys submit the real forms with their real tokens. Data made with the
factories is committed before the browser asks for it; the server thread gets its own app context,
and so its own database session, per request.

On SQLite a transaction left open by the test thread would hold the write lock (writers begin
IMMEDIATE) while the server tries to write: take plain values from the factories' objects *before*
the browser starts, or end the transaction (``db.session.rollback()``) first.
"""
from __future__ import annotations

import os
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from core import create_app
from core.config import TestConfig
from core.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(app, migrated_database):
    """The base URL of Bravo served from a background thread for one test, with CSRF on."""
    live_app = create_app(TestConfig, DATABASE_URL=migrated_database, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bravo-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with live_app.app_context():
            db.engine.dispose()  # before the app fixture empties the tables (PostgreSQL locks)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (scripts/test.sh installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context on the live server: ``new_page(viewport=PHONE, locale="zh-CN")``.

    Relative URLs (``page.goto("/")``) go to the live server. Any 5xx answer fails the test.
    """
    contexts = []
    server_errors = []

    def note_server_error(response):
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def open_page(*, viewport: dict = DESKTOP, locale: str = "en-GB", **options):
        context = browser.new_context(base_url=live_server, viewport=viewport, locale=locale, **options)
        context.set_default_timeout(10_000)
        context.on("response", note_server_error)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    if server_errors:
        pytest.fail("The server answered with an error (its log is above): " + "; ".join(server_errors))


@pytest.fixture
def page(new_page):
    """A desktop page (1366×768, British English browser)."""
    return new_page()


@pytest.fixture
def sign_in():
    """Sign a page in through the sign-in form, as a person would."""

    def sign_in_as(page, username: str, password: str = "password123"):
        page.goto("/signin")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return sign_in_as
