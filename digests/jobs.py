"""Scheduled jobs: module-level functions that open an app context and call services."""
from __future__ import annotations

import random
from datetime import datetime

from flask import Flask

from coaching.roster import current_week_start, draw_all_rosters
from core import services
from core.clock import utcnow
from core.extensions import db
from digests.delivery import retry_due
from digests.dispatch import build_award_post, dispatch_due


def forget_old_sign_in_failures(app: Flask) -> None:
    with app.app_context():
        services.forget_old_sign_in_failures(now=utcnow())
        db.session.commit()


def dispatch_digests(app: Flask, now: datetime | None = None) -> None:
    """Every minute: build and send the digests whose time has come, in each recipient's time zone."""
    with app.app_context():
        for kind, report in dispatch_due(now=now or utcnow()).items():
            if any(vars(report).values()):
                app.logger.info("digests %s: %s", kind, report)


def retry_deliveries(app: Flask, now: datetime | None = None) -> None:
    """Every minute: send again what failed (with backoff) and what events queued (award announcements)."""
    with app.app_context():
        report = retry_due(now=now or utcnow(), build_pending=build_award_post)
        if any(vars(report).values()):
            app.logger.info("deliveries retried: %s", report)


def draw_weekly_rosters(app: Flask, now: datetime | None = None) -> None:
    """Monday 06:00 (organisation time): each supervisor's random monitoring sample of the week."""
    with app.app_context():
        now = now or utcnow()
        draw_all_rosters(current_week_start(now), rng=random.SystemRandom(), now=now)
        db.session.commit()
