"""Who may see and do what: the one place that decides access for pages, the API and the CLI.

Views and API endpoints ask here; they never compare roles or query private records themselves.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.errors import NotAllowed, NotFound
from core.extensions import db
from core.models import Person, Site, Team, team_supervisors

F = TypeVar("F", bound=Callable)


def has_role(person: Person | None, least: str) -> bool:
    """True for an active person whose role is ``least`` or above."""
    return bool(person is not None and getattr(person, "is_authenticated", False) and person.active
                and person.has_role(least))


def require_role(person: Person | None, least: str) -> None:
    """:raise NotAllowed: unless the person's role is ``least`` or above"""
    if not has_role(person, least):
        raise NotAllowed(_("You are not allowed to do this."))


def role_required(least: str) -> Callable[[F], F]:
    """Page decorator: sign-in required, then 403 for a role below ``least``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not has_role(current_user, least):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorator


def can_administer(person: Person | None) -> bool:
    """People, teams, values, integrations and moderation are the admins'."""
    return has_role(person, "admin")


def managed_team_ids(person: Person) -> set[int]:
    """Teams a manager oversees (every team of the sites they manage); every team for an admin."""
    if person.role == "admin":
        return set(db.session.execute(select(Team.id)).scalars())
    if person.role != "manager":
        return set()
    return set(
        db.session.execute(
            select(Team.id).join(Site).where(Site.managers.any(Person.id == person.id))
        ).scalars()
    )


def supervised_team_ids(person: Person) -> set[int]:
    return set(
        db.session.execute(
            select(team_supervisors.c.team_id).where(team_supervisors.c.person_id == person.id)
        ).scalars()
    )


def leads(person: Person | None, team: Team | None) -> bool:
    """True when the person supervises the team or manages its site (admins oversee every team)."""
    if person is None or team is None or not has_role(person, "supervisor"):
        return False
    return team.id in supervised_team_ids(person) or team.id in managed_team_ids(person)


def is_supervisor_of(person: Person | None, agent: Person) -> bool:
    """True when ``person`` supervises or manages the agent's current team."""
    return agent.team is not None and leads(person, agent.team)


def visible_or_404(viewer: Person, model: type, ident: int, can_view: Callable[[Person, object], bool]):
    """Load a record the viewer may see, else :class:`NotFound` — never reveal that it exists."""
    record = db.session.get(model, ident)
    if record is None or not can_view(viewer, record):
        raise NotFound(_("Not found."))
    return record
