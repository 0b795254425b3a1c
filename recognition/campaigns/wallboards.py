"""Wallboards: revocable read-only links to a TV board of a campaign or a team, and the board's data.

A link holds a random token; only its SHA-256 digest is stored, so the link is shown once. A team's
board follows the team's latest started campaign (restricted to the team), or, with none, the week's
points board of the team.

Hundreds of screens poll the data: :func:`board_version` answers a campaign's board in ONE small
query (the link, its campaign's counters, the newest kudos, the kudos-removal counter) and the
strong ETag is a hash of those, so an unchanged board costs one indexed read and a ``304``; each process
keeps what it read for a second, so the screens of a board cost about one read a second. Only a changed
board is built (:func:`board_data`), from public data only: the countdown, team progress against the
brief's targets (teams, never people), the top N, the newest visible kudos (public fields) and the
published awards.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, union
from sqlalchemy.orm import joinedload, selectinload

from core.cache import kept_results
from core.errors import InvalidInput, NotAllowed
from core.extensions import db
from core.models import Person, Team
from core.services import audit
from recognition.campaigns import access
from recognition.campaigns.awards import awards_of
from recognition.campaigns.models import BoardCounter, Campaign, Wallboard, campaign_teams
from recognition.campaigns.queries import board_top_n, brief_progress, public_top
from recognition.campaigns.services import KUDOS_REMOVED
from recognition.campaigns.standings import ensure_fresh_for_read
from recognition.ledger import period_keys
from recognition.models import Kudos, KudosRecipient, PointsEntry
from recognition.queries import board_rows

TICKER_SIZE = 10
TICKER_CANDIDATES = 50  # the newest kudos looked at, of which the visible ones fill the ticker
AWARDS_SHOWN = 12
# Change when the data's shape changes, so screens do not keep an old body under an old ETag.
DATA_FORMAT = 1


def digest_of(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def create_wallboard(*, actor: Person, now: datetime, campaign: Campaign | None = None, team: Team | None = None,
                     label: str = "", token: str | None = None) -> tuple[Wallboard, str]:
    """Make a link for a campaign or a team; returns the record and the token (never stored).

    :raise InvalidInput: for neither or both of campaign and team
    :raise NotAllowed: for a campaign the actor does not run, or a team they do not manage
    """
    if (campaign is None) == (team is None):
        raise InvalidInput(_("Choose a campaign or a team."), field="campaign")
    if campaign is not None and not access.can_manage_campaign(actor, campaign):
        raise NotAllowed(_("You are not allowed to do this."), field="campaign")
    if team is not None and not access.can_make_wallboard_for_team(actor, team.id):
        raise NotAllowed(_("You do not manage %(teams)s.", teams=team.name), field="team")
    label = " ".join((label or "").split())
    if len(label) > 120:
        raise InvalidInput(_("At most %(n)d characters.", n=120), field="label")
    token = token or secrets.token_urlsafe(24)
    board = Wallboard(digest=digest_of(token), label=label, campaign=campaign, team=team, created_by=actor,
                      created_at=now)
    db.session.add(board)
    db.session.flush()
    audit(actor, "wallboard.create", board, campaign=campaign.id if campaign else None,
          team=team.name if team else None)
    return board, token


def revoke_wallboard(board: Wallboard, *, actor: Person, now: datetime) -> None:
    """The link stops working at once (its data answers 404)."""
    if board.revoked_at is None:
        board.revoked_at = now
        audit(actor, "wallboard.revoke", board)


def wallboards_visible_to(viewer: Person):
    """Links an admin sees all of; a manager, those they made."""
    stmt = select(Wallboard).options(joinedload(Wallboard.campaign), joinedload(Wallboard.team))
    if viewer.role != "admin":
        stmt = stmt.where(Wallboard.created_by_id == viewer.id)
    return stmt


# --- the board's version (one query) ---------------------------------------------------------

BOARD_VERSIONS = "wallboard_versions"
BOARD_VERSIONS_KEPT = 1000

@dataclass(frozen=True)
class BoardVersion:
    board_id: int
    team_id: int | None
    campaign_id: int | None
    state: str | None
    etag: str


# Plain table columns, run on the session's connection: no ORM work on the hot path.
@lru_cache(maxsize=None)
def _board_statement():
    """The live link, its campaign's counters, the newest kudos and the kudos-removal counter."""
    board, campaign = Wallboard.__table__.c, Campaign.__table__.c
    return (
        select(board.id, board.team_id, campaign.id, campaign.status, campaign.starts_at, campaign.ends_at,
               campaign.inputs_version, campaign.standings_version, campaign.awards_version,
               select(func.max(Kudos.__table__.c.id)).scalar_subquery(),
               select(BoardCounter.__table__.c.value).where(BoardCounter.__table__.c.name == KUDOS_REMOVED)
               .scalar_subquery())
        .select_from(Wallboard.__table__.outerjoin(Campaign.__table__, campaign.id == board.campaign_id))
        .where(board.digest == bindparam("digest"), board.revoked_at.is_(None))
    )


