"""Exactly once across processes, counted at a real SMTP server.

- Two ``flask digests send`` commands started at the same moment against the same database (SQLite and
  PostgreSQL) deliver each digest once.
- The shape of a whole centre (PostgreSQL only): gunicorn with two workers and ``BRAVO_SCHEDULER=external``,
  two ``flask scheduler run`` processes; one acts, the other stands by and takes over when it dies,
  and the run is delivered once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from core.models import Person
from digests import lease, services
from digests.models import Delivery, InboxMessage
from tests.digest_helpers import free_port, smtp_server  # noqa: F401  (fixture)
from tests.kudos_fixtures import give, value  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent.parent
MEMBERS = 24
PAST_WEEK = "2025-W10"  # Friday 7 March 2025, 16:00 in Shanghai; the window starts a week before
IN_PAST_WEEK = datetime(2025, 3, 5, 4, 0, tzinfo=timezone.utc)


def environment(database_url: str, smtp, **more) -> dict[str, str]:
    controller, _handler = smtp
    env = {key: value for key, value in os.environ.items() if not key.startswith("BRAVO_")}
    env.update(FLASK_APP="app.py", BRAVO_DATABASE_URL=database_url, BRAVO_SECRET_KEY="process-test-secret",
               BRAVO_SCHEDULER="off", BRAVO_SMTP_HOST=controller.hostname, BRAVO_SMTP_PORT=str(controller.port),
               BRAVO_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", PYTHONUNBUFFERED="1")
    env.update({key: str(value) for key, value in more.items()})
    return env


@pytest.fixture
def big_team(app, org, give, make_person):
    """Alpha with MEMBERS agents, each praised in the past week."""
    people = [make_person(team=org.team_a) for _ in range(MEMBERS)]
    for person in people:
        give(org.supervisor, person, message="Thanks for taking the hardest calls this week.", at=IN_PAST_WEEK)
    return org


def team_mail(handler) -> list[str]:
    return sorted(m.to for m in handler.mails if m.message["Message-ID"].startswith("<team."))


def test_two_send_commands_at_the_same_moment_deliver_each_digest_once(app, big_team, migrated_database,
                                                                       smtp_server, tmp_path):
    env = environment(migrated_database, smtp_server)
    command = [sys.executable, "-m", "flask", "digests", "send", "team", "--period", PAST_WEEK]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs

    alpha = db.session.execute(select(func.count()).where(Person.team_id == big_team.team_a.id)
                               ).scalar_one()
    mail = team_mail(smtp_server[1])
    assert len(mail) == alpha == MEMBERS + 2 and len(set(mail)) == alpha, outputs  # nobody twice
    db.session.expire_all()
    rows = db.session.execute(select(Delivery).join(Person, Person.id == Delivery.person_id)
                              .where(Delivery.kind == "team", Person.team_id == big_team.team_a.id)).scalars().all()
    assert {row.status for row in rows} == {"sent"} and len(rows) == 2 * alpha
    assert db.session.execute(select(func.count()).select_from(InboxMessage)).scalar_one() == alpha
    assert all("sent" in output for output in outputs)

    db.session.rollback()  # end this test's (SQLite: writing) transaction before another process writes
    rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0 and ": 0 sent" in rerun.stdout
    assert len(team_mail(smtp_server[1])) == alpha


def test_a_bad_kind_or_period_is_refused(app, migrated_database, smtp_server):
    env = environment(migrated_database, smtp_server)
    bad = subprocess.run([sys.executable, "-m", "flask", "digests", "send", "team", "--period", "last week"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "ISO week" in bad.stderr


def wait_for(condition, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(message)


def test_a_centre_gunicorn_two_workers_two_schedulers_on_postgresql(app, big_team, migrated_database, smtp_server,
                                                                     tmp_path, token_for):
    if not migrated_database.startswith("postgresql"):
        pytest.skip("the multi-machine shape runs on PostgreSQL (SQLite: see the two send commands above)")
    # Alpha's digest goes out daily at a minute ago, Shanghai time; praise from the last hours.
    local = utcnow().astimezone(ZoneInfo(big_team.team_a.timezone)) - timedelta(minutes=1)
    services.set_team_schedule(big_team.team_a, frequency="daily", weekday=None,
                               send_at=local.strftime("%H:%M"), actor=big_team.admin)
    for kind in ("personal", "supervisor"):
        for person in db.session.execute(select(Person)).scalars():
            services.set_preference(person, kind, email=False, in_app=False, frequency="none")
    db.session.commit()
    from recognition import services as recognition
    from recognition.models import Value

    value = db.session.execute(select(Value)).scalars().first()
    for person in big_team.team_a.members:
        if person.id != big_team.supervisor.id:
            recognition.give_kudos(big_team.supervisor, value, "Thanks for covering the evening queue today.",
                                   recipients=[person], now=utcnow() - timedelta(minutes=30))
    db.session.commit()
    headers = token_for(big_team.agent)

    port = free_port()
    env = environment(migrated_database, smtp_server, BRAVO_SCHEDULER="external", BRAVO_SCHEDULER_LEASE_SECONDS=3,
                      BRAVO_SCHEDULER_RENEW_SECONDS=0.5, BRAVO_DIGEST_DISPATCH_SECONDS=1)
    started: dict[str, subprocess.Popen] = {}
    logs = []

    def start(name: str, command: list[str]) -> None:
        log = open(tmp_path / f"{name}.log", "w")
        logs.append(log)
        started[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    try:
        start("web", [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"])
        for name in ("scheduler-1", "scheduler-2"):
            start(name, [sys.executable, "-m", "flask", "scheduler", "run"])

        def healthy():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(healthy, 20, "gunicorn did not answer")
        alpha = len(big_team.team_a.members)
        wait_for(lambda: len(team_mail(smtp_server[1])) >= alpha, 20, "the team digest did not arrive")
        time.sleep(1.5)  # both schedulers keep running: still once
        mail = team_mail(smtp_server[1])
        assert len(mail) == alpha and len(set(mail)) == alpha

        db.session.expire_all()
        holder = lease.current().holder
        pids = {str(started[name].pid): name for name in ("scheduler-1", "scheduler-2")}
        acting = pids[holder.split(":")[1]]
        standby = "scheduler-2" if acting == "scheduler-1" else "scheduler-1"
        os.killpg(started[acting].pid, signal.SIGKILL)  # dies without giving the lease back

        def taken_over():
            db.session.expire_all()
            current = lease.current()
            return current.holder.split(":")[1] == str(started[standby].pid)

        wait_for(taken_over, 10, "the standby scheduler did not take over")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/digests/preview?kind=team", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200 and b"Alpha" in response.read()
        time.sleep(1)
        assert len(team_mail(smtp_server[1])) == alpha
    finally:
        for process in started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs:
            log.close()
