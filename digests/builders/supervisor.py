"""The supervisor digest, private to one team lead: their overdue follow-ups and actions, drafts not
shared yet, agents nobody recognised for 30 days ("catch them doing good"), this week's monitoring
sample and the one-to-ones due. Weekly, and daily when something is overdue.

Coaching is read through ``coaching.queries`` and ``coaching.roster``, whose conditions are the
supervisor's own visibility; a fixed number of queries per supervisor.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coaching.models import CoachingAction, CoachingEntry, OneToOne, RosterDraw
from coaching.queries import follow_ups_due, open_actions, unshared_drafts, upcoming_one_to_ones
from coaching.roster import current_week_start, roster_agents, roster_week
from core.extensions import db
from core.models import Person
from digests.render import Digest, in_language, local_date, local_datetime, render_digest
from digests.schedule import Slot
from recognition.models import Kudos, KudosRecipient

UNRECOGNISED_DAYS = 30
ONE_TO_ONE_DAYS = 7


@dataclass
class SupervisorNews:
    supervisor: Person
    slot: Slot
    tz: str
    daily: bool
    overdue_follow_ups: list[CoachingEntry]
    overdue_actions: list[CoachingAction]
    unshared: list[CoachingEntry]
    unrecognised: list[Person]
    roster: list[RosterDraw]
    one_to_ones: list[OneToOne]

    @property
    def overdue(self) -> bool:
        return bool(self.overdue_follow_ups or self.overdue_actions or self.unshared)

    @property
    def empty(self) -> bool:
        if self.daily:
            return not self.overdue
        return not (self.overdue or self.unrecognised or self.roster or self.one_to_ones)


def supervisor_news(supervisor: Person, slot: Slot, tz: str, *, daily: bool, now: datetime) -> SupervisorNews:
    today = now.astimezone(ZoneInfo(tz)).date()
    recently_praised = (
        select(KudosRecipient.person_id).join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(Kudos.created_at >= now - timedelta(days=UNRECOGNISED_DAYS), Kudos.retracted_at.is_(None),
               Kudos.hidden_at.is_(None))
    )

    def rows(stmt) -> list:
        return list(db.session.execute(stmt).scalars())

    return SupervisorNews(
        supervisor, slot, tz, daily,
        overdue_follow_ups=rows(follow_ups_due(today=today, author=supervisor, overdue_only=True)),
        overdue_actions=rows(open_actions(author=supervisor, due_before=today)),
        unshared=rows(unshared_drafts(supervisor, now=now).options(selectinload(CoachingEntry.agent))),
        unrecognised=[] if daily else rows(
            roster_agents(supervisor).where(Person.id.not_in(recently_praised)).order_by(None).order_by(Person.name)
        ),
        roster=[] if daily else rows(
            roster_week(supervisor, current_week_start(now)).options(selectinload(RosterDraw.agent))
        ),
        one_to_ones=[] if daily else rows(
            upcoming_one_to_ones(supervisor)
            .where(OneToOne.supervisor_id == supervisor.id,
                   OneToOne.scheduled_for < now + timedelta(days=ONE_TO_ONE_DAYS))
            .options(selectinload(OneToOne.agent))
        ),
    )


def render_supervisor_digest(news: SupervisorNews, locale: str) -> Digest:
    with in_language(locale):
        if news.daily:
            subject = _("Overdue coaching follow-ups: %(day)s", day=local_date(news.slot.sends_at, news.tz))
        else:
            subject = _("Your team lead digest: week of %(day)s", day=local_date(news.slot.sends_at, news.tz))
        return render_digest("supervisor", subject, locale=locale, news=news, tz=news.tz,
                             local_date=local_date, local_datetime=local_datetime)
