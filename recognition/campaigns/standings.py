"""Campaign standings: the maths (pure functions) and their stored computation.

The rules, as shown to people:

- **Eligible**: in a dimension, a participant with a score (a KPI needs at least one day of data;
  a rate needs Σdenominator > 0) and a volume of at least the dimension's ``min_volume``.
- **Percentile** (per dimension, among its n eligible participants)::

      percentile = (strictly worse + 0.5 × (ties − 1)) / (n − 1) × 100;   n = 1 → 100

  where *ties* counts the participants with the same value, oneself included. The best is 100,
  the worst 0; people with equal values share a percentile. Values are compared rounded to 9
  decimal places, so float noise never splits a tie; lower-is-better dimensions compare the other way.
- **Score** = Σ weightᵢ × percentileᵢ / Σ weightᵢ over all dimensions (weights normalised); an
  ineligible dimension counts 0. Scores are rounded to 6 decimal places.
- **Overall rank**: score (higher first), then the percentile in the heaviest dimension (the first
  by position among equal weights; ineligible below 0), then more dimensions eligible, then username
  (A→Z). Every participant gets a distinct rank; those eligible nowhere come last and are never
  shown on public boards. **Gap to next** = the score of the rank above minus one's own.
- **Dimension rank**: eligible participants by percentile, then overall score, then username;
  ineligible ones after them, by username.

Stored standings (:class:`CampaignStanding`, :class:`DimensionStanding`, ``Campaign.team_progress``)
are rebuilt by :func:`compute_standings` when ``Campaign.inputs_version`` has moved since the last
computation; reads never recompute unless the inputs changed, and then in the background once a
campaign has standings (:func:`ensure_fresh_for_read`).
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import delete, func, insert, select

from core.clock import utcnow

from core.db import sqlite_write_intent
from core.extensions import db
from core.models import Person
from recognition.campaigns.heads import CampaignHead, forget_campaign_head
from recognition.campaigns.models import (
    Campaign, CampaignStanding, Dimension, DimensionStanding, MetricValue, Nomination, Requirement,
    campaign_teams,
)
from recognition.models import Kudos, KudosRecipient

VALUE_DECIMALS = 9
SCORE_DECIMALS = 6
# A campaign's next background recomputation starts no sooner than this many times the last one's
# duration after it ended: under a steady flow of kudos, recomputing takes at most about a fifth of
# a core per campaign (2,000 participants: a few seconds' computation, then ~10 s of rest), while a
# small campaign's changes show at once.
REFRESH_REST_FACTOR = 4.0
BACKGROUND_REFRESHES = "bravo.standings_refreshes"


@dataclass
class _Refreshes:
    """This application's background recomputations (per process)."""

    running: set[int] = field(default_factory=set)  # campaign ids being recomputed
    last: dict[int, tuple[float, float]] = field(default_factory=dict)  # id → (monotonic end, seconds taken)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resting(self, campaign_id: int) -> bool:
        ended, duration = self.last.get(campaign_id, (0.0, 0.0))
        return time.monotonic() - ended < REFRESH_REST_FACTOR * duration


def background_refreshes(app: Flask) -> _Refreshes:
    return app.extensions.setdefault(BACKGROUND_REFRESHES, _Refreshes())


# --- the maths -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DimensionRule:
    id: int
    weight: float
    position: int = 0
    higher_is_better: bool = True
    min_volume: float = 0.0


@dataclass(frozen=True)
class Measure:
    """A participant's aggregate in a dimension (``None``: no data) and its volume."""

    value: float | None
    volume: float = 0.0


@dataclass(frozen=True)
class Participant:
    person_id: int
    username: str
    team_id: int | None = None


@dataclass
class DimensionResult:
    value: float | None
    volume: float
    eligible: bool
    percentile: float | None
    rank: int = 0


@dataclass
class StandingResult:
    participant: Participant
    score: float
    eligible_dimensions: int
    dimensions: dict[int, DimensionResult]
    rank: int = 0
    gap_to_next: float | None = None


