"""Core endpoints of /api/v1: health, the caller, teams, people and the browser session."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from core import access, queries, services
from core.api import ApiBlueprint, error_response, keyset_page
from core.api.schemas import (
    HealthSchema, MeSchema, PeoplePageSchema, PeopleSearchArgsSchema, PersonCreateSchema, PersonSchema,
    SessionCreateSchema, TeamCreateSchema, TeamSchema, UsersArgsSchema,
)
from core.clock import utcnow
from core.errors import DomainError
from core.extensions import db
from core.hooks import me_fields
from core.models import Person

blp = ApiBlueprint("core_api", __name__, description="Health, the caller, people and teams")


@blp.route("/health")
@blp.response(200, HealthSchema)
def health():
    """Whether the service and its database answer (503 when the database does not)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "degraded", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


def me_payload(person: Person) -> dict:
    return {
        "username": person.username,
        "name": person.name,
        "role": person.role,
        "email": person.email,
        "teams": [person.team.name] if person.team else [],
        "supervised_teams": [team.name for team in person.supervised_teams],
        "locale": person.locale or "",
        "timezone": person.timezone or "",
        **me_fields(person),
    }


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """The caller: who they are, their teams, language, points and giving budget."""
    return me_payload(current_user)


@blp.route("/session", methods=["POST"])
@blp.arguments(SessionCreateSchema)
@blp.response(200, MeSchema)
def open_session(data):
    """Sign in with a password and open a browser session (throttled: 429 after repeated failures)."""
    try:
        person = services.sign_in(data["username"], data["password"], now=utcnow(),
                                  remote_addr=request.remote_addr)
    except DomainError:
        db.session.commit()  # the failure itself must be remembered
        raise
    login_user(person, remember=data["remember"])
    return me_payload(person)


@blp.route("/session", methods=["DELETE"])
@blp.response(204)
def close_session():
    """Sign out of the browser session."""
    logout_user()


@blp.route("/teams")
class Teams(MethodView):
    @access.role_required("admin")  # before the body is parsed: a wrong role is 403, not 400
    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    def post(self, data):
        """Create a team (admin)."""
        supervisors = [services.require_person(u, field="supervisors") for u in data["supervisors"]]
        team = services.create_team(data["name"], site=data["site"], timezone=data["timezone"],
                                    supervisors=supervisors, actor=current_user)
        db.session.commit()
        return team


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UsersArgsSchema, location="query")
    @blp.response(200, PeoplePageSchema)
    def get(self, args):
        """Active people, public fields only, optionally of one team."""
        stmt = select(Person).where(Person.active.is_(True))
        if args["team"]:
            stmt = stmt.where(Person.team_id == services.require_team(args["team"]).id)
        items, next_cursor = keyset_page(stmt, Person.id, limit=args["limit"], cursor=args["cursor"])
        return {"items": items, "next": next_cursor}

    @access.role_required("admin")
    @blp.arguments(PersonCreateSchema)
    @blp.response(201, PersonSchema)
    def post(self, data):
        """Create a person (admin); they set a password through an admin reset or a token."""
        team = services.require_team(data["team"]) if data["team"] else None
        person = services.create_person(
            data["username"], data["name"], data["email"], data["role"], team=team,
            locale=data["locale"], timezone=data["timezone"], actor=current_user,
        )
        db.session.commit()
        return person


@blp.route("/people/search")
@blp.arguments(PeopleSearchArgsSchema, location="query")
@blp.response(200, PeoplePageSchema)
def search_people(args):
    """Active people matching every word of ``q`` in their name or username (Chinese names also by pinyin
    or initials: ``zs`` or ``zhang`` finds 张三), closest first; public fields only, one page."""
    items = db.session.execute(queries.search_people(args["q"], args["limit"])).scalars().all()
    return {"items": items, "next": None}
