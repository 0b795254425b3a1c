"""`flask scheduler run` and `flask digests send|retry`."""
from __future__ import annotations

import logging
import signal

import click
from flask import current_app
from flask.cli import AppGroup

from core.cli import domain_errors_exit_1
from core.clock import utcnow
from digests.delivery import retry_due
from digests.dispatch import build_award_post, send_run
from digests.models import DIGEST_KINDS
from digests.scheduler import make_scheduler

scheduler_cli = AppGroup("scheduler", help="The digest scheduler.")
digests_cli = AppGroup("digests", help="Digests: send a run now, retry failed deliveries.")


def _stop(signum, frame) -> None:
    raise SystemExit(0)


@scheduler_cli.command("run")
def run_scheduler() -> None:
    """Run the scheduler in this process (for BRAVO_SCHEDULER=external) until stopped.

    Several may run (on several machines): one holds the database lease and acts, the others stand by.
    """
    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    app.logger.setLevel(logging.INFO)
    scheduler, keeper = make_scheduler(app, blocking=True)
    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"Bravo scheduler {keeper.holder} running; Ctrl+C to stop.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        keeper.release()


@digests_cli.command("send")
@click.argument("kind", type=click.Choice(DIGEST_KINDS))
@click.option("--period", default=None, help="A day (2026-11-27) or an ISO week (2026-W48); "
                                             "by default the latest period whose time has come.")
@domain_errors_exit_1
def send_digests(kind: str, period: str | None) -> None:
    """Build and send one run of digests now; safe to repeat (nothing is sent twice)."""
    report = send_run(kind, now=utcnow(), period=period)
    click.echo(f"{kind}{' ' + period if period else ''}: {report}")


@digests_cli.command("retry")
def retry_deliveries() -> None:
    """Send now what is due for a retry (and queued award announcements)."""
    click.echo(f"retried: {retry_due(now=utcnow(), build_pending=build_award_post)}")