def percentiles(values: Mapping[int, float], *, higher_is_better: bool = True) -> dict[int, float]:
    """Percentile of each key among all keys (see the module's rule); ties share a percentile."""
    n = len(values)
    if n == 0:
        return {}
    if n == 1:
        return {key: 100.0 for key in values}
    sign = 1 if higher_is_better else -1
    goodness = {key: sign * round(value, VALUE_DECIMALS) for key, value in values.items()}
    groups: dict[float, list[int]] = defaultdict(list)
    for key, good in goodness.items():
        groups[good].append(key)
    result: dict[int, float] = {}
    worse = 0
    for good in sorted(groups):
        ties = len(groups[good])
        percentile = (worse + 0.5 * (ties - 1)) / (n - 1) * 100
        for key in groups[good]:
            result[key] = percentile
        worse += ties
    return result


def heaviest(dimensions: Sequence[DimensionRule]) -> DimensionRule | None:
    return min(dimensions, key=lambda d: (-d.weight, d.position, d.id), default=None)


def rank_participants(participants: Sequence[Participant], dimensions: Sequence[DimensionRule],
                      measures: Mapping[tuple[int, int], Measure]) -> list[StandingResult]:
    """Standings of every participant, best first; ``measures`` maps (dimension id, person id)."""
    total_weight = sum(d.weight for d in dimensions) or 1.0
    per_dimension: dict[int, dict[int, DimensionResult]] = {}
    for dimension in dimensions:
        results: dict[int, DimensionResult] = {}
        for participant in participants:
            measure = measures.get((dimension.id, participant.person_id), Measure(None, 0.0))
            eligible = measure.value is not None and measure.volume >= dimension.min_volume
            results[participant.person_id] = DimensionResult(measure.value, measure.volume, eligible, None)
        eligible_values = {pid: r.value for pid, r in results.items() if r.eligible}
        for pid, percentile in percentiles(eligible_values, higher_is_better=dimension.higher_is_better).items():
            results[pid].percentile = percentile
        per_dimension[dimension.id] = results

    standings = []
    for participant in participants:
        mine = {d.id: per_dimension[d.id][participant.person_id] for d in dimensions}
        weighted = sum(d.weight * (mine[d.id].percentile or 0.0) for d in dimensions if mine[d.id].eligible)
        standings.append(StandingResult(participant, round(weighted / total_weight, SCORE_DECIMALS),
                                        sum(1 for r in mine.values() if r.eligible), mine))

    top_dimension = heaviest(dimensions)

    def overall_key(s: StandingResult):
        in_heaviest = -1.0
        if top_dimension is not None and s.dimensions[top_dimension.id].eligible:
            in_heaviest = s.dimensions[top_dimension.id].percentile
        return -s.score, -in_heaviest, -s.eligible_dimensions, s.participant.username

    standings.sort(key=overall_key)
    for rank, standing in enumerate(standings, 1):
        standing.rank = rank
        if rank > 1:
            standing.gap_to_next = round(standings[rank - 2].score - standing.score, SCORE_DECIMALS)

    for dimension in dimensions:
        def dimension_key(s: StandingResult, dimension_id=dimension.id):
            result = s.dimensions[dimension_id]
            if result.eligible:
                return 0, -result.percentile, s.rank, s.participant.username
            return 1, 0.0, 0, s.participant.username

        for rank, standing in enumerate(sorted(standings, key=dimension_key), 1):
            standing.dimensions[dimension.id].rank = rank
    return standings


# --- progress against the brief's targets ----------------------------------------------------

@dataclass
class Sums:
    """Raw sums of a KPI's daily rows: how many values, their sum, Σnumerator, Σdenominator."""

    count: int = 0
    total: float = 0.0
    numerator: float = 0.0
    denominator: float = 0.0

    def add(self, other: Sums) -> None:
        self.count += other.count
        self.total += other.total
        self.numerator += other.numerator
        self.denominator += other.denominator

    def measure(self, aggregate: str) -> Measure:
        """The aggregate and its volume: days with a value (sum, mean) or Σdenominator (rate)."""
        if aggregate == "rate":
            return Measure(self.numerator / self.denominator if self.denominator > 0 else None, self.denominator)
        if not self.count:
            return Measure(None, 0.0)
        return Measure(self.total if aggregate == "sum" else self.total / self.count, float(self.count))


