"""Coaching for ``flask demo``: entries in every state, disputes, one-to-ones with carried-over actions,
a journal and this week's monitoring roster. Idempotent and deterministic (dates relative to today)."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from coaching import roster, services
from coaching.models import CoachingEntry
from coaching.services import ActionDraft, org_today
from core.clock import org_timezone, utcnow
from core.extensions import db
from core.services import require_person

MARKER = "DEMO-QA-1001"  # the interaction reference of the first demo entry: present means loaded


def _entry(author, agent, at: datetime, kind: str, *, share: bool = True, **fields) -> CoachingEntry:
    """An entry of the day ``at``, shared two hours later."""
    entry = services.create_entry(author, agent, kind=kind, occurred_on=org_today(at), now=at, **fields)
    if share:
        services.share_entry(entry, author, now=at + timedelta(hours=2))
    return entry


def _load_entries(now: datetime) -> int:
    supervisor, manager = require_person("supervisor"), require_person("manager")
    agent, li_na, zhao_lei = require_person("agent"), require_person("li.na"), require_person("zhao.lei")
    sun_li, wu_ting = require_person("sun.li"), require_person("wu.ting")
    day = timedelta(days=1)

    at = now - 20 * day
    acknowledged = _entry(
        supervisor, agent, at, "qa_evaluation", qa_score=86, interaction_ref=MARKER,
        went_well="Calm, clear explanation of the refund policy; you checked the customer understood.",
        to_improve="Offer the callback option earlier when the billing system is slow.",
        actions=[ActionDraft("Offer a callback when a hold passes two minutes", org_today(at) + 7 * day),
                 ActionDraft("Share the new refund FAQ with the team", org_today(at) + 3 * day, "author")],
        follow_up_on=org_today(at) + 14 * day, target_metric="aht",
    )
    services.respond_to_entry(acknowledged, agent, agrees=True, usefulness=5,
                              comment="Thanks, the callback tip really helps.", now=at + day)
    services.complete_action(acknowledged.actions[1], supervisor, now=at + 2 * day)

    at = now - 3 * day
    shared = _entry(
        supervisor, agent, at, "monitoring_recording", interaction_ref="DEMO-CALL-2231",
        went_well="Warm greeting and a quick, accurate account check.",
        to_improve="Summarise the next steps before ending the call.",
        actions=[ActionDraft("Close every call with a one-line summary", org_today(at) + 5 * day)],
    )
    services.amend_entry(shared, supervisor, {"follow_up_on": org_today(at) + 10 * day},
                         reason="Added a follow-up date after our chat.", now=at + 3 * timedelta(hours=2))

    _entry(supervisor, li_na, now - 3 * day, "side_by_side", share=False,
           went_well="Great use of the knowledge base during the outage.",
           to_improve="Keep notes in the ticket while talking, not after.")

    at = now - 5 * day
    disputed = _entry(supervisor, zhao_lei, at, "monitoring_random", interaction_ref="DEMO-CALL-3310",
                      to_improve="Long silent hold without checking back with the customer.")
    services.respond_to_entry(disputed, zhao_lei, agrees=False, usefulness=2, now=at + day,
                              comment="The customer asked me to wait while they found their contract.")

    at = now - 12 * day
    amended = _entry(supervisor, agent, at, "floor_support",
                     to_improve="Escalated a simple address change to the team lead.")
    services.respond_to_entry(amended, agent, agrees=False, now=at + day,
                              comment="The address change needed an ID check that only team leads can do.")
    services.resolve_dispute(amended, manager, outcome="amended", now=at + 3 * day,
                             resolution="Right call: ID checks go to the team lead. The entry now says so.",
                             changes={"to_improve": "None: the escalation was correct (ID check needed)."})

    at = now - 25 * day
    withdrawn = _entry(supervisor, sun_li, at, "other", to_improve="Late back from break twice this week.")
    services.respond_to_entry(withdrawn, sun_li, agrees=False, now=at + day,
                              comment="Both times I was helping a new colleague on a difficult call.")
    services.resolve_dispute(withdrawn, manager, outcome="withdrawn", now=at + 4 * day,
                             resolution="Helping a colleague is what we ask for; the entry is withdrawn.")

    at = now - 15 * day
    overdue = _entry(supervisor, wu_ting, at, "side_by_side",
                     to_improve="Read the verification questions word for word.")
    services.respond_to_entry(overdue, wu_ting, agrees=False, now=at + 5 * day,
                              comment="The script changed last week; I used the new wording.")
    return 7


def _load_one_to_ones(now: datetime) -> int:
    supervisor, agent, li_na = require_person("supervisor"), require_person("agent"), require_person("li.na")
    tz = org_timezone()
    day = timedelta(days=1)
    last_month = datetime.combine(org_today(now) - 25 * day, time(10, 0), tzinfo=tz)
    created = last_month - 7 * day

    past = services.schedule_one_to_one(supervisor, agent, last_month, now=created)
    services.add_one_to_one_note(past, agent, "agenda", "Moving to the billing queue?", now=created + day)
    services.add_one_to_one_note(past, supervisor, "agenda", "Last month's QA results", now=created + day)
    services.add_one_to_one_note(past, agent, "growth_goal", "I want to handle billing escalations myself.",
                                 now=last_month)
    services.add_one_to_one_note(past, agent, "learned", "How to read the new refund report.", now=last_month)
    services.add_one_to_one_note(past, supervisor, "shared", "Strong month: QA 78 → 86.", now=last_month)
    services.add_one_to_one_note(past, supervisor, "private", "Mentor programme?", now=last_month)
    services.add_one_to_one_action(past, supervisor, "Shadow a billing specialist for two hours",
                                   now=last_month)
    booked = services.add_one_to_one_action(past, supervisor, "Book the de-escalation course",
                                            owner=supervisor, now=last_month)
    services.complete_one_to_one_action(booked, supervisor, now=last_month + timedelta(minutes=30))
    following = services.complete_one_to_one(past, supervisor, now=last_month + timedelta(hours=1))
    services.add_one_to_one_note(following, agent, "agenda", "How the billing shadowing went", now=now - day)

    soon = datetime.combine(org_today(now) + 3 * day, time(15, 30), tzinfo=tz)
    upcoming = services.schedule_one_to_one(supervisor, li_na, soon, cadence="fortnightly", now=now - 2 * day)
    services.add_one_to_one_note(upcoming, li_na, "agenda", "Night shift rota", now=now - day)

    services.write_journal_entry(agent, "Handled an angry billing call without escalating: slow down, "
                                        "name the next step, and it calms.", now=now - 2 * day)
    return 3


def load_coaching_demo() -> list[str]:
    """Add the demo coaching once; draw this week's monitoring roster (kept if drawn already)."""
    now = utcnow()
    lines = []
    loaded = select(CoachingEntry.id).where(CoachingEntry.interaction_ref == MARKER)
    if db.session.execute(loaded).first() is None:
        entries, meetings = _load_entries(now), _load_one_to_ones(now)
        lines.append(f"Coaching: {entries} entries (draft, shared, acknowledged, disputed, resolved, "
                     f"withdrawn), {meetings} one-to-ones with a carried-over action, a journal.")
    week = roster.current_week_start(now)
    draws = roster.draw_all_rosters(week, rng=random.Random(week.toordinal()), now=now)
    lines.append(f"Monitoring roster for the week of {week}: {sum(map(len, draws.values()))} agents "
                 f"across {len(draws)} supervisors.")
    return lines
