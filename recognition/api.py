"""The recognition endpoints of /api/v1: values, kudos and their feed, reactions, comments, leaderboards."""
from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from flask_babel import get_locale
from flask_login import current_user

from core import access
from core.api import ApiBlueprint, keyset_page
from core.clock import org_timezone, utcnow
from core.db import own_write_transaction, writes_after_reading
from core.extensions import db
from core.services import require_person, require_team
from recognition import queries, services
from recognition.badges import announcement_title, value_names
from recognition.models import Announcement, Kudos
from recognition.schemas import (
    FeedArgsSchema, FeedPageSchema, KudosCreateSchema, KudosDetailSchema, KudosPageSchema, KudosSchema,
    LeaderboardArgsSchema, LeaderboardSchema, ReactionCreateSchema, ReactionSchema, ReasonSchema,
    ValueAdminSchema, ValueCreateSchema, ValuesPageSchema, ValueUpdateSchema, CommentCreateSchema,
    CommentSchema,
)

blp = ApiBlueprint("recognition_api", __name__,
                   description="Values, kudos, reactions, comments, leaderboards")


@blp.route("/values")
class Values(MethodView):
    @blp.response(200, ValuesPageSchema)
    def get(self):
        """The organisation's active values, in the caller's language (one page: ``next`` is null)."""
        return {"items": db.session.execute(queries.active_values()).scalars().all(), "next": None}

    @access.role_required("admin")  # before the body is parsed: a wrong role is 403, not 400
    @blp.arguments(ValueCreateSchema)
    @blp.response(201, ValueAdminSchema)
    def post(self, data):
        """Add a value (admin): ``name``/``description`` in English, ``name_zh``/``description_zh``."""
        value = services.create_value(
            data["slug"], name_en=data["name_en"] or data["name"], name_zh=data["name_zh"],
            description_en=data["description_en"] or data["description"],
            description_zh=data["description_zh"] or "", position=data["position"], active=data["active"],
            actor=current_user,
        )
        db.session.commit()
        return value


@blp.route("/values/<slug>", methods=["PATCH"])
@access.role_required("admin")
@blp.arguments(ValueUpdateSchema)
@blp.response(200, ValueAdminSchema)
def update_value(data, slug):
    """Rename, reorder, deactivate or reactivate a value (admin)."""
    value = services.update_value(services.require_value(slug, field="slug"), actor=current_user, **data)
    db.session.commit()
    return value


def _since(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=org_timezone())
    return moment


def _feed_filters(args) -> dict:
    return dict(
        team=require_team(args["team"]) if args["team"] else None,
        recipient=require_person(args["recipient"], field="recipient") if args["recipient"] else None,
        value=services.require_value(args["value"]) if args["value"] else None,
        since=_since(args["since"]),
    )


@blp.route("/kudos")
class KudosCollection(MethodView):
    @blp.arguments(FeedArgsSchema, location="query")
    @blp.response(200, KudosPageSchema)
    def get(self, args):
        """The public feed, newest first: filters ``team``, ``recipient``, ``giver``, ``value``, ``since``."""
        giver = require_person(args["giver"], field="giver") if args["giver"] else None
        stmt = queries.kudos_feed(giver=giver, **_feed_filters(args))
        page, next_cursor = keyset_page(stmt, Kudos.id, limit=args["limit"], cursor=args["cursor"],
                                        descending=True)
        return {"items": queries.cards_for(page, current_user), "next": next_cursor}

    @writes_after_reading
    @blp.arguments(KudosCreateSchema)
    @blp.response(201, KudosSchema)
    def post(self, data):
        """Give kudos to people (``recipients``) or a ``team``; ``points`` is the total, split evenly."""
        recipients = [require_person(username, field="recipients") for username in data["recipients"]]
        team = require_team(data["team"]) if data["team"] else None
        value = services.require_value(data["value"])
        # The person itself, not the request's proxy: the kudos keeps it after the commits below.
        giver = current_user._get_current_object()
        with own_write_transaction(db.session, keep_loaded=True):  # budgets and caps are read under the lock
            kudos = services.give_kudos(giver, value, data["message"], data["points"], recipients=recipients,
                                        team=team, now=utcnow())
        return queries.KudosCard(kudos)