def progress_toward(value: float | None, target: float, higher_is_better: bool) -> tuple[bool | None, float | None]:
    """(met, progress 0..1) of a team aggregate against a target."""
    if value is None:
        return None, None
    if higher_is_better:
        met = value >= target
        progress = 1.0 if met else (max(0.0, value / target) if target > 0 else 0.0)
    else:
        met = value <= target
        progress = 1.0 if met else (max(0.0, target / value) if value > 0 else 0.0)
    return met, round(min(progress, 1.0), 4)


def _target_entry(sums: Sums, requirement: Requirement) -> dict:
    value = sums.measure(requirement.metric.aggregate).value
    met, progress = progress_toward(value, requirement.target,
                                    requirement.effective_direction == "higher_better")
    return {"value": None if value is None else round(value, VALUE_DECIMALS), "met": met, "progress": progress}


def team_progress(campaign: Campaign, participants: Sequence[Participant],
                  sums: Mapping[tuple[int, int], Sums]) -> list[dict]:
    """Per requirement bound to a KPI: the aggregate of all participants and of each team, never of a person."""
    team_of = {p.person_id: p.team_id for p in participants}
    progress = []
    for requirement in campaign.requirements:
        if requirement.metric is None:
            continue
        overall, by_team = Sums(), {team.id: Sums() for team in campaign.teams}
        for (metric_id, person_id), person_sums in sums.items():
            if metric_id == requirement.metric_id and person_id in team_of:
                overall.add(person_sums)
                if team_of[person_id] in by_team:
                    by_team[team_of[person_id]].add(person_sums)
        progress.append({
            "requirement_id": requirement.id,
            "overall": _target_entry(overall, requirement),
            "teams": [{"team_id": team_id, **_target_entry(team_sums, requirement)}
                      for team_id, team_sums in by_team.items()],
        })
    return progress


# --- reading the inputs ----------------------------------------------------------------------

def participants_of(campaign: Campaign) -> list[Participant]:
    """The active agents of the campaign's teams (at the time of asking)."""
    rows = db.session.execute(
        select(Person.id, Person.username, Person.team_id)
        .join(campaign_teams, campaign_teams.c.team_id == Person.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id, Person.role == "agent", Person.active.is_(True))
        .order_by(Person.id)
    )
    return [Participant(row.id, row.username, row.team_id) for row in rows]


def _participant_filter(campaign: Campaign, person_id_column):
    return person_id_column.in_(
        select(Person.id).join(campaign_teams, campaign_teams.c.team_id == Person.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id, Person.role == "agent", Person.active.is_(True))
    )


def metric_sums(campaign: Campaign, metric_ids: set[int]) -> dict[tuple[int, int], Sums]:
    """(metric id, person id) → sums of the participants' daily rows in the campaign's window: one query."""
    if not metric_ids:
        return {}
    rows = db.session.execute(
        select(MetricValue.metric_id, MetricValue.person_id, func.count(MetricValue.value),
               func.sum(MetricValue.value), func.sum(MetricValue.numerator), func.sum(MetricValue.denominator))
        .where(MetricValue.metric_id.in_(sorted(metric_ids)),
               MetricValue.day.between(campaign.first_day, campaign.last_day),
               _participant_filter(campaign, MetricValue.person_id))
        .group_by(MetricValue.metric_id, MetricValue.person_id)
    )
    return {(m, p): Sums(count or 0, total or 0.0, num or 0.0, den or 0.0) for m, p, count, total, num, den in rows}


def kudos_counts(campaign: Campaign) -> dict[tuple[int, int], int]:
    """(person id, value id) → visible kudos the participant received during the campaign: one query."""
    rows = db.session.execute(
        select(KudosRecipient.person_id, Kudos.value_id, func.count())
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.created_at >= campaign.starts_at, Kudos.created_at < campaign.ends_at,
               Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None),
               _participant_filter(campaign, KudosRecipient.person_id))
        .group_by(KudosRecipient.person_id, Kudos.value_id)
    )
    return {(person_id, value_id): count for person_id, value_id, count in rows}


def nomination_counts(campaign: Campaign) -> dict[tuple[int, int], int]:
    """(dimension id, person id) → nominations received."""
    rows = db.session.execute(
        select(Nomination.dimension_id, Nomination.person_id, func.count())
        .where(Nomination.campaign_id == campaign.id)
        .group_by(Nomination.dimension_id, Nomination.person_id)
    )
    return {(dimension_id, person_id): count for dimension_id, person_id, count in rows}