@lru_cache(maxsize=None)
def _team_campaign_statement():
    """A team's latest started campaign and its counters."""
    campaign = Campaign.__table__.c
    return (
        select(campaign.id, campaign.status, campaign.starts_at, campaign.ends_at, campaign.inputs_version,
               campaign.standings_version, campaign.awards_version)
        .select_from(Campaign.__table__.join(campaign_teams, campaign_teams.c.campaign_id == campaign.id))
        .where(campaign_teams.c.team_id == bindparam("team_id"), campaign.status != "draft",
               campaign.starts_at <= bindparam("now"))
        .order_by(campaign.starts_at.desc(), campaign.id.desc()).limit(1)
    )


def board_version(token: str, *, now: datetime, lang: str) -> BoardVersion | None:
    """The live board behind a token and its ETag, or ``None`` for an unknown or revoked link, as read
    at most every ``WALLBOARD_RECHECK_SECONDS`` by this process: however many screens show a board,
    each process reads it about once a second, and a change (or a revocation) reaches the screens
    within that second plus their polling interval."""
    seconds = float(current_app.config["WALLBOARD_RECHECK_SECONDS"])
    if seconds <= 0:
        return _read_board_version(token, now=now, lang=lang)
    kept = kept_results(BOARD_VERSIONS, max_entries=BOARD_VERSIONS_KEPT, max_age=seconds)
    return kept.get_or_make((token, lang), lambda: _read_board_version(token, now=now, lang=lang))


def _read_board_version(token: str, *, now: datetime, lang: str) -> BoardVersion | None:
    """:func:`board_version` read from the database.

    One query for a campaign's board; a team's board adds one to find its campaign (and, with none,
    one for the newest ledger line, as it shows the week's points). The ETag follows the stored
    standings, not the inputs: a board whose inputs moved has its standings recomputed here
    (:func:`ensure_fresh_for_read`), and with background recomputation its screens keep their
    304s until the new standings are stored.
    """
    connection = db.session.connection()
    row = connection.execute(_board_statement(), {"digest": digest_of(token)}).first()
    if row is None:
        return None
    board_id, team_id, campaign_id, status, starts_at, ends_at, inputs, computed, awards, kudos, removed = row
    ledger = week_key = None
    if team_id is not None:
        found = connection.execute(_team_campaign_statement(), {"team_id": team_id, "now": now}).first()
        if found is not None:
            campaign_id, status, starts_at, ends_at, inputs, computed, awards = found
        else:
            ledger = connection.execute(select(func.max(PointsEntry.__table__.c.id))).scalar()
            week_key = period_keys(now)[0]
    state = None
    if campaign_id is not None:
        if inputs != computed:  # stale standings: have them recomputed (inline, or in the background)
            computed = ensure_fresh_for_read(db.session.get(Campaign, campaign_id), now=now).standings_version
        state = status if status in ("draft", "published") else (
            "scheduled" if now < starts_at else "running" if now < ends_at else "ended")
    parts = (DATA_FORMAT, board_id, campaign_id, state, computed, awards, kudos, removed, ledger, week_key, lang)
    etag = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return BoardVersion(board_id, team_id, campaign_id, state, etag)


# --- the board's data ------------------------------------------------------------------------

