"""Reads for values, the public kudos feed, badges and leaderboards, shared by the API and the pages.

Everything here is public within the organisation: retracted and hidden kudos never come out, and
boards list the top only (plus, for the caller alone, their own standing). Page loads take a
bounded number of queries whatever their size: eager loading plus one aggregate query.
"""
from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, exists, func, literal_column, null, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload

from core.access import supervised_team_ids
from core.api import decode_cursor, encode_cursor
from core.errors import InvalidInput
from core.extensions import db
from core.models import Person, Team
from recognition.ledger import ALL_TIME_KEY, period_keys
from recognition.models import (
    Announcement, BadgeAward, Comment, Kudos, KudosRecipient, PointsEntry, PointsTally, Reaction, TeamTally,
    Value,
)

BOARD_PERIODS = ("week", "month")


# --- values ----------------------------------------------------------------------------------

def active_values() -> Select:
    return select(Value).where(Value.active.is_(True)).order_by(Value.position, Value.id)


def all_values() -> Select:
    return select(Value).order_by(Value.position, Value.id)


# --- the kudos feed --------------------------------------------------------------------------

@dataclass(frozen=True)
class KudosCard:
    """A visible kudos with its engagement, as the feed shows it (``applauded``: by the viewer)."""

    kudos: Kudos
    applause: int = 0
    comments: int = 0
    applauded: bool = False


@dataclass(frozen=True)
class KudosDetail(KudosCard):
    """A kudos card with its comments, oldest first."""

    comment_list: tuple[Comment, ...] = ()


@dataclass(frozen=True)
class FeedItem:
    """One line of the mixed feed: a kudos card or an announcement (a badge or an award)."""

    kind: str  # "kudos" or "announcement"
    created_at: datetime
    card: KudosCard | None = None
    announcement: Announcement | None = None


def _visible():
    return and_(Kudos.retracted_at.is_(None), Kudos.hidden_at.is_(None))


def kudos_feed(*, team: Team | None = None, recipient: Person | None = None, giver: Person | None = None,
               value: Value | None = None, since: datetime | None = None) -> Select:
    """Visible kudos with giver, value, team and recipients loaded (order it, e.g. with keyset_page).

    ``team``: kudos to that team, or to anyone who was in it when praised.
    """
    stmt = select(Kudos).where(_visible()).options(
        joinedload(Kudos.giver), joinedload(Kudos.value), joinedload(Kudos.team),
        selectinload(Kudos.recipients).joinedload(KudosRecipient.person),
    )
    if team is not None:
        stmt = stmt.where(or_(
            Kudos.team_id == team.id,
            exists().where(KudosRecipient.kudos_id == Kudos.id, KudosRecipient.team_id == team.id),
        ))
    if recipient is not None:
        received = select(KudosRecipient.kudos_id).where(KudosRecipient.person_id == recipient.id)
        stmt = stmt.where(Kudos.id.in_(received))
    if giver is not None:
        stmt = stmt.where(Kudos.giver_id == giver.id)
    if value is not None:
        stmt = stmt.where(Kudos.value_id == value.id)
    if since is not None:
        stmt = stmt.where(Kudos.created_at >= since)
    return stmt


def cards_for(kudos_list: list[Kudos], viewer: Person | None) -> list[KudosCard]:
    """Attach applause and comment counts (and the viewer's applause) in one query."""
    if not kudos_list:
        return []
    ids = [k.id for k in kudos_list]
    applause = (select(func.count()).where(Reaction.kudos_id == Kudos.id, Reaction.kind == "applause")
                .correlate(Kudos).scalar_subquery())
    comments = select(func.count()).where(Comment.kudos_id == Kudos.id).correlate(Kudos).scalar_subquery()
    mine = exists().where(Reaction.kudos_id == Kudos.id, Reaction.kind == "applause",
                          Reaction.person_id == (viewer.id if viewer is not None else -1))
    counts = {
        row.id: row for row in db.session.execute(
            select(Kudos.id, applause.label("applause"), comments.label("comments"), mine.label("mine"))
            .where(Kudos.id.in_(ids))
        )
    }
    return [KudosCard(k, counts[k.id].applause, counts[k.id].comments, bool(counts[k.id].mine))
            for k in kudos_list]


