"""Reads for campaigns, shared by the API, the pages and the wallboards.

Standings are read from the stored rows (see :mod:`recognition.campaigns.standings`); callers make
them fresh first with :func:`~recognition.campaigns.standings.ensure_fresh_for_read`. What a viewer
may see is decided by :func:`recognition.campaigns.access.standings_scope`; these functions apply it.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from core.access import managed_team_ids
from core.api import decode_cursor, encode_cursor
from core.cache import kept_results
from core.errors import InvalidInput, NotFound
from core.extensions import db
from core.models import Person, Team
from recognition.campaigns import access
from recognition.campaigns.access import StandingsScope
from recognition.campaigns.heads import CampaignHead
from recognition.campaigns.models import (
    Acknowledgement, Campaign, CampaignStanding, Dimension, DimensionStanding, MetricDefinition, Nomination,
    campaign_teams,
)
from recognition.campaigns.standings import ensure_fresh_for_read
from recognition.models import Value


def board_top_n() -> int:
    return int(current_app.config["BOARD_TOP_N"])


# --- campaigns -------------------------------------------------------------------------------

def campaigns_visible_to(viewer: Person, *, states: tuple[str, ...] = (), now: datetime | None = None) -> Select:
    """Campaigns the viewer may open: launched ones, and the drafts they run (order it: keyset on id).

    ``states`` filters by derived state (``draft``, ``scheduled``, ``running``, ``ended``, ``published``).
    """
    stmt = select(Campaign).options(selectinload(Campaign.teams))
    if access.can_create_campaigns(viewer) and viewer.role != "admin":
        managed = managed_team_ids(viewer)
        runs = or_(Campaign.created_by_id == viewer.id,
                   Campaign.id.in_(select(campaign_teams.c.campaign_id).where(campaign_teams.c.team_id.in_(managed))))
        stmt = stmt.where(or_(Campaign.status != "draft", runs))
    elif viewer.role != "admin":
        stmt = stmt.where(Campaign.status != "draft")
    if states:
        conditions = []
        for state in states:
            if state in ("draft", "published"):
                conditions.append(Campaign.status == state)
            elif now is not None and state == "scheduled":
                conditions.append(and_(Campaign.status == "open", Campaign.starts_at > now))
            elif now is not None and state == "running":
                conditions.append(and_(Campaign.status == "open", Campaign.starts_at <= now, Campaign.ends_at > now))
            elif now is not None and state == "ended":
                conditions.append(and_(Campaign.status == "open", Campaign.ends_at <= now))
        stmt = stmt.where(or_(*conditions) if conditions else false())
    return stmt


def campaign_team_choices(person: Person, campaign: Campaign | None = None) -> Select:
    """Teams the editor offers: the active teams the person manages (every active team for an admin),
    plus the campaign's own teams, so an edit shows what the campaign has."""
    offered = Team.active.is_(True)
    if person.role != "admin":
        offered = and_(offered, Team.id.in_(sorted(managed_team_ids(person))))
    if campaign is not None:
        offered = or_(offered, Team.id.in_([team.id for team in campaign.teams]))
    return select(Team).where(offered).order_by(Team.name)


def dimension_values(campaign: Campaign) -> dict[int, Value]:
    """The values the campaign's kudos dimensions count, by id (one query, none without such a dimension)."""
    ids = sorted({d.value_id for d in campaign.dimensions if d.value_id})
    if not ids:
        return {}
    return {value.id: value for value in db.session.execute(select(Value).where(Value.id.in_(ids))).scalars()}


