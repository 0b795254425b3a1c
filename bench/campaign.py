"""The campaign side of bench/run.sh, against the seeded benchmark database (BRAVO_DATABASE_URL).

    python bench/campaign.py target               print "CAMPAIGN_ID WALLBOARD_DATA_PATH" of the seeded campaign
    python bench/campaign.py intake URL TOKEN OUT  post 100 batches of 1,000 KPI rows to URL/api/v1/metrics with
                                                  TOKEN (a token with the metrics scope); write the figures to OUT

The intake rows are the seeded campaign's participants' daily KPIs of its last days, sent again with new
values, as an ACD or WFM system re-sends a day it corrected: every row is an upsert of an existing
(person, day, metric), and every batch marks the campaign's standings stale.
"""
from __future__ import annotations

import json
import random
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from core import create_app  # noqa: E402
from core.clock import org_timezone, utcnow  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Person  # noqa: E402
from recognition.campaigns.bench import NAME, bench_wallboard_token  # noqa: E402
from recognition.campaigns.models import Campaign, MetricDefinition, campaign_teams  # noqa: E402

BATCHES = 100
BATCH_SIZE = 1_000


def seeded_campaign() -> Campaign:
    campaign = db.session.execute(select(Campaign).where(Campaign.name == NAME)).scalars().first()
    if campaign is None:
        raise SystemExit("no seeded campaign: run `flask bench seed` (with --campaign-participants > 0)")
    return campaign


def target() -> None:
    campaign = seeded_campaign()
    print(campaign.id, f"/wallboard/{bench_wallboard_token(campaign)}/data")


def intake_rows(campaign: Campaign, count: int) -> list[dict]:
    """``count`` rows of the participants' last days, newest day first, every metric of the campaign."""
    team_ids = select(campaign_teams.c.team_id).where(campaign_teams.c.campaign_id == campaign.id)
    usernames = db.session.execute(
        select(Person.username).where(Person.team_id.in_(team_ids), Person.role == "agent").order_by(Person.id)
    ).scalars().all()
    metrics = db.session.execute(select(MetricDefinition.slug, MetricDefinition.aggregate)
                                 .order_by(MetricDefinition.slug)).all()
    rng, today = random.Random(7), utcnow().astimezone(org_timezone()).date()
    rows: list[dict] = []
    for offset in range(count):
        day = today - timedelta(days=offset)
        for username in usernames:
            for slug, aggregate in metrics:
                if aggregate == "rate":
                    calls = rng.randint(30, 70)
                    rows.append({"username": username, "date": day.isoformat(), "metric": slug,
                                 "numerator": rng.randint(0, calls), "denominator": calls})
                else:
                    rows.append({"username": username, "date": day.isoformat(), "metric": slug,
                                 "value": round(rng.uniform(50, 400), 1)})
                if len(rows) == BATCHES * BATCH_SIZE:
                    return rows
    return rows


def post(url: str, token: str, rows: list[dict]) -> dict:
    request = urllib.request.Request(
        f"{url}/api/v1/metrics", data=json.dumps({"rows": rows}).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def intake(url: str, token: str, out: Path) -> None:
    rows = intake_rows(seeded_campaign(), BATCHES)
    db.session.rollback()
    accepted = rejected = 0
    started = time.perf_counter()
    for first in range(0, len(rows), BATCH_SIZE):
        try:
            answer = post(url, token, rows[first:first + BATCH_SIZE])
        except urllib.error.HTTPError as error:
            raise SystemExit(f"POST /api/v1/metrics answered {error.code}: {error.read()[:300]!r}") from None
        accepted += answer["accepted"]
        rejected += len(answer["rejected"])
    elapsed = time.perf_counter() - started
    figures = {"rows": len(rows), "batches": -(-len(rows) // BATCH_SIZE), "accepted": accepted,
               "rejected": rejected, "seconds": round(elapsed, 2), "rows_per_second": round(len(rows) / elapsed, 1)}
    out.write_text(json.dumps(figures) + "\n")
    print(f"KPI intake: {len(rows)} rows in {figures['batches']} requests, {elapsed:.1f} s "
          f"({figures['rows_per_second']} rows/s), {rejected} rejected")


def main(argv: list[str]) -> None:
    app = create_app()
    with app.app_context():
        if argv[:1] == ["target"]:
            target()
        elif argv[:1] == ["intake"] and len(argv) == 4:
            intake(argv[1].rstrip("/"), argv[2], Path(argv[3]))
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