def dimension_rule(dimension: Dimension) -> DimensionRule:
    return DimensionRule(dimension.id, dimension.weight, dimension.position, dimension.higher_is_better,
                         dimension.min_volume)


def gather_measures(campaign: Campaign, participants: Sequence[Participant]
                    ) -> tuple[dict[tuple[int, int], Measure], dict[tuple[int, int], Sums]]:
    """Every (dimension, person) measure, and the KPI sums the brief's targets need: at most three queries."""
    dimensions = campaign.dimensions
    metric_ids = {d.metric_id for d in dimensions if d.source == "metric"}
    metric_ids |= {r.metric_id for r in campaign.requirements if r.metric_id}
    sums = metric_sums(campaign, metric_ids)
    kudos = kudos_counts(campaign) if any(d.source == "kudos" for d in dimensions) else {}
    kudos_any: dict[int, int] = defaultdict(int)
    for (person_id, _value_id), count in kudos.items():
        kudos_any[person_id] += count
    nominations = nomination_counts(campaign) if any(d.source == "nominations" for d in dimensions) else {}

    measures: dict[tuple[int, int], Measure] = {}
    for dimension in dimensions:
        for participant in participants:
            pid = participant.person_id
            if dimension.source == "metric":
                measure = sums.get((dimension.metric_id, pid), Sums()).measure(dimension.effective_aggregate)
            elif dimension.source == "kudos":
                count = kudos.get((pid, dimension.value_id), 0) if dimension.value_id else kudos_any[pid]
                measure = Measure(float(count), float(count))
            else:
                count = nominations.get((dimension.id, pid), 0)
                measure = Measure(float(count), float(count))
            measures[(dimension.id, pid)] = measure
    return measures, sums


# --- storing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Calculation:
    """Standings calculated from the inputs of ``version``, not yet stored."""

    version: int
    results: list[StandingResult]
    team_progress: list[dict]


def calculate_standings(campaign: Campaign) -> Calculation:
    """Read the campaign's inputs and rank its participants: a handful of queries whatever the size
    (participants, KPI sums, kudos counts, nominations), and no write."""
    version = campaign.inputs_version
    participants = participants_of(campaign)
    measures, sums = gather_measures(campaign, participants)
    results = rank_participants(participants, [dimension_rule(d) for d in campaign.dimensions], measures)
    return Calculation(version, results, team_progress(campaign, participants, sums))


def store_standings(campaign: Campaign, calculation: Calculation, *, now: datetime) -> None:
    """Replace the campaign's stored standings and team progress (two deletes, two bulk inserts; no commit)."""
    db.session.execute(delete(DimensionStanding).where(
        DimensionStanding.dimension_id.in_([d.id for d in campaign.dimensions])))
    db.session.execute(delete(CampaignStanding).where(CampaignStanding.campaign_id == campaign.id))
    results = calculation.results
    if results:
        db.session.execute(insert(CampaignStanding.__table__), [
            dict(campaign_id=campaign.id, person_id=s.participant.person_id, team_id=s.participant.team_id,
                 rank=s.rank, score=s.score, eligible_dimensions=s.eligible_dimensions, gap_to_next=s.gap_to_next)
            for s in results
        ])
        rows = [
            dict(dimension_id=dimension_id, person_id=s.participant.person_id, team_id=s.participant.team_id,
                 value=d.value, volume=d.volume, eligible=d.eligible, percentile=d.percentile, rank=d.rank)
            for s in results for dimension_id, d in s.dimensions.items()
        ]
        if rows:
            db.session.execute(insert(DimensionStanding.__table__), rows)
    campaign.team_progress = calculation.team_progress
    campaign.standings_version = calculation.version
    campaign.standings_computed_at = now
    db.session.flush()


def compute_standings(campaign: Campaign, *, now: datetime) -> list[StandingResult]:
    """Rebuild the campaign's stored standings and team progress from its inputs (no commit)."""
    calculation = calculate_standings(campaign)
    store_standings(campaign, calculation, now=now)
    return calculation.results


