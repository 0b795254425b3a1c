"""The personal digest, private to one person: kudos they received, their own rank and points, open
coaching actions and follow-ups of their coaching, entries waiting for their acknowledgement, their
next one-to-one.

Everything read is the recipient's own: coaching entries where they are the agent, shared and not
withdrawn (``coaching.queries``' conditions), never drafts, notes or anyone's journal. Built for many
people at once: a fixed number of queries per batch of recipients, none per kudos or entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from coaching.models import CoachingAction, CoachingEntry, CoachingResponse, OneToOne
from coaching.queries import follow_ups_due, open_actions
from core.extensions import db
from core.models import Person
from digests.render import Digest, in_language, local_date, local_datetime, render_digest
from digests.schedule import Slot
from recognition.models import Kudos, KudosRecipient, PointsTally
from recognition.queries import Standing, kudos_feed, period_key

BATCH = 500
KUDOS_SHOWN = 5
FOLLOW_UP_DAYS = 7


@dataclass
class PersonalNews:
    person: Person
    slot: Slot
    tz: str
    kudos: list[Kudos] = field(default_factory=list)
    kudos_count: int = 0
    week: str = ""
    standing: Standing | None = None
    actions: list[CoachingAction] = field(default_factory=list)
    follow_ups: list[CoachingEntry] = field(default_factory=list)
    awaiting: list[CoachingEntry] = field(default_factory=list)
    next_meeting: OneToOne | None = None

    @property
    def empty(self) -> bool:
        return not (self.kudos_count or self.standing or self.actions or self.follow_ups or self.awaiting
                    or self.next_meeting)


@dataclass
class PersonalDigests:
    """Builds the personal digests of one run; board standings are read once per week."""

    now: datetime
    _standings: dict[str, dict[int, Standing]] = field(default_factory=dict)

    def news(self, due: list[tuple[Person, Slot, str]]) -> list[PersonalNews]:
        """News for each (person, slot, time zone), in batches of people sharing a slot."""
        result = []
        ordered = sorted(due, key=lambda item: (item[1].sends_at, item[1].period, item[0].id))
        for slot, group in groupby(ordered, key=lambda item: item[1]):
            group = list(group)
            for start in range(0, len(group), BATCH):
                result += self._batch(slot, group[start:start + BATCH])
        return result

    def _batch(self, slot: Slot, due: list[tuple[Person, Slot, str]]) -> list[PersonalNews]:
        news = {person.id: PersonalNews(person, slot, tz) for person, _slot, tz in due}
        ids = list(news)
        received = (
            kudos_feed(since=slot.starts_at)
            .where(Kudos.created_at < slot.sends_at)
            .join(KudosRecipient, KudosRecipient.kudos_id == Kudos.id)
            .where(KudosRecipient.person_id.in_(ids))
            .add_columns(KudosRecipient.person_id)
            .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        )
        for kudos, person_id in db.session.execute(received):
            item = news[person_id]
            item.kudos_count += 1
            if len(item.kudos) < KUDOS_SHOWN:
                item.kudos.append(kudos)

        week = period_key("week", slot.middle)
        standings = self._week_standings(week)
        for person_id, item in news.items():
            item.week, item.standing = week, standings.get(person_id)

        for action in db.session.execute(open_actions().where(CoachingEntry.agent_id.in_(ids))).scalars():
            news[action.entry.agent_id].actions.append(action)
        today = slot.sends_at.astimezone(ZoneInfo(due[0][2])).date()
        follow_ups = follow_ups_due(today=today, within_days=FOLLOW_UP_DAYS).where(CoachingEntry.agent_id.in_(ids))
        for entry in db.session.execute(follow_ups).scalars():
            news[entry.agent_id].follow_ups.append(entry)
        for entry in db.session.execute(_awaiting_acknowledgement(ids)).scalars():
            news[entry.agent_id].awaiting.append(entry)
        for meeting in db.session.execute(_upcoming_meetings(ids)).scalars():
            if news[meeting.agent_id].next_meeting is None:
                news[meeting.agent_id].next_meeting = meeting
        return list(news.values())

    def _week_standings(self, week_key: str) -> dict[int, Standing]:
        """Everyone's rank on a week's board, from one read of the week's tallies (ties share a rank)."""
        if week_key not in self._standings:
            rows = db.session.execute(
                select(PointsTally.person_id, PointsTally.points)
                .where(PointsTally.period == "week", PointsTally.period_key == week_key, PointsTally.points > 0)
                .order_by(PointsTally.points.desc())
            ).all()
            standings, rank, previous = {}, 0, None
            for index, (person_id, points) in enumerate(rows):
                if points != previous:
                    rank, previous = index + 1, points
                standings[person_id] = Standing(rank, points)
            self._standings[week_key] = standings
        return self._standings[week_key]

    def render(self, news: PersonalNews, locale: str) -> Digest:
        with in_language(locale):
            last_day = news.slot.sends_at - timedelta(microseconds=1)
            subject = _("Your Bravo digest: %(start)s – %(end)s", start=local_date(news.slot.starts_at, news.tz),
                        end=local_date(last_day, news.tz))
            return render_digest("personal", subject, locale=locale, news=news, tz=news.tz,
                                 local_date=local_date, local_datetime=local_datetime)


def _awaiting_acknowledgement(agent_ids: list[int]):
    """The batched form of ``coaching.queries.awaiting_response``: shared, live, not answered yet."""
    answered = exists().where(CoachingResponse.entry_id == CoachingEntry.id)
    return (
        select(CoachingEntry)
        .where(CoachingEntry.agent_id.in_(agent_ids), CoachingEntry.shared_at.is_not(None),
               CoachingEntry.withdrawn_at.is_(None), ~answered)
        .options(selectinload(CoachingEntry.author))
        .order_by(CoachingEntry.shared_at, CoachingEntry.id)
    )


def _upcoming_meetings(agent_ids: list[int]):
    """Each agent's one-to-ones not completed yet, soonest first (an agent always sees their own)."""
    return (
        select(OneToOne)
        .where(OneToOne.agent_id.in_(agent_ids), OneToOne.completed_at.is_(None))
        .options(selectinload(OneToOne.supervisor))
        .order_by(OneToOne.scheduled_for, OneToOne.id)
    )

