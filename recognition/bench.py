"""`flask bench seed` for recognition: values, a year of kudos with reactions and comments, the ledger.

Rows are written directly with bulk inserts, following the rules the services enforce (monthly
budgets, the pair cap, no self-kudos, reversals in the kudos' own period), then the tallies and
giving spend are rebuilt from them with :func:`rebuild_tallies` and :func:`rebuild_giving_spend`.
Recipients are skewed: a few people are praised far more than most.
"""
from __future__ import annotations

import bisect
import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate

from flask import current_app
from sqlalchemy import func, select

from core.bench import Organisation, SeedPerson, bulk_insert, next_id, sync_id_sequence
from core.clock import org_timezone
from core.extensions import db
from core.models import Person
from recognition import badges, services
from recognition.demo import COMMENTS, MESSAGES, load_values
from recognition.ledger import ALL_TIME_KEY, period_keys, rebuild_tallies
from recognition.models import (
    Announcement, BadgeAward, Comment, Kudos, KudosRecipient, PointsEntry, PointsTally, Reaction, Value,
)

SAME_TEAM = 0.75        # share of kudos to the giver's own team
TEAM_KUDOS = 0.03       # share of a supervisor's kudos given to a whole team they lead
RETRACTED = 0.002
HIDDEN = 0.0005
REACTED = 0.12          # share of kudos with applause (1 to 5)
COMMENTED = 0.03
WORKDAY = (time(8, 0), 14 * 3600)  # kudos are given between 08:00 and 22:00, local time
AGENT_POINTS = (0, 0, 0, 1, 2, 5, 5, 10)
LEADER_POINTS = (0, 5, 10, 10, 20)
FLUSH_EVERY = 20_000


class _Writer:
    """Buffers rows per table and inserts them in chunks, parents first."""

    def __init__(self) -> None:
        self.buffers: dict = {table: [] for table in (Kudos, KudosRecipient, PointsEntry, Reaction, Comment)}
        self.counts: Counter = Counter()

    def add(self, model, row: dict) -> None:
        self.buffers[model].append(row)

    def flush_if_full(self) -> None:
        if len(self.buffers[Kudos]) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        for model, rows in self.buffers.items():
            self.counts[model] += bulk_insert(model.__table__, rows)
            rows.clear()


class _Badges:
    """The badges the rules of :mod:`recognition.badges` would have awarded, as the kudos go by."""

    def __init__(self) -> None:
        self.awards: dict[tuple[int, str, str], datetime] = {}
        self.received: Counter = Counter()  # (person, value slug) -> kudos received
        self.weeks: dict[int, set[int]] = {}  # giver -> weeks they gave in

    def _award(self, person_id: int, code: str, context: str, at: datetime) -> None:
        self.awards.setdefault((person_id, code, context), at)

    def after(self, kudos: dict, slug: str, week: int, recipients: list[SeedPerson]) -> None:
        giver, at = kudos["giver_id"], kudos["created_at"]
        self._award(giver, badges.FIRST_GIVEN, "", at)
        weeks = self.weeks.setdefault(giver, set())
        weeks.add(week)
        if all(week - back in weeks for back in range(badges.STREAK_WEEKS)):
            self._award(giver, badges.GIVING_STREAK, "", at)
        for person in recipients:
            self._award(person.id, badges.FIRST_RECEIVED, "", at)
            if kudos["retracted_at"] is None and kudos["hidden_at"] is None:
                self.received[(person.id, slug)] += 1
                if self.received[(person.id, slug)] == badges.VALUE_CHAMPION_KUDOS:
                    self._award(person.id, badges.VALUE_CHAMPION, slug, at)

    def write(self, team_of: dict[int, int | None]) -> int:
        """Badge awards (worth no points, as after kudos) and their announcements in the feed."""
        bulk_insert(BadgeAward.__table__, [
            {"person_id": person, "code": code, "context_key": context, "points": 0, "created_at": at}
            for (person, code, context), at in self.awards.items()])
        bulk_insert(Announcement.__table__, [
            {"kind": "badge", "person_id": person, "team_id": team_of[person],
             "params": {"badge": code, "context": context}, "created_at": at}
            for (person, code, context), at in sorted(self.awards.items(), key=lambda item: item[1])])
        return len(self.awards)


def _days(org: Organisation) -> list[tuple[date, datetime, float]]:
    """Each day of the history: its date, its working day's start as UTC, and its share of the kudos.

    Weekends are quiet and use grows over the year; today counts only for its part already past.
    """
    zone = org_timezone()
    today = org.now.astimezone(zone).date()
    count = max(1, round(org.options.months * 365.25 / 12))
    days = []
    for index in range(count):
        day = today - timedelta(days=count - 1 - index)
        start = datetime.combine(day, WORKDAY[0], tzinfo=zone).astimezone(timezone.utc)
        weight = (0.3 if day.weekday() >= 5 else 1.0) * (0.8 + 0.4 * index / count)
        if day == today:
            weight *= min(1.0, max(0.0, (org.now - start).total_seconds() / WORKDAY[1]))
        days.append((day, start, weight))
    return days


