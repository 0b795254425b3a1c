"""The team wins digest: public praise of one team's period, for the team's inbox, e-mail and chat rooms.

Public by construction: this module reaches recognition's public reads and core only — never
coaching (``tests/unit/test_digest_builders.py`` parses the imports). Boards show the top only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.extensions import db
from core.models import Team
from digests.builders.campaigns import ProgressLine, team_progress
from digests.render import Digest, in_language, local_date, render_digest
from digests.schedule import Slot
from recognition.badges import badge_title, value_names
from recognition.models import Announcement, Kudos
from recognition.queries import BoardRow, KudosCard, announcements, board_rows, cards_for, kudos_feed, period_key

HIGHLIGHTS = 5
HIGHLIGHT_CANDIDATES = 30
ANNOUNCEMENTS = 20
BOARD_TOP = 3


@dataclass(frozen=True)
class TeamWins:
    """What one team's digest says, before it is put into words in a language."""

    team: Team
    slot: Slot
    kudos_count: int
    highlights: list[KudosCard]
    announcements: list[Announcement]
    week: str
    board: list[BoardRow]
    progress: list[ProgressLine]

    @property
    def empty(self) -> bool:
        return not (self.kudos_count or self.announcements or self.board or self.progress)


@dataclass
class TeamDigests:
    """Builds the team digests of one run: a handful of queries per team, none per kudos or member."""

    now: datetime
    _names: dict[str, dict[str, str]] = field(default_factory=dict)

    def wins(self, team: Team, slot: Slot) -> TeamWins:
        feed = kudos_feed(team=team, since=slot.starts_at).where(Kudos.created_at < slot.sends_at)
        count = db.session.execute(select(func.count()).select_from(feed.subquery())).scalar_one()
        candidates = list(db.session.execute(
            feed.order_by(Kudos.created_at.desc(), Kudos.id.desc()).limit(HIGHLIGHT_CANDIDATES)
        ).scalars().unique()) if count else []
        cards = sorted(cards_for(candidates, None), key=lambda c: (c.applause, c.kudos.created_at, c.kudos.id),
                       reverse=True)[:HIGHLIGHTS]
        news = list(db.session.execute(
            announcements(team=team, since=slot.starts_at).where(Announcement.created_at < slot.sends_at)
            .order_by(Announcement.created_at, Announcement.id).limit(ANNOUNCEMENTS)
        ).scalars())
        week = period_key("week", slot.middle)
        board, _me = board_rows("people", "week", week, limit=BOARD_TOP, team=team)
        return TeamWins(team, slot, count, cards, news, week, board, team_progress(team, now=self.now))

    def render(self, wins: TeamWins, locale: str) -> Digest:
        with in_language(locale):
            names = self._names.get(locale)
            if names is None:
                names = self._names[locale] = value_names(locale)
            tz = wins.team.timezone
            last_day = wins.slot.sends_at - timedelta(microseconds=1)
            subject = _("%(team)s wins: %(start)s – %(end)s", team=wins.team.name,
                        start=local_date(wins.slot.starts_at, tz), end=local_date(last_day, tz))
            return render_digest(
                "team", subject, locale=locale, chat=True, wins=wins, tz=tz,
                value_name=lambda value: value.name_in(locale),
                announcement_title=lambda a: _announcement_title(a, names),
            )


def _announcement_title(announcement: Announcement, names: dict[str, str]) -> str:
    params = announcement.params or {}
    if announcement.kind == "badge" and params.get("badge"):
        return badge_title(params["badge"], params.get("context") or "", value_names=names)
    return str(params.get("title") or _("An award"))