def _locked(campaign_id: int) -> Campaign:
    return db.session.execute(
        select(Campaign).where(Campaign.id == campaign_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def recompute_if_stale(campaign: Campaign, *, now: datetime) -> bool:
    """Inside a writing transaction: lock the campaign and recompute when its inputs moved.

    :return: whether standings were computed
    """
    locked = _locked(campaign.id)
    if locked.standings_fresh:
        return False
    compute_standings(locked, now=now)
    return True


def _recompute_committed(campaign_id: int, *, now: datetime) -> None:
    """Recompute a stale campaign: calculate in a read transaction (seconds for thousands of
    participants, and no lock held, so writers such as kudos go on), then store in a short writing
    transaction of its own and commit it, unless standings at least as new were stored meanwhile."""
    reading = sqlite_write_intent.set(False)
    try:
        campaign = db.session.get(Campaign, campaign_id)
        calculation = None if campaign is None or campaign.standings_fresh else calculate_standings(campaign)
        db.session.rollback()
    finally:
        sqlite_write_intent.reset(reading)
    if calculation is None:
        return
    writing = sqlite_write_intent.set(True)
    try:
        locked = _locked(campaign_id)
        if locked.standings_version is None or locked.standings_version < calculation.version:
            store_standings(locked, calculation, now=now)
        db.session.commit()
        forget_campaign_head(campaign_id)
    except Exception:
        db.session.rollback()
        raise
    finally:
        sqlite_write_intent.reset(writing)


def _refresh_in_background(app: Flask, campaign_id: int) -> None:
    """Recompute in a thread of this process, at most one per campaign at a time and not while the
    campaign rests after the last one (``REFRESH_REST_FACTOR``); readers go on with the stored
    standings meanwhile, and a later read starts the recomputation once the rest is over."""
    refreshes = background_refreshes(app)
    with refreshes.lock:
        if campaign_id in refreshes.running or refreshes.resting(campaign_id):
            return
        refreshes.running.add(campaign_id)

    def refresh() -> None:
        started = time.monotonic()
        try:
            with app.app_context():
                try:
                    _recompute_committed(campaign_id, now=utcnow())
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 — a reader will try again; say why in the log
            app.logger.exception("recomputing the standings of campaign %s failed", campaign_id)
        finally:
            ended = time.monotonic()
            with refreshes.lock:
                refreshes.last[campaign_id] = (ended, ended - started)
                refreshes.running.discard(campaign_id)

    threading.Thread(target=refresh, name=f"standings-{campaign_id}", daemon=True).start()


def refreshing(campaign_id: int) -> bool:
    """Whether this process is recomputing the campaign's standings in the background."""
    refreshes = background_refreshes(current_app)
    with refreshes.lock:
        return campaign_id in refreshes.running


def ensure_fresh_for_read(campaign: Campaign | CampaignHead, *, now: datetime) -> Campaign | CampaignHead:
    """For reads (pages, API, wallboards): when the stored standings are stale, have them recomputed,
    once, whoever asks first; otherwise do nothing.

    With ``STANDINGS_REFRESH = "background"`` (the default) a campaign that has standings keeps
    serving them while a thread of this process recomputes (seconds for thousands of participants,
    then a rest four times as long), so a busy floor's kudos never make a reader wait; the wallboards' ETag follows the stored
    version, so screens pick up the result by themselves. A campaign never computed, or
    ``"inline"``, is recomputed before the read: the caller's read transaction is ended first (it
    must hold no pending writes), as on SQLite the recomputation must begin as a writer.
    """
    if campaign.standings_fresh:
        return campaign
    app = current_app._get_current_object()
    if campaign.standings_computed_at is not None and app.config["STANDINGS_REFRESH"] == "background":
        _refresh_in_background(app, campaign.id)
        return campaign
    campaign_id = campaign.id
    db.session.rollback()
    _recompute_committed(campaign_id, now=now)
    return db.session.get(Campaign, campaign_id)


def bump_inputs(campaign: Campaign) -> None:
    """The campaign's inputs changed (a nomination, its definition): stored standings are stale.

    Added in SQL (``inputs_version + 1``), so concurrent changes each count.
    """
    campaign.inputs_version = Campaign.inputs_version + 1