@blp.route("/kudos/<int:kudos_id>")
class KudosItem(MethodView):
    @blp.response(200, KudosDetailSchema)
    def get(self, kudos_id):
        """One visible kudos with its comments."""
        return queries.kudos_detail(services.visible_kudos_or_404(kudos_id), current_user)

    @blp.arguments(ReasonSchema, location="query", as_kwargs=True)
    @blp.arguments(ReasonSchema, location="json", arg_name="body")
    @blp.response(204)
    def delete(self, kudos_id, body, reason=None):
        """The giver retracts within the window (refunded); an admin hides it with a ``reason`` (audited)."""
        kudos = services.visible_kudos_or_404(kudos_id)
        services.remove_kudos(kudos, actor=current_user, reason=reason or body.get("reason"), now=utcnow())
        db.session.commit()


@blp.route("/kudos/<int:kudos_id>/reactions")
class Reactions(MethodView):
    @blp.arguments(ReactionCreateSchema)
    @blp.response(201, ReactionSchema)
    def post(self, data, kudos_id):
        """Applaud a kudos; once per person (409 the second time)."""
        kudos = services.visible_kudos_or_404(kudos_id)
        services.react(kudos, current_user, data["kind"], now=utcnow())
        db.session.commit()
        return {"kind": data["kind"], "applause": queries.cards_for([kudos], current_user)[0].applause}

    @blp.arguments(ReactionCreateSchema, location="query")
    @blp.response(204)
    def delete(self, args, kudos_id):
        """Withdraw one's applause."""
        services.remove_reaction(services.visible_kudos_or_404(kudos_id), current_user, args["kind"])
        db.session.commit()


@blp.route("/kudos/<int:kudos_id>/comments", methods=["POST"])
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def add_comment(data, kudos_id):
    """Comment on a kudos (at most 500 characters)."""
    comment = services.add_comment(services.visible_kudos_or_404(kudos_id), current_user, data["text"],
                                   now=utcnow())
    db.session.commit()
    return comment


def _announcement_public(announcement: Announcement, names: dict[str, str]) -> dict:
    params = announcement.params or {}
    badge = params.get("badge")
    return {
        "id": announcement.id,
        "kind": announcement.kind,
        "person": announcement.person,
        "badge": badge,
        "context": params.get("context"),
        "title": announcement_title(params, names),
        "citation": params.get("citation"),
        "created_at": announcement.created_at,
    }


@blp.route("/feed")
@blp.arguments(FeedArgsSchema, location="query")
@blp.response(200, FeedPageSchema)
def feed(args):
    """Kudos and announcements (badges, awards) interleaved, newest first; same filters as GET /kudos."""
    items, next_cursor = queries.feed_page(current_user, limit=args["limit"], cursor=args["cursor"],
                                           **_feed_filters(args))
    names = value_names(str(get_locale() or "en")) if any(i.announcement for i in items) else {}
    return {
        "items": [
            {"type": "kudos", "kudos": item.card} if item.card
            else {"type": "announcement", "announcement": _announcement_public(item.announcement, names)}
            for item in items
        ],
        "next": next_cursor,
    }


@blp.route("/leaderboard")
@blp.arguments(LeaderboardArgsSchema, location="query")
@blp.response(200, LeaderboardSchema)
def leaderboard(args):
    """This week's, this month's or a campaign's top people or teams (``period=campaign``: by score, of
    ``campaign`` or the caller's current one); ``me`` is the caller's own standing (theirs alone)."""
    team = require_team(args["team"]) if args["team"] else None
    board = queries.leaderboard(current_user, period=args["period"], scope=args["scope"], team=team,
                                limit=args["limit"], now=utcnow(), campaign_id=args["campaign"])
    key = "username" if board.scope == "people" else "team"
    if args["period"] == "campaign":
        return {
            "period": "campaign",
            "period_key": str(board.campaign.id),
            "campaign": board.campaign.id,
            "scope": board.scope,
            "items": [{"rank": r.rank, key: r.key, "name": r.name, "score": r.score} for r in board.rows],
            "me": board.me,
        }
    return {
        "period": board.period,
        "period_key": board.period_key,
        "scope": board.scope,
        "items": [{"rank": r.rank, key: r.key, "name": r.name, "points": r.points} for r in board.rows],
        "me": board.me,
    }