def campaigns_awaiting_acknowledgement(person: Person, *, now: datetime) -> Select:
    """Launched, unfinished campaigns of the person's team whose brief they have not acknowledged
    (for the home page); none for anyone but an agent in a team."""
    if person.role != "agent" or person.team_id is None:
        return select(Campaign).where(false())
    acknowledged = exists().where(Acknowledgement.campaign_id == Campaign.id,
                                  Acknowledgement.person_id == person.id)
    return (
        select(Campaign)
        .join(campaign_teams, campaign_teams.c.campaign_id == Campaign.id)
        .where(campaign_teams.c.team_id == person.team_id, Campaign.status == "open", Campaign.ends_at > now,
               ~acknowledged)
        .order_by(Campaign.starts_at, Campaign.id)
    )


def unacknowledged_participants(campaign: Campaign, *, team_ids: set[int] | None = None) -> Select:
    """Participants who have not acknowledged the brief (managers; ``team_ids`` restricts to a
    supervisor's teams), by team and name."""
    stmt = (
        select(Person)
        .join(campaign_teams, campaign_teams.c.team_id == Person.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id, Person.role == "agent", Person.active.is_(True),
               ~exists().where(Acknowledgement.campaign_id == campaign.id,
                               Acknowledgement.person_id == Person.id))
        .options(selectinload(Person.team))
        .order_by(Person.team_id, Person.name, Person.id)
    )
    if team_ids is not None:
        stmt = stmt.where(Person.team_id.in_(sorted(team_ids)))
    return stmt


def acknowledgement_counts(campaign: Campaign, *, team_ids: set[int] | None = None) -> tuple[int, int]:
    """(acknowledged, participants)."""
    acknowledged = exists().where(Acknowledgement.campaign_id == campaign.id, Acknowledgement.person_id == Person.id)
    stmt = (
        select(func.count(Person.id), func.count(case((acknowledged, 1))))
        .join(campaign_teams, campaign_teams.c.team_id == Person.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id, Person.role == "agent", Person.active.is_(True))
    )
    if team_ids is not None:
        stmt = stmt.where(Person.team_id.in_(sorted(team_ids)))
    participants, done = db.session.execute(stmt).one()
    return done, participants


def acknowledged_at(campaign: Campaign, person: Person) -> datetime | None:
    return db.session.execute(
        select(Acknowledgement.acknowledged_at)
        .where(Acknowledgement.campaign_id == campaign.id, Acknowledgement.person_id == person.id)
    ).scalar_one_or_none()


def participants_in_teams(campaign: Campaign, team_ids: set[int] | frozenset[int]) -> Select:
    """The campaign's participants in these teams, by team and name (a lead's nominees)."""
    return (
        select(Person)
        .join(campaign_teams, campaign_teams.c.team_id == Person.team_id)
        .where(campaign_teams.c.campaign_id == campaign.id, Person.role == "agent", Person.active.is_(True),
               Person.team_id.in_(sorted(team_ids)))
        .options(selectinload(Person.team))
        .order_by(Person.team_id, Person.name, Person.id)
    )


def nominations_of(campaign: Campaign, viewer: Person) -> Select:
    """Nominations with their reasons: all for those who run the campaign, one's own otherwise."""
    stmt = (select(Nomination).where(Nomination.campaign_id == campaign.id)
            .options(selectinload(Nomination.person), selectinload(Nomination.nominated_by),
                     selectinload(Nomination.dimension)))
    if not access.can_manage_campaign(viewer, campaign):
        stmt = stmt.where(Nomination.nominated_by_id == viewer.id)
    return stmt.order_by(Nomination.id)


# --- the brief's targets ---------------------------------------------------------------------

