"""`flask bench seed` with tiny numbers makes data the rules could have made, and boards read it."""
from __future__ import annotations

from collections import Counter

import pytest
from flask import current_app
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from core.models import ApiToken, Person, Team
from recognition import services
from recognition.ledger import period_keys
from recognition.models import GivingSpend, Kudos, KudosRecipient, PointsEntry, Reaction
from tests.kudos_fixtures import assert_books_balance

TINY = ["--people", "30", "--teams", "3", "--kudos", "500", "--months", "2", "--tokens", "5"]


@pytest.fixture
def seed(runner, tmp_path):
    tokens_file = tmp_path / "tokens.txt"

    def run(*extra: str):
        return runner.invoke(args=["bench", "seed", *TINY, "--tokens-file", str(tokens_file), *extra])

    run.tokens_file = tokens_file
    return run


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_seed_makes_an_organisation_whose_books_balance(seed):
    result = seed()
    assert result.exit_code == 0, result.output
    assert "500 kudos" in result.output and "Done in" in result.output
    wallboard = (seed.tokens_file.parent / "wallboard.txt").read_text().strip()  # beside the tokens, not in bench/
    assert wallboard.startswith("/wallboard/") and f"wallboard data: {wallboard}" in result.output
    assert (count(Person), count(Team), count(Kudos)) == (30, 3, 500)
    assert count(KudosRecipient) >= 500 and count(PointsEntry) > 0 and count(Reaction) > 0
    names = db.session.execute(select(Person.name)).scalars().all()
    assert any("\u4e00" <= name[0] <= "\u9fff" for name in names)  # Chinese names
    assert any(name[0].isascii() for name in names)                 # and English ones
    assert_books_balance()  # ledger == spend - hidden; every tally equals its ledger sum


def test_seeded_kudos_keep_the_giving_rules(seed):
    assert seed().exit_code == 0
    assert not db.session.execute(
        select(Kudos.id).join(KudosRecipient).where(KudosRecipient.person_id == Kudos.giver_id)
    ).first()
    people = {p.id: p for p in db.session.execute(select(Person)).scalars()}
    for spend in db.session.execute(select(GivingSpend)).scalars():
        assert spend.spent <= services.monthly_budget(people[spend.giver_id])
    pairs = db.session.execute(
        select(Kudos.giver_id, KudosRecipient.person_id, Kudos.month_key, func.sum(KudosRecipient.points))
        .join(KudosRecipient).where(Kudos.retracted_at.is_(None))
        .group_by(Kudos.giver_id, KudosRecipient.person_id, Kudos.month_key)
    ).all()
    assert max(points for *_key, points in pairs) <= current_app.config["KUDOS_PAIR_CAP"]


def test_the_tokens_written_sign_in_and_the_board_matches_the_ledger(seed, client):
    assert seed().exit_code == 0
    lines = [line.split("\t") for line in seed.tokens_file.read_text().splitlines()]
    assert len(lines) == 5 == count(ApiToken)
    username, token = lines[0]
    response = client.get("/api/v1/leaderboard?period=month&limit=10",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.json
    month = period_keys(utcnow())[1]
    sums = Counter()
    for person_id, amount in db.session.execute(
            select(PointsEntry.person_id, PointsEntry.amount).where(PointsEntry.month_key == month)):
        sums[person_id] += amount
    expected = sorted((points for points in sums.values() if points > 0), reverse=True)[:10]
    assert [item["points"] for item in response.json["items"]] == expected
    me = db.session.execute(select(Person).where(Person.username == username)).scalar_one()
    assert (response.json["me"] or {}).get("points", 0) == max(0, sums[me.id])


def test_seed_refuses_a_database_with_people_unless_forced(seed):
    assert seed().exit_code == 0
    refused = seed()
    assert refused.exit_code == 1
    assert "already has people" in refused.output and "--force" in refused.output
    assert count(Kudos) == 500
    forced = seed("--force")
    assert forced.exit_code == 0, forced.output
    assert (count(Person), count(Kudos)) == (30, 500)
    assert_books_balance()


def test_seed_refuses_too_few_people_for_the_teams(runner):
    result = runner.invoke(args=["bench", "seed", "--people", "5", "--teams", "3"])
    assert result.exit_code == 1
    assert "--people must be at least" in result.output
    assert count(Person) == 0
