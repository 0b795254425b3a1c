"""Reads for people and teams, returned as ``select(...)`` statements."""
from __future__ import annotations

from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.models import Person, Site, Team
from core.people.search import search_terms


def escape_like(text: str) -> str:
    """Search text taken literally by LIKE: ``%`` and ``_`` are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def people_listing(*, q: str | None = None, team_id: int | None = None, role: str | None = None,
                   status: str = "active") -> Select:
    """People for the admin list, with their team and site loaded in the same round trips."""
    stmt = select(Person).options(selectinload(Person.team).selectinload(Team.site)).order_by(Person.name, Person.id)
    if q:
        like = f"%{escape_like(q.strip().lower())}%"
        stmt = stmt.where(or_(func.lower(Person.name).like(like, escape="\\"),
                              Person.username.like(like, escape="\\"),
                              func.lower(Person.email).like(like, escape="\\")))
    if team_id:
        stmt = stmt.where(Person.team_id == team_id)
    if role:
        stmt = stmt.where(Person.role == role)
    if status == "active":
        stmt = stmt.where(Person.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Person.active.is_(False))
    return stmt


def search_people(q: str | None, limit: int = 10) -> Select:
    """Active people whose name, username, pinyin or initials contain every word of ``q``, team loaded.

    Closest first: an exact username, then usernames and search texts starting with the first word.
    """
    words = search_terms(q)
    stmt = select(Person).where(Person.active.is_(True)).options(joinedload(Person.team))
    if not words:
        return stmt.where(false())
    for word in words:
        stmt = stmt.where(Person.search_text.like(f"%{escape_like(word)}%", escape="\\"))
    first = escape_like(words[0])
    closeness = case(
        (Person.username == words[0], 0),
        (Person.username.like(f"{first}%", escape="\\"), 1),
        (Person.search_text.like(f"{first}%", escape="\\"), 2),
        else_=3,
    )
    return stmt.order_by(closeness, Person.name, Person.id).limit(limit)


def people_by_usernames(usernames: list[str]) -> Select:
    return select(Person).where(Person.username.in_(usernames)).order_by(Person.name, Person.id)


def teams_listing() -> Select:
    """Teams with their site, supervisors and head count."""
    members = (
        select(func.count(Person.id)).where(Person.team_id == Team.id, Person.active.is_(True))
        .correlate(Team).scalar_subquery()
    )
    return (
        select(Team, members.label("member_count"))
        .options(selectinload(Team.site), selectinload(Team.supervisors))
        .order_by(Team.name)
    )


def all_teams() -> Select:
    return select(Team).order_by(Team.name)


def all_sites() -> Select:
    return select(Site).order_by(Site.name)


def possible_leaders() -> Select:
    """Active people who may lead a team: supervisors, managers and admins."""
    return (
        select(Person)
        .where(Person.active.is_(True), Person.role.in_(("supervisor", "manager", "admin")))
        .order_by(Person.name)
    )
