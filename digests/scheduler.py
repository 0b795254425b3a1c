"""The APScheduler process: embedded in a single-process server, or its own `flask scheduler run`.

Every scheduler process renews the database lease (:mod:`digests.lease`) every
``SCHEDULER_RENEW_SECONDS``; only the holder runs the jobs, the others stand by and take over when the
lease expires (``SCHEDULER_LEASE_SECONDS`` after its holder stopped renewing it).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from core.clock import utcnow
from core.extensions import db
from digests import jobs, lease

# Our own view of the lease ends a little before the database's, against clock skew between machines.
SAFETY_SECONDS = 2.0


def safety_margin(ttl: float) -> float:
    return min(SAFETY_SECONDS, ttl / 5)


class LeaseKeeper:
    """Takes and renews the scheduler lease for this process; knows whether it may act right now."""

    def __init__(self, app: Flask):
        self.app = app
        self.holder = lease.new_holder_id()
        self._valid_until = 0.0

    @property
    def ttl(self) -> float:
        return float(self.app.config["SCHEDULER_LEASE_SECONDS"])

    def renew(self) -> bool:
        started = time.monotonic()
        was_held = self.held()
        with self.app.app_context():
            try:
                taken = lease.acquire(self.holder, now=utcnow(), ttl=timedelta(seconds=self.ttl))
            except SQLAlchemyError:
                db.session.rollback()
                self.app.logger.exception("scheduler %s could not renew its lease", self.holder)
                taken = False
        self._valid_until = started + self.ttl - safety_margin(self.ttl) if taken else 0.0
        if taken != was_held:
            self.app.logger.warning("scheduler %s %s", self.holder,
                                    "holds the lease and acts" if taken else "stands by")
        return taken

    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    def release(self) -> None:
        self._valid_until = 0.0
        with self.app.app_context():
            try:
                lease.release(self.holder, now=utcnow())
            except SQLAlchemyError:
                db.session.rollback()


def if_leader(keeper: LeaseKeeper, job: Callable[[Flask], None], app: Flask) -> None:
    """Run a job only in the process that holds the lease."""
    if keeper.held():
        job(app)


def add_jobs(scheduler: BaseScheduler, app: Flask, keeper: LeaseKeeper) -> None:
    config = app.config
    defaults = dict(replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(keeper.renew, "interval", seconds=float(config["SCHEDULER_RENEW_SECONDS"]),
                      id="lease", next_run_time=_now(scheduler), **defaults)

    def gated(job_id: str, job: Callable[[Flask], None], trigger: str, **trigger_args) -> None:
        scheduler.add_job(if_leader, trigger, args=[keeper, job, app], id=job_id, **trigger_args, **defaults)

    seconds = float(config["DIGEST_DISPATCH_SECONDS"])
    gated("dispatch_digests", jobs.dispatch_digests, "interval", seconds=seconds)
    gated("retry_deliveries", jobs.retry_deliveries, "interval", seconds=seconds)
    gated("draw_weekly_rosters", jobs.draw_weekly_rosters, "cron", day_of_week="mon", hour=6, minute=0)
    gated("forget_old_sign_in_failures", jobs.forget_old_sign_in_failures, "interval", hours=1)


def _now(scheduler: BaseScheduler) -> datetime:
    return datetime.now(scheduler.timezone)


def make_scheduler(app: Flask, *, blocking: bool) -> tuple[BaseScheduler, LeaseKeeper]:
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=app.config["TIMEZONE"], job_defaults={"misfire_grace_time": 300})
    keeper = LeaseKeeper(app)
    add_jobs(scheduler, app, keeper)
    return scheduler, keeper


def start_embedded(app: Flask) -> BaseScheduler | None:
    """Start the scheduler inside this (single) web process when ``BRAVO_SCHEDULER=embedded``."""
    if app.config["SCHEDULER"] != "embedded":
        return None
    import atexit

    scheduler, keeper = make_scheduler(app, blocking=False)
    scheduler.start()

    def stop() -> None:
        scheduler.shutdown(wait=False)
        keeper.release()

    atexit.register(stop)
    return scheduler
