"""Coaching's home-page panel: what to acknowledge and the next one-to-one; for leads, what is waiting."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import Select, func, select

from coaching import queries, roster
from coaching.services import org_today
from core.access import has_role
from core.clock import utcnow
from core.extensions import db
from core.home.panels import Panel
from core.models import Person

PANEL_ORDER = 30


def _count(stmt: Select) -> int:
    return db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def coaching_panel(person: Person) -> Panel | None:
    """Agents: entries to acknowledge, the next one-to-one and the history question after a team move.
    Supervisors and above: overdue follow-ups, drafts waiting (flagged after the share limit), this week's
    roster, and for managers the open disputes."""
    now = utcnow()
    today = org_today(now)
    to_acknowledge = _count(queries.awaiting_response(person))
    next_meeting = db.session.execute(queries.my_upcoming_one_to_ones(person).limit(1)).scalar()
    consent = queries.history_consent(person)
    lead = None
    if has_role(person, "supervisor"):
        lead = {
            "overdue_follow_ups": _count(queries.follow_ups_due(today=today, author=person,
                                                                overdue_only=True)),
            "drafts": _count(queries.drafts_by(person)),
            "late_drafts": _count(queries.unshared_drafts(person, now=now)),
            "draws": list(db.session.execute(roster.roster_week(person, today)).scalars()),
            "disputes": _count(queries.open_disputes(person)) if has_role(person, "manager") else 0,
        }
    show_own = person.role == "agent" or to_acknowledge or next_meeting is not None or consent is not None
    if not show_own and lead is None:
        return None
    html = render_template("coaching/_home_panel.html", to_acknowledge=to_acknowledge,
                           next_meeting=next_meeting, consent=consent, lead=lead, show_own=show_own, now=now)
    return Panel(Markup(html), order=PANEL_ORDER)