def brief_progress(campaign: Campaign, *, locale: str | None = None, team_id: int | None = None) -> list[dict]:
    """Public progress against each requirement bound to a KPI: all participants and each team
    (one team only with ``team_id``), from the stored computation; make standings fresh first."""
    stored = {entry["requirement_id"]: entry for entry in campaign.team_progress or []}
    team_names = {team.id: team.name for team in campaign.teams}
    result = []
    for requirement in campaign.requirements:
        metric: MetricDefinition | None = requirement.metric
        if metric is None:
            continue
        entry = stored.get(requirement.id, {"overall": {"value": None, "met": None, "progress": None},
                                            "teams": []})
        teams = [{"team": team_names.get(t["team_id"], ""), "value": t["value"], "met": t["met"],
                  "progress": t["progress"]}
                 for t in entry["teams"] if t["team_id"] in team_names and team_id in (None, t["team_id"])]
        result.append({
            "requirement_id": requirement.id,
            "text": requirement.text,
            "metric": metric.slug,
            "metric_name": metric.name_in(locale),
            "unit": metric.unit,
            "aggregate": metric.aggregate,
            "target": requirement.target,
            "direction": requirement.effective_direction,
            "overall": entry["overall"],
            "teams": teams,
        })
    return result


# --- standings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DimensionCell:
    """A participant's standing in one dimension (shown only with rows seen in full)."""

    dimension_id: int
    name: str
    weight: float
    value: float | None
    volume: float
    eligible: bool
    percentile: float | None
    rank: int


@dataclass(frozen=True)
class StandingRow:
    """A row of the standings. ``full``: the viewer may see its breakdown and gap (their own row,
    their team's, or every row for those who run the campaign); public rows carry neither."""

    rank: int
    person_id: int
    username: str
    name: str
    team: str | None
    score: float | None
    eligible_dimensions: int
    full: bool
    gap_to_next: float | None = None
    breakdown: tuple[DimensionCell, ...] = ()
    # With a dimension filter: the row's standing in that dimension.
    dimension: DimensionCell | None = None


def _rank_cursor(cursor: str | None) -> int | None:
    after = decode_cursor(cursor)
    if after is not None and (type(after) is not int or not 0 <= after < 2**31):
        raise InvalidInput(_("The cursor is not valid."), field="cursor")
    return after


# The stored standings of a campaign, kept in this process per computation: every standings read
# (pages, the API) filters them in memory, so a crowd of readers costs no standings query until the
# next computation. Names and team names in them may lag a rename by up to this many seconds.
STANDINGS_KEPT_SECONDS = 30.0


@dataclass(frozen=True)
class _Entry:
    """A participant's stored overall standing, with their names as of the load."""

    rank: int
    person_id: int
    username: str
    name: str
    team_id: int | None
    team: str | None
    score: float
    eligible_dimensions: int
    gap_to_next: float | None


@dataclass(frozen=True)
class _DimensionInfo:
    id: int
    name: str
    weight: float
    position: int


@dataclass(frozen=True)
class _Dimensions:
    """Every dimension's rows of one computation."""

    cells: dict[int, tuple[DimensionCell, ...]]  # person id → breakdown, in dimension order
    by_dimension: dict[int, tuple[tuple[_Entry, DimensionCell], ...]]  # dimension id → rows by its rank
    cell_of: dict[tuple[int, int], DimensionCell]  # (dimension id, person id) → cell


# A breakdown of up to this many people is read for them alone while the dimensions are not loaded.
FEW_BREAKDOWNS = 100