def comments_of(kudos: Kudos) -> Select:
    return (select(Comment).where(Comment.kudos_id == kudos.id).options(joinedload(Comment.author))
            .order_by(Comment.id))


def kudos_detail(kudos: Kudos, viewer: Person | None) -> KudosDetail:
    card = cards_for([kudos], viewer)[0]
    comments = tuple(db.session.execute(comments_of(kudos)).scalars())
    return KudosDetail(kudos, card.applause, card.comments, card.applauded, comments)


def announcements(*, team: Team | None = None, person: Person | None = None,
                  since: datetime | None = None) -> Select:
    stmt = select(Announcement).options(joinedload(Announcement.person))
    if team is not None:
        stmt = stmt.where(Announcement.team_id == team.id)
    if person is not None:
        stmt = stmt.where(Announcement.person_id == person.id)
    if since is not None:
        stmt = stmt.where(Announcement.created_at >= since)
    return stmt


# Within one instant, an announcement (usually caused by the kudos beside it) comes first.
_RANK = {"kudos": 0, "announcement": 1}


def _before(model, rank: int, cursor: tuple[datetime, int, int] | None):
    """Rows after ``cursor`` in the order (created_at, kind rank, id) descending."""
    if cursor is None:
        return None
    at, cursor_rank, ident = cursor
    if rank < cursor_rank:
        return model.created_at <= at
    if rank > cursor_rank:
        return model.created_at < at
    return or_(model.created_at < at, and_(model.created_at == at, model.id < ident))


def _feed_cursor(cursor: str | None) -> tuple[datetime, int, int] | None:
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    try:
        at, rank, ident = raw
        return datetime.fromisoformat(at), int(rank), int(ident)
    except (TypeError, ValueError):
        raise InvalidInput(_("The cursor is not valid."), field="cursor") from None


def feed_page(viewer: Person | None, *, limit: int, cursor: str | None = None, team: Team | None = None,
              recipient: Person | None = None, value: Value | None = None,
              since: datetime | None = None) -> tuple[list[FeedItem], str | None]:
    """The mixed public feed, newest first: kudos and announcements interleaved by time.

    A value filter shows kudos only. Four queries a page: kudos, their recipients, their
    engagement, announcements.
    """
    after = _feed_cursor(cursor)
    kudos_stmt = kudos_feed(team=team, recipient=recipient, value=value, since=since)
    condition = _before(Kudos, _RANK["kudos"], after)
    if condition is not None:
        kudos_stmt = kudos_stmt.where(condition)
    kudos_rows = list(db.session.execute(
        kudos_stmt.order_by(Kudos.created_at.desc(), Kudos.id.desc()).limit(limit + 1)
    ).scalars().unique())
    items = [FeedItem("kudos", card.kudos.created_at, card=card) for card in cards_for(kudos_rows, viewer)]
    if value is None:
        stmt = announcements(team=team, person=recipient, since=since)
        condition = _before(Announcement, _RANK["announcement"], after)
        if condition is not None:
            stmt = stmt.where(condition)
        stmt = stmt.order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit + 1)
        items += [FeedItem("announcement", a.created_at, announcement=a)
                  for a in db.session.execute(stmt).scalars()]

    def key(item: FeedItem):
        ident = item.card.kudos.id if item.card else item.announcement.id
        return item.created_at, _RANK[item.kind], ident

    items.sort(key=key, reverse=True)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        at, rank, ident = key(items[-1])
        next_cursor = encode_cursor([at.isoformat(), rank, ident])
    return items, next_cursor


# --- badges ----------------------------------------------------------------------------------

def badges_of(person: Person) -> Select:
    return select(BadgeAward).where(BadgeAward.person_id == person.id).order_by(BadgeAward.created_at,
                                                                               BadgeAward.id)


# --- leaderboards ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BoardRow:
    rank: int
    key: str  # username, or team name
    name: str
    points: int


@dataclass(frozen=True)
class Standing:
    rank: int
    points: int


@dataclass(frozen=True)
class Board:
    period: str
    period_key: str
    scope: str
    rows: list[BoardRow]
    me: Standing | None


def period_key(period: str, now: datetime) -> str:
    """The current key of a board period in the organisation's time zone (``all`` for all time)."""
    if period == "all":
        return ALL_TIME_KEY
    week_key, month_key = period_keys(now)
    return week_key if period == "week" else month_key