def _per_day(total: int, days: list, rng: random.Random) -> list[int]:
    weights = [weight for _day, _start, weight in days]
    whole = sum(weights) or 1.0
    counts = [int(total * weight / whole) for weight in weights]
    for index in rng.choices(range(len(days)), weights=weights, k=total - sum(counts)):
        counts[index] += 1
    return counts


class _Chooser:
    """Weighted random picks, fast: cumulative weights and a binary search."""

    def __init__(self, items: list, weights: list[float], rng: random.Random) -> None:
        self.items, self.cumulative, self.rng = items, list(accumulate(weights)), rng

    def pick(self):
        point = self.rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, point)]


def seed_recognition(org: Organisation) -> list[str]:
    """The demo values, ``--kudos`` kudos over ``--months`` months, their ledger, tallies and spend."""
    rng, config = org.rng, current_app.config
    load_values()
    db.session.flush()
    values = db.session.execute(select(Value.id, Value.slug).where(Value.active.is_(True))).all()
    people = org.people
    budgets = {person.id: services.monthly_budget(person)
               for person in db.session.execute(select(Person)).scalars()}
    pair_cap = int(config["KUDOS_PAIR_CAP"])
    admins = [p.id for p in org.by_role("admin")]
    person_by_id = {p.id: p for p in people}
    teams = {team.id: team for team in org.teams}

    # How much each person gives and is praised: a long tail, so some people get much more.
    givers = _Chooser(people, [rng.lognormvariate(0, 0.8) * (2.5 if p.role == "supervisor" else
                                                             0.4 if p.role in ("manager", "admin") else 1.0)
                               for p in people], rng)
    popularity = {p.id: min(40.0, rng.paretovariate(1.3)) for p in people}
    anyone = _Chooser(people, [popularity[p.id] for p in people], rng)
    in_team = {team.id: _Chooser([person_by_id[i] for i in team.members],
                                 [popularity[i] for i in team.members], rng) for team in org.teams}
    current_month = period_keys(org.now)[1]

    writer, awarded = _Writer(), _Badges()
    kudos_id = next_id(Kudos.__table__)
    month_key = None
    spent: Counter = Counter()
    pair: Counter = Counter()
    days = _days(org)
    for (day, start, _weight), count in zip(days, _per_day(org.options.kudos, days, rng)):
        week_key, day_month = period_keys(start)
        week = (day.toordinal() - 1) // 7  # Monday to Sunday, numbered in a row (day 1 was a Monday)
        if day_month != month_key:
            month_key, spent, pair = day_month, Counter(), Counter()
        seconds = sorted(rng.randrange(WORKDAY[1]) for _ in range(count))
        for second in seconds:
            at = start + timedelta(seconds=second)
            if at > org.now:
                at = org.now - timedelta(seconds=rng.randrange(1, 3600))
            giver = givers.pick()
            while month_key == current_month and giver.id in org.token_holders:
                giver = givers.pick()  # the load generator's givers keep this month's budget whole
            team_id, recipients = _recipients(giver, teams, in_team, anyone, rng)
            points = rng.choice(LEADER_POINTS if giver.role != "agent" else AGENT_POINTS)
            each = points // len(recipients)
            if (spent[giver.id] + each * len(recipients) > budgets[giver.id]
                    or any(pair[(giver.id, r.id)] + each > pair_cap for r in recipients)):
                each = 0
            cost = each * len(recipients)
            spent[giver.id] += cost
            for recipient in recipients:
                pair[(giver.id, recipient.id)] += each
            slug_id, slug = values[rng.randrange(len(values))]
            row = {"id": kudos_id, "giver_id": giver.id, "value_id": slug_id, "team_id": team_id,
                   "message": rng.choice(MESSAGES[slug][giver.language]), "points": cost,
                   "points_each": each, "by_supervisor": giver.role != "agent", "created_at": at,
                   "week_key": week_key, "month_key": month_key, "retracted_at": None, "hidden_at": None,
                   "hidden_by_id": None, "hidden_reason": None}
            writer.add(Kudos, row)
            for recipient in recipients:
                writer.add(KudosRecipient, {"kudos_id": kudos_id, "person_id": recipient.id,
                                            "team_id": recipient.team_id, "points": each})
            _ledger(writer, row, recipients, "kudos", at)
            _moderate(writer, row, recipients, admins, org.now, rng)
            awarded.after(row, slug, week, recipients)
            _engage(writer, row, recipients, teams, person_by_id, rng)
            kudos_id += 1
            writer.flush_if_full()
    writer.flush()
    badge_count = awarded.write({p.id: p.team_id for p in people})
    sync_id_sequence(Kudos.__table__)
    rebuild_tallies()
    services.rebuild_giving_spend()
    db.session.flush()
    return _report(writer.counts, len(values), badge_count)