class KeptStandings:
    """One computation of a campaign's standings: overall by rank (loaded at once, one query), and each
    dimension's rows (loaded on first need: the breakdowns of a few people are read for them alone)."""

    def __init__(self, campaign_id: int, dimensions: tuple[_DimensionInfo, ...], overall: tuple[_Entry, ...]):
        self.campaign_id, self.dimensions, self.overall = campaign_id, dimensions, overall
        self.of_person = {entry.person_id: entry for entry in overall}
        of_team: dict[int | None, list[_Entry]] = {}
        for entry in overall:
            of_team.setdefault(entry.team_id, []).append(entry)
        self.of_team = {team: tuple(found) for team, found in of_team.items()}
        self._dimensions: _Dimensions | None = None
        self._few: dict[int, tuple[DimensionCell, ...]] = {}  # breakdowns read person by person
        self._lock = threading.Lock()

    def _dimension_rows(self, person_ids: list[int] | None = None) -> list:
        if not self.dimensions:
            return []
        stmt = select(DimensionStanding.dimension_id, DimensionStanding.person_id, DimensionStanding.value,
                      DimensionStanding.volume, DimensionStanding.eligible, DimensionStanding.percentile,
                      DimensionStanding.rank).where(
            DimensionStanding.dimension_id.in_([d.id for d in self.dimensions]))
        if person_ids is not None:
            stmt = stmt.where(DimensionStanding.person_id.in_(person_ids))
        return db.session.execute(stmt.order_by(DimensionStanding.rank)).all()

    def _cells(self, rows) -> tuple[dict[int, list[DimensionCell]], list[tuple[int, _Entry, DimensionCell]]]:
        info = {d.id: d for d in self.dimensions}
        cells: dict[int, list[DimensionCell]] = {}
        placed = []
        for row in rows:
            entry = self.of_person.get(row.person_id)
            if entry is None:
                continue
            d = info[row.dimension_id]
            cell = DimensionCell(d.id, d.name, d.weight, row.value, row.volume, row.eligible, row.percentile,
                                 row.rank)
            cells.setdefault(row.person_id, []).append(cell)
            placed.append((row.dimension_id, entry, cell))
        position = {d.id: d.position for d in self.dimensions}
        for found in cells.values():
            found.sort(key=lambda c: position[c.dimension_id])
        return cells, placed

    @property
    def loaded(self) -> _Dimensions:
        with self._lock:
            if self._dimensions is None:
                cells, placed = self._cells(self._dimension_rows())
                by_dimension: dict[int, list[tuple[_Entry, DimensionCell]]] = {d.id: [] for d in self.dimensions}
                for dimension_id, entry, cell in placed:
                    by_dimension[dimension_id].append((entry, cell))
                self._dimensions = _Dimensions(
                    {pid: tuple(found) for pid, found in cells.items()},
                    {d: tuple(found) for d, found in by_dimension.items()},
                    {(d, entry.person_id): cell for d, entry, cell in placed})
            return self._dimensions

    def breakdowns(self, person_ids: list[int]) -> dict[int, tuple[DimensionCell, ...]]:
        """Person id → their standing in every dimension, in dimension order (a breakdown read for its
        person alone is kept too: it cannot change within one computation)."""
        if self._dimensions is None and len(person_ids) <= FEW_BREAKDOWNS:
            with self._lock:
                missing = [pid for pid in person_ids if pid not in self._few]
            if missing:
                cells, _placed = self._cells(self._dimension_rows(missing))
                with self._lock:
                    self._few.update({pid: tuple(cells.get(pid, ())) for pid in missing})
            with self._lock:
                return {pid: self._few[pid] for pid in person_ids}
        cells = self.loaded.cells
        return {pid: cells.get(pid, ()) for pid in person_ids}

    def ranked(self, dimension_id: int | None) -> Sequence[tuple[_Entry, DimensionCell | None]]:
        """Every row by rank: overall, or in one dimension."""
        if dimension_id is None:
            return [(entry, None) for entry in self.overall]
        return self.loaded.by_dimension.get(dimension_id, ())

    def candidates(self, dimension_id: int | None, scope: StandingsScope, top_n: int
                   ) -> Sequence[tuple[_Entry, DimensionCell | None]]:
        """The rows a restricted scope could see, by rank: the first ``top_n``, one's own, one's teams'
        (the whole list for those who see everyone)."""
        if scope.everyone:
            return self.ranked(dimension_id)
        if dimension_id is None:
            head = [(entry, None) for entry in self.overall[:top_n]]
        else:
            head = list(self.loaded.by_dimension.get(dimension_id, ())[:top_n])
        people = [self.of_person.get(scope.person_id)] + [e for t in scope.team_ids for e in self.of_team.get(t, ())]
        found = {entry.person_id: (entry, cell) for entry, cell in head}
        for entry in people:
            if entry is not None and entry.person_id not in found:
                cell = None if dimension_id is None else self.loaded.cell_of.get((dimension_id, entry.person_id))
                if dimension_id is None or cell is not None:
                    found[entry.person_id] = (entry, cell)
        return sorted(found.values(), key=lambda pair: pair[0].rank if pair[1] is None else pair[1].rank)