def _competition_ranks(rows: list[tuple[str, str, int]]) -> list[BoardRow]:
    """Ties share a rank and the next rank skips: 1, 2, 2, 4."""
    ranked: list[BoardRow] = []
    for index, (key, name, points) in enumerate(rows):
        rank = ranked[-1].rank if ranked and ranked[-1].points == points else index + 1
        ranked.append(BoardRow(rank, key, name, points))
    return ranked


@dataclass(frozen=True)
class _BoardStatements:
    top: Select
    standing: Select
    top_and_standing: Select


@lru_cache(maxsize=None)
def _board_statements(scope: str, of_one_team: bool) -> _BoardStatements:
    """A board's statements, built once, with bound parameters.

    Parameters: ``period``, ``key``, ``limit``, ``offset`` (``limit - 1``), ``owner_id`` and, for a
    people board of one team, ``team_id``. The points of the ``limit``-th best row bound the top
    query, so only rows that can make the top are joined to their owner and sorted by name; a
    standing counts the rows with more points on the tally's board index. ``top_and_standing``
    answers both in one round trip: rows of part 0 are the top, the row of part 1 the standing.
    """
    if scope == "people":
        tally, owner, owner_fk, key_column = PointsTally, Person, "person_id", "username"
    else:
        tally, owner, owner_fk, key_column = TeamTally, Team, "team_id", "name"
    period, key = bindparam("period"), bindparam("key")

    def in_period(t):
        return (t.period == period, t.period_key == key)

    def restricted(stmt, t, o):
        if not of_one_team:
            return stmt
        return stmt.join(o, o.id == getattr(t, owner_fk)).where(o.team_id == bindparam("team_id"))

    inner, inner_owner = aliased(tally), aliased(owner)
    threshold = (
        restricted(select(inner.points), inner, inner_owner).where(*in_period(inner), inner.points > 0)
        .order_by(inner.points.desc()).offset(bindparam("offset")).limit(1).scalar_subquery()
    )
    top = (
        select(getattr(owner, key_column).label("key"), owner.name.label("name"),
               tally.points.label("points"))
        .join(owner, owner.id == getattr(tally, owner_fk))
        .where(*in_period(tally), tally.points >= func.coalesce(threshold, 1))
        .order_by(tally.points.desc(), owner.name, getattr(owner, key_column))
        .limit(bindparam("limit"))
    )
    if of_one_team:
        top = top.where(owner.team_id == bindparam("team_id"))

    other, other_owner = aliased(tally), aliased(owner)
    higher = restricted(select(func.count()).select_from(other), other, other_owner).where(
        *in_period(other), other.points > tally.points).scalar_subquery()
    standing = select(tally.points, higher).where(getattr(tally, owner_fk) == bindparam("owner_id"),
                                                  *in_period(tally))

    top_rows = top.subquery()
    both = union_all(
        select(literal_column("0").label("part"), top_rows.c.key, top_rows.c.name, top_rows.c.points,
               null().label("higher")),
        select(literal_column("1"), null(), null(), tally.points, higher)
        .where(getattr(tally, owner_fk) == bindparam("owner_id"), *in_period(tally)),
    )
    both = both.order_by(both.selected_columns.part, both.selected_columns.points.desc(),
                         both.selected_columns.name, both.selected_columns.key)
    return _BoardStatements(top, standing, both)


def _params(period: str, key: str, team: Team | None, **more) -> dict:
    params = {"period": period, "key": key, **more}
    if team is not None:
        params["team_id"] = team.id
    return params


def _as_standing(points: int | None, higher: int | None) -> Standing | None:
    return Standing(higher + 1, points) if points is not None and points > 0 else None