def _ticker(team_ids: list[int], lang: str) -> list[dict]:
    """The newest visible kudos to these teams' people: public fields only."""
    if not team_ids:
        return []
    # The newest to a team and the newest to its people, each read backwards on an index and capped
    # (an OR of the two over a million kudos defeats PostgreSQL's planner); then the visible ones.
    to_team = (select(Kudos.id.label("id")).where(Kudos.team_id.in_(team_ids))
               .order_by(Kudos.id.desc()).limit(TICKER_CANDIDATES).subquery())
    to_people = (select(KudosRecipient.kudos_id.label("id")).where(KudosRecipient.team_id.in_(team_ids))
                 .order_by(KudosRecipient.kudos_id.desc()).limit(TICKER_CANDIDATES).subquery())
    newest = union(select(to_team.c.id), select(to_people.c.id)).subquery()
    kudos = db.session.execute(
        select(Kudos).where(Kudos.id.in_(select(newest.c.id)), Kudos.retracted_at.is_(None),
                            Kudos.hidden_at.is_(None))
        .options(joinedload(Kudos.giver), joinedload(Kudos.value),
                 selectinload(Kudos.recipients).joinedload(KudosRecipient.person))
        .order_by(Kudos.id.desc()).limit(TICKER_SIZE)
    ).scalars().unique().all()
    return [{
        "id": k.id,
        "giver": k.giver.name,
        "recipients": [r.person.name for r in k.recipients],
        "value": k.value.name_in(lang),
        "message": k.message,
        "created_at": k.created_at.isoformat(),
    } for k in kudos]


def _awards(campaign: Campaign, team_id: int | None) -> list[dict]:
    awards = db.session.execute(awards_of(campaign, published_only=True)).scalars().all()
    if team_id is not None:
        awards = [a for a in awards if a.person.team_id == team_id]
    awards = sorted(awards, key=lambda a: (a.dimension_id is not None, a.dimension.position if a.dimension else 0,
                                           a.position))[:AWARDS_SHOWN]
    return [{
        "name": a.person.name,
        "team": a.person.team.name if a.person.team else None,
        "category": "overall" if a.dimension_id is None else "dimension",
        "dimension": a.dimension.name if a.dimension else None,
        "position": a.position,
        "citation": a.citation,
        "published_at": a.published_at.isoformat() if a.published_at else None,
    } for a in awards]


def board_data(version: BoardVersion, *, now: datetime, lang: str) -> dict:
    """The board's JSON (see the module): nothing private, never a rank below the top N."""
    board = db.session.get(Wallboard, version.board_id)
    team = db.session.get(Team, version.team_id) if version.team_id else None
    top_n = board_top_n()
    data: dict = {
        "board": {"kind": "team" if team else "campaign", "label": board.label, "team": team.name if team else None},
        "campaign": None, "countdown": None, "progress": [], "top": [], "awards": [],
        "generated_at": now.isoformat(), "version": version.etag,
    }
    if version.campaign_id is None:
        week_key, _month = period_keys(now)
        rows, _me = board_rows("people", "week", week_key, limit=top_n, team=team)
        data["top"] = [{"rank": r.rank, "name": r.name, "team": team.name, "points": r.points} for r in rows]
        data["ticker"] = _ticker([team.id], lang)
        return data
    campaign = ensure_fresh_for_read(db.session.get(Campaign, version.campaign_id), now=now)
    state = campaign.state_at(now)
    data["campaign"] = {"id": campaign.id, "name": campaign.name_in(lang), "state": state,
                        "starts_at": campaign.starts_at.isoformat(), "ends_at": campaign.ends_at.isoformat()}
    data["countdown"] = ({"target": campaign.starts_at.isoformat(), "until": "start"} if state == "scheduled"
                         else {"target": campaign.ends_at.isoformat(), "until": "end"})
    data["progress"] = [
        {key: entry[key] for key in ("text", "metric", "metric_name", "unit", "aggregate", "target", "direction",
                                     "overall", "teams")}
        for entry in brief_progress(campaign, locale=lang, team_id=team.id if team else None)
    ]
    data["top"] = [{"rank": r.rank, "name": r.name, "team": r.team, "score": round(r.score, 1)}
                   for r in public_top(campaign, limit=top_n, team_id=team.id if team else None)]
    data["ticker"] = _ticker([team.id] if team else [t.id for t in campaign.teams], lang)
    data["awards"] = _awards(campaign, team.id if team else None)
    return data