def _load_standings(campaign: Campaign | CampaignHead) -> KeptStandings:
    """Two queries: the overall rows with names, and the dimensions (their rows come when needed)."""
    entries = tuple(
        _Entry(*row) for row in db.session.execute(
            select(CampaignStanding.rank, CampaignStanding.person_id, Person.username, Person.name,
                   CampaignStanding.team_id, Team.name, CampaignStanding.score, CampaignStanding.eligible_dimensions,
                   CampaignStanding.gap_to_next)
            .join(Person, Person.id == CampaignStanding.person_id)
            .outerjoin(Team, Team.id == CampaignStanding.team_id)
            .where(CampaignStanding.campaign_id == campaign.id).order_by(CampaignStanding.rank)
        ).all())
    dimensions = tuple(_DimensionInfo(*row) for row in db.session.execute(
        select(Dimension.id, Dimension.name, Dimension.weight, Dimension.position)
        .where(Dimension.campaign_id == campaign.id).order_by(Dimension.position)))
    return KeptStandings(campaign.id, dimensions, entries)


def kept_standings(campaign: Campaign | CampaignHead) -> KeptStandings:
    """The campaign's stored standings as of their last computation (loaded once per process)."""
    key = (campaign.id, campaign.standings_version, campaign.standings_computed_at)  # an edit bumps the version
    kept = kept_results("campaign_standings", max_entries=64, max_age=STANDINGS_KEPT_SECONDS)
    return kept.get_or_make(key, lambda: _load_standings(campaign))


def breakdowns(campaign: Campaign, person_ids: list[int]) -> dict[int, tuple[DimensionCell, ...]]:
    """Person id → their standing in every dimension, in dimension order."""
    return kept_standings(campaign).breakdowns(person_ids)


def _may_see(scope: StandingsScope, entry: _Entry, rank: int, public: bool, top_n: int) -> bool:
    """Everyone for those who run the campaign; otherwise the public top N, one's own row, one's teams."""
    return (scope.everyone or (rank <= top_n and public) or entry.person_id == scope.person_id
            or entry.team_id in scope.team_ids)


def _row(entry: _Entry, full: bool, cells: dict[int, tuple[DimensionCell, ...]]) -> StandingRow:
    """``cells``: the breakdowns of the rows seen in full."""
    return StandingRow(entry.rank, entry.person_id, entry.username, entry.name, entry.team, entry.score,
                       entry.eligible_dimensions, full, entry.gap_to_next if full else None,
                       cells.get(entry.person_id, ()) if full else ())


def standings_page(campaign: Campaign | CampaignHead, scope: StandingsScope, *, limit: int, cursor: str | None = None,
                   dimension: Dimension | None = None, top_n: int | None = None, team_id: int | None = None
                   ) -> tuple[list[StandingRow], str | None]:
    """The rows the scope may see, by rank (overall, or in ``dimension``), keyset-paginated on rank;
    ``team_id`` narrows them to one team (ranks stay the campaign's). From :func:`kept_standings`."""
    top_n = top_n or board_top_n()
    after = _rank_cursor(cursor) or 0
    kept = kept_standings(campaign)
    page = []
    for entry, cell in kept.candidates(dimension.id if dimension else None, scope, top_n):
        rank, public = (entry.rank, entry.eligible_dimensions > 0) if cell is None else (cell.rank, cell.eligible)
        if rank > after and (team_id is None or entry.team_id == team_id) and _may_see(scope, entry, rank, public,
                                                                                       top_n):
            page.append((entry, rank, cell))
            if len(page) > limit:
                break
    next_cursor = encode_cursor(page[limit - 1][1]) if len(page) > limit else None
    page = page[:limit]
    cells = kept.breakdowns([entry.person_id for entry, _rank, cell in page
                             if cell is None and scope.sees_in_full(entry.person_id, entry.team_id)])
    rows = []
    for entry, rank, cell in page:
        full = scope.sees_in_full(entry.person_id, entry.team_id)
        if cell is None:
            rows.append(_row(entry, full, cells))
        else:
            # A public row of a dimension's top shows that dimension only: never the person's overall score.
            rows.append(StandingRow(rank, entry.person_id, entry.username, entry.name, entry.team,
                                    entry.score if full else None, 0, full, dimension=cell))
    return rows, next_cursor