def board_rows(scope: str, period: str, key: str, *, limit: int, team: Team | None = None,
               owner_id: int | None = None) -> tuple[list[BoardRow], Standing | None]:
    """The top ``limit`` (of one team's current members with ``team``) and, with ``owner_id``,
    that person's (or team's) standing: one query."""
    statements = _board_statements(scope, team is not None)
    if owner_id is None:
        rows = db.session.execute(statements.top, _params(period, key, team, limit=limit, offset=limit - 1))
        return _competition_ranks([tuple(row) for row in rows]), None
    params = _params(period, key, team, limit=limit, offset=limit - 1, owner_id=owner_id)
    rows = db.session.execute(statements.top_and_standing, params).all()
    top = [(row.key, row.name, row.points) for row in rows if row.part == 0]
    mine = next((row for row in rows if row.part == 1), None)
    return _competition_ranks(top), _as_standing(mine.points, mine.higher) if mine else None


def standing_of(scope: str, owner_id: int, period: str, key: str, *,
                team: Team | None = None) -> Standing | None:
    """A person's (or team's) points and rank, 1 + how many have more, or ``None`` without points."""
    row = db.session.execute(_board_statements(scope, team is not None).standing,
                             _params(period, key, team, owner_id=owner_id)).first()
    return _as_standing(*row) if row else None


def leaderboard(viewer: Person, *, period: str, scope: str = "people", team: Team | None = None,
                limit: int = 10, now: datetime, campaign_id: int | None = None):
    """This week's or month's board (organisation time zone), top ``limit`` only, with the viewer's standing.

    Ties share a rank; only points > 0 are listed, so no board shows a bottom. ``me`` is the
    viewer's own standing (their team's for ``scope="teams"``), shown to them alone; with a
    ``team`` filter, only when the viewer is in that team. ``period="campaign"`` gives a campaign's
    board by score instead (:func:`recognition.campaigns.queries.campaign_leaderboard`).

    :raise InvalidInput: for an unknown period or scope
    :raise NotFound: for a campaign board with no campaign to show
    """
    if period == "campaign":
        from recognition.campaigns.queries import campaign_leaderboard

        if scope not in ("people", "teams"):
            raise InvalidInput(_("Scope must be people or teams."), field="scope")
        return campaign_leaderboard(viewer, campaign_id=campaign_id, scope=scope, team=team, limit=limit, now=now)
    if period not in BOARD_PERIODS:
        raise InvalidInput(_("Period must be week or month."), field="period")
    if scope not in ("people", "teams"):
        raise InvalidInput(_("Scope must be people or teams."), field="scope")
    if scope == "teams" and team is not None:
        raise InvalidInput(_("A team filter applies to the people board only."), field="team")
    key = period_key(period, now)
    if scope == "people":
        owner_id = viewer.id if team is None or viewer.team_id == team.id else None
    else:
        owner_id = viewer.team_id
    if team is None:
        rows, me = cached_board_rows(scope, period, key, limit=limit, owner_id=owner_id)
    else:
        rows, me = board_rows(scope, period, key, limit=limit, team=team, owner_id=owner_id)
    return Board(period, key, scope, rows, me)


# --- the boards' per-process cache ------------------------------------------------------------------

BOARD_CACHE = "bravo.board_cache"
# A whole board is rebuilt at most this often while the ledger keeps changing (in between, boards
# are read with board_rows), and kept at most this long even when the ledger seems unchanged.
BOARD_REBUILD_SECONDS = 1.0
BOARD_CACHE_SECONDS = 10.0
BOARD_TOP_KEPT = 50  # the API's largest limit
# The ledger's version: its last line. Every change of a tally appends a line (append_to_ledger).
_LEDGER_VERSION = select(func.max(PointsEntry.__table__.c.id))  # Core: no ORM work per request


@dataclass(frozen=True)
class _CachedBoard:
    """One board as of one ledger version: its top ``BOARD_TOP_KEPT`` rows and everyone's points."""

    key: str
    version: int | None
    built_at: float
    top: tuple[BoardRow, ...]
    points_of: dict[int, int]
    ascending: tuple[int, ...]  # everyone's points, for ranks: 1 + how many have more

    def standing(self, owner_id: int | None) -> Standing | None:
        points = self.points_of.get(owner_id) if owner_id is not None else None
        if not points:
            return None
        return Standing(len(self.ascending) - bisect_right(self.ascending, points) + 1, points)


