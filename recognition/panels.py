"""Recognition's home-page panel: the budget left to give, a "Give kudos" button, the latest, one's rank."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup

from core.clock import utcnow
from core.home.panels import Panel
from core.models import Person
from recognition import queries, services
from recognition.badges import value_names

PANEL_ORDER = 10
LATEST_ITEMS = 5


def recognition_panel(person: Person) -> Panel:
    """The rank this month shows only when the person has points; it is their own page."""
    now = utcnow()
    items, _next = queries.feed_page(person, limit=LATEST_ITEMS)
    names = value_names(str(get_locale() or "en")) if any(item.announcement for item in items) else {}
    html = render_template(
        "recognition/_home_panel.html", budget_left=services.giving_budget_left(person, now=now),
        budget=services.monthly_budget(person), items=items, names=names,
        standing=queries.standing_of("people", person.id, "month", queries.period_key("month", now)),
        top_n=int(current_app.config["BOARD_TOP_N"]),
    )
    return Panel(Markup(html), order=PANEL_ORDER)