def own_standing(campaign: Campaign | CampaignHead, person: Person) -> StandingRow | None:
    """The person's own row with breakdown and gap, or ``None`` when they do not take part."""
    kept = kept_standings(campaign)
    entry = kept.of_person.get(person.id)
    return _row(entry, True, kept.breakdowns([person.id])) if entry is not None else None


def public_top(campaign: Campaign, *, limit: int, team_id: int | None = None) -> list[StandingRow]:
    """The best ``limit`` participants eligible somewhere (of one team, ranked within it, with ``team_id``)."""
    stmt = (
        select(CampaignStanding, Person.username, Person.name, Team.name)
        .join(Person, Person.id == CampaignStanding.person_id).outerjoin(Team, Team.id == CampaignStanding.team_id)
        .where(CampaignStanding.campaign_id == campaign.id, CampaignStanding.eligible_dimensions > 0)
        .order_by(CampaignStanding.rank).limit(limit)
    )
    if team_id is not None:
        stmt = stmt.where(CampaignStanding.team_id == team_id)
    return [StandingRow(rank if team_id is not None else s.rank, s.person_id, username, name, team, s.score,
                        s.eligible_dimensions, False)
            for rank, (s, username, name, team) in enumerate(db.session.execute(stmt).all(), 1)]


# --- leaderboard of a campaign ---------------------------------------------------------------

@dataclass(frozen=True)
class ScoreRow:
    rank: int
    key: str  # username, or team name
    name: str
    score: float


@dataclass(frozen=True)
class ScoreStanding:
    rank: int
    score: float


@dataclass(frozen=True)
class CampaignBoard:
    campaign: Campaign
    scope: str
    rows: list[ScoreRow]
    me: ScoreStanding | None


def current_campaign_for(viewer: Person, *, now: datetime) -> Campaign:
    """The campaign a board shows by default: the latest started one of the viewer's team, else the
    latest started one anyone sees.

    :raise NotFound: when no launched campaign has started
    """
    campaign = _latest_started(viewer, campaigns_visible_to(viewer).where(Campaign.status != "draft",
                                                                          Campaign.starts_at <= now))
    if campaign is None:
        raise NotFound(_("No campaign has started yet."), field="campaign")
    return campaign


def running_campaign_for(viewer: Person, *, now: datetime) -> Campaign | None:
    """The running campaign a leaderboard offers: the latest started one of the viewer's team, else the
    latest started one anyone sees; ``None`` when none is running."""
    return _latest_started(viewer, campaigns_visible_to(viewer, states=("running",), now=now))


def _latest_started(viewer: Person, base: Select) -> Campaign | None:
    """The latest started campaign of ``base`` of the viewer's team, else of all (two queries at most)."""
    order = (Campaign.starts_at.desc(), Campaign.id.desc())
    campaign = None
    if viewer.team_id is not None:
        campaign = db.session.execute(
            base.where(Campaign.id.in_(select(campaign_teams.c.campaign_id)
                                       .where(campaign_teams.c.team_id == viewer.team_id)))
            .order_by(*order).limit(1)).scalar_one_or_none()
    return campaign or db.session.execute(base.order_by(*order).limit(1)).scalar_one_or_none()


