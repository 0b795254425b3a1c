"""Scheduled digests: builders, delivery channels (e-mail, in-app, webhooks) and the scheduler."""
from __future__ import annotations

from typing import Any

from flask import Flask

# Defaults of the digest settings; each may be set as BRAVO_<NAME> (lists and numbers as JSON).
DEFAULTS: dict[str, Any] = {
    "BASE_URL": "http://127.0.0.1:5000",  # links in e-mails and chat messages point here
    "DIGEST_PERSONAL_TIME": "08:00",  # personal digests: daily at this time, weekly on this weekday
    "DIGEST_PERSONAL_WEEKDAY": 0,  # Monday
    "DIGEST_SUPERVISOR_TIME": "08:00",
    "DIGEST_SUPERVISOR_WEEKDAY": 0,
    "DIGEST_CATCH_UP_HOURS": 12,  # a digest missed by a stopped scheduler still goes out this long after
    "DIGEST_RETRY_MINUTES": [1, 5, 30],  # waits before each retry of a failed delivery, then give up
    "DIGEST_SENDING_TIMEOUT_MINUTES": 15,  # a claim older than this was interrupted by a crash
    "DIGEST_RESEND_INTERRUPTED": False,  # at most once (False) or at least once (True); see digests.delivery
    "DIGEST_DISPATCH_SECONDS": 60,
    "SCHEDULER_LEASE_SECONDS": 30,
    "SCHEDULER_RENEW_SECONDS": 10,
    "SMTP_TIMEOUT": 30,
    "WEBHOOK_TIMEOUT": 10,
}


def on_awards_published(**payload: Any) -> None:
    """``awards.published`` (campaign_id, award_ids): queue an announcement for every chat room."""
    from core.clock import utcnow
    from digests.dispatch import record_award_announcements

    record_award_announcements(now=utcnow(), **payload)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l
    from flask_login import current_user
    from sqlalchemy.exc import SQLAlchemyError

    from core.api import register_api_blueprint
    from core.extensions import csrf, db
    from core.hooks import add_demo_loader, add_own_data, on_event
    from core.navigation import NavItem, add_nav_item
    from digests import models  # noqa: F401  (the tables join the metadata)
    from digests.api import blp as api
    from digests.cli import digests_cli, scheduler_cli
    from digests.demo import load_digests_demo
    from digests.own_data import digest_data
    from digests.queries import unread_count
    from digests.views import bp, unsubscribe

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
    csrf.exempt(unsubscribe)  # RFC 8058: mail clients post the one-click unsubscribe without a form token
    register_api_blueprint(api)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(digests_cli)
    on_event(app, "awards.published", on_awards_published)
    add_demo_loader(app, load_digests_demo)
    add_own_data(app, "digests", digest_data)
    add_nav_item(app, NavItem("digests.preferences", _l("Digests"), order=80))
    add_nav_item(app, NavItem("digests.webhooks", _l("Webhooks"), "admin", order=60, section="admin"))
    add_nav_item(app, NavItem("digests.deliveries", _l("Deliveries"), "admin", order=70, section="admin"))

    @app.context_processor
    def inbox_context():
        def inbox_unread() -> int:
            """Unread in-app digests of the signed-in person (one count, only when the page asks)."""
            if not current_user or not current_user.is_authenticated:
                return 0
            try:
                return db.session.execute(unread_count(current_user)).scalar_one()
            except SQLAlchemyError:  # an error page must still render when the database is down
                db.session.rollback()
                return 0

        return {"inbox_unread": inbox_unread}