def _build_board(scope: str, period: str, key: str, version: int | None) -> _CachedBoard:
    tally, owner_fk = (PointsTally, "person_id") if scope == "people" else (TeamTally, "team_id")
    top, _me = board_rows(scope, period, key, limit=BOARD_TOP_KEPT)
    points_of = dict(db.session.execute(
        select(getattr(tally, owner_fk), tally.points)
        .where(tally.period == period, tally.period_key == key, tally.points > 0)
    ).all())
    return _CachedBoard(key, version, time.monotonic(), tuple(top), points_of, tuple(sorted(points_of.values())))


def _kept_board(scope: str, period: str, key: str, *, rebuild_window: bool) -> _CachedBoard | None:
    """This process's board as of the ledger's current version, rebuilt when the ledger moved; with
    ``rebuild_window``, ``None`` instead of a rebuild sooner than ``BOARD_REBUILD_SECONDS`` after the last."""
    boards = current_app.extensions.setdefault(BOARD_CACHE, {})
    version = db.session.execute(_LEDGER_VERSION).scalar()
    board = boards.get((scope, period))
    age = time.monotonic() - board.built_at if board is not None else 0.0
    if board is None or board.key != key or board.version != version or age >= BOARD_CACHE_SECONDS:
        if rebuild_window and board is not None and board.key == key and age < BOARD_REBUILD_SECONDS:
            return None
        board = boards[(scope, period)] = _build_board(scope, period, key, version)
    return board


def cached_board_rows(scope: str, period: str, key: str, *, limit: int,
                      owner_id: int | None) -> tuple[list[BoardRow], Standing | None]:
    """:func:`board_rows` of the whole organisation, from a board kept in this process while the ledger
    does not change: one small query (the ledger's version) instead of the board's.

    Exact as long as the version is: on PostgreSQL a line appended by a transaction that commits
    after a later line's could go unseen; ``BOARD_CACHE_SECONDS`` bounds how long. While the ledger
    changes fast (a board rebuilt less than ``BOARD_REBUILD_SECONDS`` ago), the board is read directly.
    """
    board = _kept_board(scope, period, key, rebuild_window=True) if limit <= BOARD_TOP_KEPT else None
    if board is None:
        return board_rows(scope, period, key, limit=limit, owner_id=owner_id)
    return list(board.top[:limit]), board.standing(owner_id)


@dataclass(frozen=True)
class LedStanding:
    person: Person
    standing: Standing | None


def standings_of_led_people(lead: Person, *, period: str, now: datetime) -> list[LedStanding]:
    """The active people of the teams ``lead`` supervises, each with their rank and points on the
    organisation's people board of the period (``None`` without points), best first, then by name.

    For their supervisors' eyes only (a person's rank outside the top N is theirs and their leads'):
    two or three queries whatever the team size.
    """
    team_ids = supervised_team_ids(lead)
    if not team_ids or period not in BOARD_PERIODS:
        return []
    people = db.session.execute(
        select(Person).where(Person.team_id.in_(team_ids), Person.active.is_(True), Person.id != lead.id)
    ).scalars().all()
    board = _kept_board("people", period, period_key(period, now), rebuild_window=False)
    ranked = [LedStanding(person, board.standing(person.id)) for person in people]
    return sorted(ranked, key=lambda led: (led.standing is None, led.standing.rank if led.standing else 0,
                                           led.person.name))


# --- moderation ------------------------------------------------------------------------------

def reciprocal_pairs(month_key: str, *, min_points: int = 1) -> Select:
    """Pairs who gave each other at least ``min_points`` this month: "you scratch my back", for admins.

    Rows: (person_a_id, person_b_id, points a→b, points b→a), each pair once.
    """
    given = (
        select(Kudos.giver_id.label("giver"), KudosRecipient.person_id.label("recipient"),
               func.sum(KudosRecipient.points).label("points"))
        .join(KudosRecipient, KudosRecipient.kudos_id == Kudos.id)
        .where(Kudos.month_key == month_key, Kudos.retracted_at.is_(None))
        .group_by(Kudos.giver_id, KudosRecipient.person_id)
        .subquery()
    )
    back = given.alias("back")
    return (
        select(given.c.giver, given.c.recipient, given.c.points, back.c.points)
        .join(back, and_(back.c.giver == given.c.recipient, back.c.recipient == given.c.giver))
        .where(given.c.giver < given.c.recipient, given.c.points >= min_points, back.c.points >= min_points)
        .order_by((given.c.points + back.c.points).desc())
    )
