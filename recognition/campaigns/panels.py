"""The campaigns' home-page panel: briefs the person has yet to acknowledge, each with its requirements and
an "I have read the brief" button; nothing at all when there is nothing to acknowledge."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from core.clock import utcnow
from core.extensions import db
from core.home.panels import Panel
from core.models import Person
from recognition.campaigns import queries
from recognition.campaigns.models import Campaign

PANEL_ORDER = 5  # above kudos: a brief to read before a campaign starts is the first thing to do
PANEL_CAMPAIGNS = 5
BRIEF_ITEMS = 5


def acknowledgement_panel(person: Person) -> Panel | None:
    """Briefs with at most :data:`BRIEF_ITEMS` requirements are acknowledged here; a longer one links to the
    campaign's page, where the whole brief shows."""
    now = utcnow()
    campaigns = list(db.session.execute(
        queries.campaigns_awaiting_acknowledgement(person, now=now)
        .options(selectinload(Campaign.requirements)).limit(PANEL_CAMPAIGNS)
    ).scalars())
    if not campaigns:
        return None
    html = render_template("campaigns/_home_panel.html", campaigns=campaigns, now=now, brief_items=BRIEF_ITEMS)
    return Panel(Markup(html), order=PANEL_ORDER)
