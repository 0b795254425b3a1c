"""Configuration read from the environment (``BRAVO_*``), with working single-machine defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

ROLES = ("agent", "supervisor", "manager", "admin")
LOCALES = ("en", "zh_Hans_CN")


class Config:
    """Defaults; every value may be overridden by a ``BRAVO_``-prefixed environment variable."""

    TIMEZONE = "Asia/Shanghai"
    DEFAULT_LOCALE = "en"
    SCHEDULER = "embedded"
    MAIL_FROM = "bravo@localhost"
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    HTTPS = False
    PASSWORD_HASH_METHOD = "scrypt"
    # Sign-in throttling: this many failures for one username within the window lock it briefly.
    SIGNIN_MAX_FAILURES = 5
    SIGNIN_FAILURE_WINDOW_MINUTES = 15
    # Coaching: a draft unshared this long is flagged to its author; a dispute is due within these days;
    # the weekly random-monitoring sample per supervisor has this many agents.
    COACHING_SHARE_HOURS = 48
    COACHING_DISPUTE_DAYS = 7
    ROSTER_SAMPLE_SIZE = 2
    # Kudos: monthly giving budgets by role (plus an optional amount per active agent a leader leads),
    # the shortest message, the cap from one giver to one person a month, the giver's retract window.
    GIVING_BUDGET_AGENT = 100
    GIVING_BUDGET_SUPERVISOR = 300
    GIVING_BUDGET_MANAGER = 300
    GIVING_BUDGET_ADMIN = 300
    BUDGET_PER_DIRECT_REPORT = 0
    KUDOS_MIN_MESSAGE_LENGTH = 20
    KUDOS_PAIR_CAP = 50
    KUDOS_RETRACT_MINUTES = 10
    # Campaigns: public boards show the top N; each award grants points from the campaign's award
    # budget (never from giving budgets); the organisation's name issues Open Badges credentials.
    BOARD_TOP_N = 10
    # Stale standings are recomputed while readers keep the stored ones ("background"), or before
    # the read ("inline": every read after a change waits for the recomputation).
    STANDINGS_REFRESH = "background"
    # A wallboard link's state and ETag, once read, answer its screens for this many seconds per process;
    # likewise a campaign's state (its stored standings' version, status and teams) answers standings reads.
    WALLBOARD_RECHECK_SECONDS = 1.0
    CAMPAIGN_RECHECK_SECONDS = 1.0
    CAMPAIGN_AWARD_TOP_N = 3
    CAMPAIGN_AWARD_POINTS = 50
    CAMPAIGN_AWARD_BUDGET = 1000
    METRICS_MAX_ROWS_PER_REQUEST = 5000
    METRICS_CSV_MAX_ROWS = 300_000
    ORGANISATION_NAME = "Bravo"
    # An API token and its person, once read, are trusted by a process for this many seconds: a
    # revocation, a deactivation or a role change made in another process applies within them.
    API_TOKEN_RECHECK_SECONDS = 2.0
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent.parent / "translations")
    WTF_CSRF_TIME_LIMIT = None
    API_TITLE = "Bravo API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


class TestConfig(Config):
    TESTING = True
    SCHEDULER = "off"
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret-key"
    STANDINGS_REFRESH = "inline"  # a read right after a change shows it (the background mode has its own test)
    WALLBOARD_RECHECK_SECONDS = 0  # likewise: a board read right after a change shows it (kept: own tests)
    CAMPAIGN_RECHECK_SECONDS = 0
    # Tests create many people; a cheap hash keeps them fast (never used outside tests).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def load_config(app: Flask, config: type[Config] | None, overrides: dict) -> None:
    """Apply defaults, then the environment (or a config class, for tests), then overrides."""
    app.config.from_object(Config)
    if config is None:
        app.config.from_prefixed_env("BRAVO")
    else:
        app.config.from_object(config)
    app.config.update(overrides)

    os.makedirs(app.instance_path, exist_ok=True)
    app.config.setdefault(
        "DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'bravo.sqlite3'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if app.config["DATABASE_URL"].startswith("sqlite"):
        # A file has no connection to lose: a ping before each request's checkout would only cost.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]


def _instance_secret(instance: Path) -> str:
    """Generate the signing key once and keep it beside the database, never in the repository."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
