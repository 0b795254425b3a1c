"""Digest benchmark: build and deliver 5,000 personal digests and 250 team digests to a local SMTP server.

    .venv/bin/python bench/digests.py [--people 5000] [--teams 250] [--database-url URL]

Seeds a fresh database (a temporary SQLite file by default; a PostgreSQL URL works too, its tables are
emptied first) with teams, people, a week of kudos and shared coaching entries, starts an aiosmtpd server
on localhost that counts what it receives, then runs ``flask digests send personal`` and ``team``
in-process and prints recipients per second and SQL statements per recipient.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import socket
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from core import create_app  # noqa: E402
from core.config import Config  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Person, Site, Team, team_supervisors  # noqa: E402

WEEK_START = datetime(2026, 11, 16, 0, 0, tzinfo=timezone.utc)  # Monday 08:00 in Shanghai
PERSONAL_RUN = datetime(2026, 11, 23, 0, 0, 30, tzinfo=timezone.utc)  # the next Monday, 08:00 Shanghai
TEAM_RUN = datetime(2026, 11, 20, 8, 0, 30, tzinfo=timezone.utc)  # Friday 16:00 Shanghai


class CountingHandler:
    def __init__(self, counter):
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 OK"


def serve_smtp(port: int, counter, stop) -> None:
    """The SMTP server, in a process of its own so that it does not share the sender's interpreter."""
    controller = Controller(CountingHandler(counter), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(people: int, teams: int, rng: random.Random) -> None:
    """Bulk inserts: teams of equal size, one supervisor each, two kudos received per person in the
    week, week tallies, and a shared coaching entry with an open action for every fifth agent."""
    from coaching.models import CoachingAction, CoachingEntry, OneToOne
    from recognition.models import Kudos, KudosRecipient, PointsTally, Value

    now = WEEK_START
    db.session.execute(insert(Site), [{"id": 1, "name": "Shanghai"}])
    db.session.execute(insert(Team), [{"id": t, "name": f"Team {t:04d}", "site_id": 1, "timezone": "Asia/Shanghai",
                                       "active": True, "created_at": now} for t in range(1, teams + 1)])
    rows = []
    for p in range(1, people + 1):
        team_id = (p - 1) % teams + 1
        role = "supervisor" if p <= teams else "agent"
        rows.append({"id": p, "username": f"bench{p:05d}", "name": f"Bench Person {p}", "email": f"bench{p}@example.com",
                     "role": role, "team_id": team_id, "locale": "zh_Hans_CN" if p % 3 == 0 else "en",
                     "active": True, "created_at": now})
    db.session.execute(insert(Person), rows)
    db.session.execute(insert(team_supervisors), [{"team_id": t, "person_id": t} for t in range(1, teams + 1)])
    db.session.execute(insert(Value), [{"id": 1, "slug": "customer-first", "name_en": "Customer first",
                                        "name_zh": "客户至上", "active": True, "position": 0, "created_at": now}])
    kudos, recipients, tallies = [], [], {}
    for p in range(1, people + 1):
        team_id = (p - 1) % teams + 1
        for k in range(2):
            kudos_id = len(kudos) + 1
            giver = team_id if p != team_id else team_id + teams
            at = now + timedelta(hours=rng.randrange(1, 24 * 6))
            kudos.append({"id": kudos_id, "giver_id": giver, "value_id": 1, "team_id": None,
                          "message": f"Thank you for the calm handling of a difficult call ({k}).", "points": 2,
                          "points_each": 2, "by_supervisor": True, "created_at": at, "week_key": "2026-W47",
                          "month_key": "2026-11"})
            recipients.append({"kudos_id": kudos_id, "person_id": p, "team_id": team_id, "points": 2})
            tallies[p] = tallies.get(p, 0) + 2
    for start in range(0, len(kudos), 2000):
        db.session.execute(insert(Kudos), kudos[start:start + 2000])
        db.session.execute(insert(KudosRecipient), recipients[start:start + 2000])
    db.session.execute(insert(PointsTally), [{"person_id": p, "period": "week", "period_key": "2026-W47",
                                              "points": points} for p, points in tallies.items()])
    entries, actions, meetings = [], [], []
    for p in range(teams + 1, people + 1, 5):
        team_id = (p - 1) % teams + 1
        entry_id = len(entries) + 1
        entries.append({"id": entry_id, "agent_id": p, "author_id": team_id, "team_id": team_id, "kind": "side_by_side",
                        "occurred_on": date(2026, 11, 17), "went_well": "Warm greeting.",
                        "to_improve": "Summarise next steps.", "follow_up_on": date(2026, 11, 27),
                        "created_at": now, "updated_at": now, "shared_at": now + timedelta(hours=1)})
        actions.append({"entry_id": entry_id, "text": "Practise the summary script.", "owner_id": p,
                        "due_on": date(2026, 11, 26)})
        meetings.append({"supervisor_id": team_id, "agent_id": p, "team_id": team_id, "cadence": "monthly",
                         "scheduled_for": now + timedelta(days=10), "created_at": now})
    db.session.execute(insert(CoachingEntry), entries)
    db.session.execute(insert(CoachingAction), actions)
    db.session.execute(insert(OneToOne), meetings)
    if db.engine.dialect.name == "postgresql":
        for table in ("site", "team", "person", "value", "kudos", "coaching_entry"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    db.session.commit()


def measure(kind: str, work, received) -> None:
    statements = [0]

    def count(*_args):
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    messages_before = received.value
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        report = work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    from sqlalchemy import distinct, func, select

    from digests.models import Delivery

    recipients = db.session.execute(select(func.count(distinct(Delivery.person_id)))
                                    .where(Delivery.kind == kind, Delivery.status == "sent")).scalar_one()
    messages = received.value - messages_before
    print(f"{kind}: {report}")
    print(f"  {messages} e-mails received by the SMTP server, {recipients} recipients (e-mail + in-app) in "
          f"{seconds:.1f} s: {recipients / seconds:.0f} recipients/s ({cpu:.1f} s of CPU in this process: "
          f"{recipients / max(cpu, 0.001):.0f} recipients per CPU second)")
    print(f"  {statements[0]} SQL statements: {statements[0] / max(recipients, 1):.2f} per recipient")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=250)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bravo-bench-digests-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    port, received, stop = free_port(), multiprocessing.Value("i", 0), multiprocessing.Event()
    smtp = multiprocessing.Process(target=serve_smtp, args=(port, received, stop), daemon=True)
    smtp.start()
    time.sleep(1)

    class BenchConfig(Config):
        SCHEDULER = "off"
        SECRET_KEY = "bench"

    app = create_app(BenchConfig, DATABASE_URL=url, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            if db.engine.dialect.name == "postgresql":
                from tests.conftest import empty_all_tables

                empty_all_tables()
            started = time.perf_counter()
            seed(args.people, args.teams, random.Random(7))
            print(f"seeded {args.people} people in {args.teams} teams on {db.engine.dialect.name} "
                  f"in {time.perf_counter() - started:.1f} s")
            from digests.dispatch import send_run

            measure("personal", lambda: send_run("personal", now=PERSONAL_RUN), received)
            measure("team", lambda: send_run("team", now=TEAM_RUN), received)
            db.engine.dispose()
    finally:
        stop.set()
        smtp.join(timeout=10)
        if not args.database_url:
            for name in os.listdir(workdir):
                os.remove(os.path.join(workdir, name))
            os.rmdir(workdir)


if __name__ == "__main__":
    main()