def _recipients(giver: SeedPerson, teams: dict, in_team: dict, anyone: _Chooser,
                rng: random.Random) -> tuple[int | None, list[SeedPerson]]:
    """A team the giver leads (rarely), or one to three people, mostly of the giver's team."""
    if giver.role == "supervisor" and giver.team_id is not None and rng.random() < TEAM_KUDOS:
        members = [m for m in in_team[giver.team_id].items if m.id != giver.id]
        if members:
            return giver.team_id, members
    wanted = 1 if rng.random() < 0.88 else 2 if rng.random() < 0.75 else 3
    mates = in_team.get(giver.team_id)
    chosen: dict[int, SeedPerson] = {}
    for _attempt in range(wanted * 4):
        source = mates if mates is not None and len(mates.items) > 1 and rng.random() < SAME_TEAM else anyone
        person = source.pick()
        if person.id != giver.id:
            chosen[person.id] = person
            if len(chosen) == wanted:
                break
    return None, list(chosen.values()) or [next(p for p in anyone.items if p.id != giver.id)]


def _ledger(writer: _Writer, kudos: dict, recipients: list[SeedPerson], kind: str, at: datetime) -> None:
    """Ledger lines as :func:`append_to_ledger` writes them: none for zero points; signed by kind."""
    amount = kudos["points_each"] if kind == "kudos" else -kudos["points_each"]
    if amount == 0:
        return
    for recipient in recipients:
        writer.add(PointsEntry, {"person_id": recipient.id, "team_id": recipient.team_id, "kind": kind,
                                 "amount": amount, "kudos_id": kudos["id"], "note": "", "created_at": at,
                                 "week_key": kudos["week_key"], "month_key": kudos["month_key"]})


def _moderate(writer: _Writer, kudos: dict, recipients: list[SeedPerson], admins: list[int], now: datetime,
              rng: random.Random) -> None:
    """A few kudos are retracted by their giver within minutes, fewer hidden by an admin."""
    roll = rng.random()
    if roll < RETRACTED:
        kudos["retracted_at"] = min(now, kudos["created_at"] + timedelta(minutes=rng.randint(1, 9)))
        _ledger(writer, kudos, recipients, "kudos_retracted", kudos["retracted_at"])
    elif roll < RETRACTED + HIDDEN and admins:
        kudos["hidden_at"] = min(now, kudos["created_at"] + timedelta(hours=rng.randint(1, 48)))
        kudos["hidden_by_id"] = rng.choice(admins)
        kudos["hidden_reason"] = "Off-topic"
        _ledger(writer, kudos, recipients, "kudos_hidden", kudos["hidden_at"])


def _engage(writer: _Writer, kudos: dict, recipients: list[SeedPerson], teams: dict, person_by_id: dict,
            rng: random.Random) -> None:
    """Applause from the recipient's team; now and then a comment."""
    team = teams.get(kudos["team_id"] or recipients[0].team_id)
    if team is None:
        return
    at = kudos["created_at"]
    if rng.random() < REACTED:
        for fan in rng.sample(team.members, min(len(team.members), rng.randint(1, 5))):
            writer.add(Reaction, {"kudos_id": kudos["id"], "person_id": fan, "kind": "applause",
                                  "created_at": at + timedelta(minutes=rng.randint(1, 120))})
    if rng.random() < COMMENTED:
        author = person_by_id[rng.choice(team.members)]
        writer.add(Comment, {"kudos_id": kudos["id"], "author_id": author.id,
                             "text": rng.choice(COMMENTS[author.language]),
                             "created_at": at + timedelta(minutes=rng.randint(5, 240))})


def _report(counts: Counter, values: int, badge_count: int) -> list[str]:
    tallies = db.session.execute(select(func.count()).select_from(PointsTally)).scalar_one()
    lifetime = db.session.execute(
        select(func.coalesce(func.sum(PointsTally.points), 0)).where(PointsTally.period_key == ALL_TIME_KEY)
    ).scalar_one()
    return [
        f"{values} values; {counts[Kudos]} kudos to {counts[KudosRecipient]} recipients, "
        f"{counts[Reaction]} applause, {counts[Comment]} comments, {badge_count} badges (announced)",
        f"{counts[PointsEntry]} ledger lines ({lifetime} points), {tallies} person tallies, giving spend rebuilt",
    ]
