"""The scheduler lease: one scheduler acts, the others stand by and take over once its lease expires."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from core import create_app
from core.config import TestConfig
from core.extensions import db
from digests import jobs, lease
from digests.scheduler import LeaseKeeper, if_leader, make_scheduler

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
TTL = timedelta(seconds=30)


def test_one_holder_at_a_time_and_a_takeover_after_expiry(app):
    assert lease.acquire("A", now=T0, ttl=TTL)
    assert not lease.acquire("B", now=T0 + timedelta(seconds=5), ttl=TTL)
    assert lease.acquire("A", now=T0 + timedelta(seconds=10), ttl=TTL)  # renewed until T0 + 40 s
    assert not lease.acquire("B", now=T0 + timedelta(seconds=35), ttl=TTL)
    assert lease.current().acquired_at == T0
    # A stops renewing (it died): B takes over once the lease has expired, and A has lost it
    assert lease.acquire("B", now=T0 + timedelta(seconds=41), ttl=TTL)
    assert not lease.acquire("A", now=T0 + timedelta(seconds=42), ttl=TTL)
    current = lease.current()
    assert (current.holder, current.acquired_at) == ("B", T0 + timedelta(seconds=41))


def test_a_released_lease_is_taken_at_once(app):
    assert lease.acquire("A", now=T0, ttl=TTL)
    lease.release("A", now=T0 + timedelta(seconds=1))
    assert lease.acquire("B", now=T0 + timedelta(seconds=2), ttl=TTL)
    lease.release("A", now=T0 + timedelta(seconds=3))  # no longer A's: changes nothing
    assert not lease.acquire("A", now=T0 + timedelta(seconds=4), ttl=TTL)


def test_two_schedulers_asking_at_the_same_moment_get_one_lease(app, migrated_database):
    barrier, results = threading.Barrier(4), {}

    def ask(name: str) -> None:
        with app.app_context():
            barrier.wait()
            results[name] = lease.acquire(name, now=T0, ttl=TTL)
            db.session.remove()

    threads = [threading.Thread(target=ask, args=(name,)) for name in "ABCD"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [False, False, False, True]
    assert lease.current().holder == next(name for name, won in results.items() if won)


def test_only_the_holder_runs_the_jobs(app):
    first, second = LeaseKeeper(app), LeaseKeeper(app)
    ran = []
    assert first.renew() and first.held()
    assert not second.renew() and not second.held()
    if_leader(first, lambda a: ran.append("first"), app)
    if_leader(second, lambda a: ran.append("second"), app)
    assert ran == ["first"]
    first.release()
    assert not first.held() and second.renew() and second.held()


@pytest.fixture
def scheduler_apps(migrated_database, monkeypatch):
    """Two apps on the test database with fast leases, whose dispatch job records who ran it."""
    ran: list[str] = []
    monkeypatch.setattr(jobs, "dispatch_digests", lambda app: ran.append(app.config["NAME"]))
    settings = dict(DATABASE_URL=migrated_database, SCHEDULER_LEASE_SECONDS=1.5, SCHEDULER_RENEW_SECONDS=0.2,
                    DIGEST_DISPATCH_SECONDS=0.1)
    apps = [create_app(TestConfig, NAME=name, **settings) for name in ("one", "two")]
    yield apps, ran
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_a_standby_scheduler_takes_over_when_the_acting_one_dies(app, scheduler_apps):
    apps, ran = scheduler_apps
    schedulers = [make_scheduler(a, blocking=False) for a in apps]
    for scheduler, _keeper in schedulers:
        scheduler.start()
    try:
        time.sleep(1.0)
        assert len(set(ran)) == 1 and len(ran) >= 3, ran  # one acts, the other stands by
        acting = ran[-1]
        dead, _keeper = schedulers[[a.config["NAME"] for a in apps].index(acting)]
        dead.shutdown(wait=True)  # dies without releasing its lease
        ran.clear()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not ran:
            time.sleep(0.1)
        time.sleep(0.3)
        assert ran and set(ran) == {"two" if acting == "one" else "one"}
    finally:
        for scheduler, _keeper in schedulers:
            if scheduler.running:
                scheduler.shutdown(wait=True)


def test_the_scheduler_runs_the_digest_jobs_and_the_weekly_draw(app, org, make_person):
    from coaching.models import RosterDraw
    from digests.models import Delivery
    from sqlalchemy import func, select

    scheduler, _keeper = make_scheduler(app, blocking=False)
    jobs_by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs_by_id) == {"lease", "dispatch_digests", "retry_deliveries", "draw_weekly_rosters",
                               "forget_old_sign_in_failures"}
    draw = str(jobs_by_id["draw_weekly_rosters"].trigger)
    assert "day_of_week='mon'" in draw and "hour='6'" in draw and "minute='0'" in draw

    make_person("agent9", team=org.team_a)
    monday_0600 = datetime(2026, 11, 22, 22, 0, tzinfo=timezone.utc)  # Monday 06:00 in Shanghai
    jobs.draw_weekly_rosters(app, now=monday_0600)
    jobs.dispatch_digests(app, now=monday_0600 + timedelta(hours=2, seconds=30))
    jobs.retry_deliveries(app, now=monday_0600 + timedelta(hours=3))
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(RosterDraw)).scalar_one() == 3  # 2 + 1 agents
    sent = set(db.session.execute(select(Delivery.kind, Delivery.person_id).where(Delivery.status == "sent")))
    # Monday 08:00: the team-lead digests with the fresh samples, in the app (e-mail is off here)
    assert sent == {("supervisor", org.supervisor.id)}