def campaign_leaderboard(viewer: Person, *, campaign_id: int | None, scope: str = "people",
                         team: Team | None = None, limit: int = 10, now: datetime) -> CampaignBoard:
    """A campaign's top ``limit`` by score (people, or teams by their participants' mean score), with
    the viewer's own standing (their team's for ``scope="teams"``); never anyone below the top.

    :raise NotFound: for a campaign the viewer cannot see, or none started
    :raise InvalidInput: for a team filter on the teams board
    """
    if scope == "teams" and team is not None:
        raise InvalidInput(_("A team filter applies to the people board only."), field="team")
    campaign = (access.visible_campaign_or_404(viewer, campaign_id) if campaign_id is not None
                else current_campaign_for(viewer, now=now))
    campaign = ensure_fresh_for_read(campaign, now=now)
    if scope == "teams":
        return _team_board(campaign, viewer, limit)
    rows = public_top(campaign, limit=limit, team_id=team.id if team else None)
    me = None
    mine = db.session.execute(
        select(CampaignStanding).where(CampaignStanding.campaign_id == campaign.id,
                                       CampaignStanding.person_id == viewer.id,
                                       CampaignStanding.eligible_dimensions > 0)
    ).scalar_one_or_none()
    if mine is not None and (team is None or mine.team_id == team.id):
        rank = mine.rank
        if team is not None:
            rank = 1 + db.session.execute(
                select(func.count()).where(CampaignStanding.campaign_id == campaign.id,
                                           CampaignStanding.team_id == team.id,
                                           CampaignStanding.eligible_dimensions > 0,
                                           CampaignStanding.rank < mine.rank)).scalar_one()
        me = ScoreStanding(rank, round(mine.score, 2))
    return CampaignBoard(campaign, "people",
                         [ScoreRow(r.rank, r.username, r.name, round(r.score, 2)) for r in rows], me)


def _team_board(campaign: Campaign, viewer: Person, limit: int) -> CampaignBoard:
    rows = db.session.execute(
        select(Team.id, Team.name, func.avg(CampaignStanding.score))
        .join(CampaignStanding, CampaignStanding.team_id == Team.id)
        .where(CampaignStanding.campaign_id == campaign.id, CampaignStanding.eligible_dimensions > 0)
        .group_by(Team.id, Team.name)
    ).all()
    ranked = sorted(rows, key=lambda r: (-round(r[2], 6), r[1]))
    board = [ScoreRow(rank, name, name, round(score, 2)) for rank, (_id, name, score) in enumerate(ranked, 1)]
    me = next((ScoreStanding(row.rank, row.score) for row, (team_id, _n, _s) in zip(board, ranked)
               if team_id == viewer.team_id), None)
    return CampaignBoard(campaign, "teams", board[:limit], me)


# --- what a manager may make a wallboard for -------------------------------------------------

def wallboard_campaigns(viewer: Person) -> Select:
    """Launched campaigns the viewer runs (as :func:`access.can_manage_campaign` decides), newest first:
    a draft has nothing to show on a screen yet."""
    stmt = select(Campaign).where(Campaign.status != "draft")
    if viewer.role != "admin":
        stmt = stmt.where(or_(
            Campaign.created_by_id == viewer.id,
            Campaign.id.in_(select(campaign_teams.c.campaign_id)
                            .where(campaign_teams.c.team_id.in_(managed_team_ids(viewer))))))
    return stmt.order_by(Campaign.starts_at.desc(), Campaign.id.desc())


def wallboard_teams(viewer: Person) -> Select:
    """Active teams the viewer manages (as :func:`access.can_make_wallboard_for_team` decides), by name."""
    stmt = select(Team).where(Team.active.is_(True)).order_by(Team.name)
    return stmt if viewer.role == "admin" else stmt.where(Team.id.in_(managed_team_ids(viewer)))
