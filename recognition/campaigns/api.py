"""/api/v1 campaign endpoints: KPI definitions and intake, campaigns, acknowledgements, standings,
nominations, awards (preview, citations, publishing, Open Badges credentials) and wallboard links.

Reads of standings never recompute them unless their inputs changed since the last computation
(:func:`~recognition.campaigns.standings.ensure_fresh_for_read`).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, jsonify, request, url_for
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.access import require_role, role_required
from core.api import ApiBlueprint, dumped_once, keyset_page
from core.api.schemas import ListArgsSchema
from core.clock import utcnow
from core.db import writes_on_read
from core.errors import NotAllowed, NotFound
from core.extensions import db
from core.models import Person
from core.services import require_team
from recognition.campaigns import access, awards, kpis, queries, services, wallboards
from recognition.campaigns.models import Campaign, Nomination, Wallboard
from recognition.campaigns.openbadges import award_credential
from recognition.campaigns.schemas import (
    AcknowledgementsSchema, AwardSchema, AwardsPublishSchema, AwardsSchema, CampaignCreateSchema,
    CampaignListArgsSchema, CampaignSchema, CampaignsPageSchema, CitationSchema, IntakeReportSchema,
    MetricDefinitionCreateSchema, MetricDefinitionSchema, MetricDefinitionsPageSchema,
    MetricDefinitionUpdateSchema, MetricsIntakeSchema, NominationCreateSchema, NominationSchema,
    NominationsPageSchema, StandingRowSchema, StandingsArgsSchema, StandingsSchema, WallboardCreatedSchema,
    WallboardCreateSchema, WallboardsPageSchema,
)
from recognition.campaigns.services import (
    CampaignSpec, DimensionSpec, RequirementSpec, SourceSpec,
)
from recognition.campaigns.standings import ensure_fresh_for_read

STANDING_ROW = StandingRowSchema()

blp = ApiBlueprint("campaigns_api", __name__,
                   description="KPIs, campaigns, standings, nominations, awards and wallboards")


def caller() -> Person:
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "en")


def role_first(least: str) -> Callable:
    """403 for a role below ``least`` before the body is read (put it above ``@blp.arguments``)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(current_user, least)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- KPI definitions and intake --------------------------------------------------------------

@blp.route("/metric-definitions")
class MetricDefinitions(MethodView):
    @blp.response(200, MetricDefinitionsPageSchema)
    def get(self):
        """Every KPI definition (one page: ``next`` is null)."""
        return {"items": db.session.execute(kpis.all_metric_definitions()).scalars().all(), "next": None}

    @role_required("manager")
    @blp.arguments(MetricDefinitionCreateSchema)
    @blp.response(201, MetricDefinitionSchema)
    def post(self, data):
        """Define a KPI (manager): ``aggregate`` sum, mean or rate; ``direction`` higher_better or lower_better."""
        metric = kpis.create_metric_definition(
            data["slug"], name_en=data["name_en"] or data["name"] or "", name_zh=data["name_zh"],
            unit=data["unit"], aggregate=data["aggregate"], direction=data["direction"], actor=caller())
        db.session.commit()
        return metric


@blp.route("/metric-definitions/<slug>", methods=["PATCH"])
@role_required("manager")
@blp.arguments(MetricDefinitionUpdateSchema)
@blp.response(200, MetricDefinitionSchema)
def update_metric_definition(data, slug):
    """Rename a KPI or change its unit (manager)."""
    metric = kpis.update_metric_definition(kpis.require_metric(slug, field="slug"), actor=caller(), **data)
    db.session.commit()
    return metric


def metrics_writer_first(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        token = g.get("api_token")
        access.require_metric_writer(current_user, token.scopes if token is not None else ())
        return view(*args, **kwargs)

    return wrapped


@blp.route("/metrics", methods=["POST"])
@metrics_writer_first
@blp.arguments(MetricsIntakeSchema)
@blp.response(200, IntakeReportSchema)
def post_metrics(data):
    """Upsert daily KPIs per (username, date, metric); valid rows are written, the others reported
    in ``rejected`` by index (manager, admin, or a token with the ``metrics`` scope)."""
    report = kpis.intake_rows(data["rows"], actor=caller(), now=utcnow())
    db.session.commit()
    return {"accepted": report.accepted,
            "rejected": [{"index": e.index, "error": e.message, "field": e.field} for e in report.rejected]}


# --- campaigns -------------------------------------------------------------------------------

def spec_from(data: dict) -> CampaignSpec:
    rules = data.get("awards") or {}
    return CampaignSpec(
        name=data["name"], name_zh=data.get("name_zh") or "", description=data.get("description") or "",
        starts_at=data["starts_at"], ends_at=data["ends_at"], teams=data["teams"],
        requirements=[RequirementSpec(r["text"], r["metric"], r["target"], r["direction"])
                      for r in data["requirements"]],
        dimensions=[DimensionSpec(d["name"], d["weight"], SourceSpec(**d["source"]), d["id"])
                    for d in data["dimensions"]],
        top_n=rules.get("top_n"), one_per_person=bool(rules.get("one_per_person")),
        award_points=rules.get("points"), award_budget=rules.get("budget"),
    )


def campaign_payload(campaign: Campaign, viewer: Person, *, now) -> dict:
    """The campaign with its brief, dimensions, award rules and public team progress."""
    progress = {entry["requirement_id"]: entry for entry in queries.brief_progress(campaign, locale=_locale())}
    manages = access.can_manage_campaign(viewer, campaign)
    counts = None
    if access.can_see_acknowledgements(viewer, campaign):
        done, total = queries.acknowledgement_counts(
            campaign, team_ids=access.acknowledgement_team_ids(viewer, campaign))
        counts = {"acknowledged": done, "participants": total}
    value_slugs = {value_id: value.slug for value_id, value in queries.dimension_values(campaign).items()}
    return {
        "id": campaign.id, "name": campaign.name, "name_zh": campaign.name_zh, "description": campaign.description,
        "state": campaign.state_at(now), "starts_at": campaign.starts_at, "ends_at": campaign.ends_at,
        "first_day": campaign.first_day, "last_day": campaign.last_day,
        "teams": [team.name for team in campaign.teams],
        "requirements": [{
            "id": r.id, "position": r.position, "text": r.text, "metric": r.metric.slug if r.metric else None,
            "target": r.target, "direction": r.effective_direction,
            "progress": progress[r.id]["overall"] if r.id in progress else None,
            "teams": progress[r.id]["teams"] if r.id in progress else [],
        } for r in campaign.requirements],
        "dimensions": [{
            "id": d.id, "name": d.name, "weight": d.weight,
            "source": {"kind": d.source, "metric": d.metric.slug if d.metric else None,
                       "aggregate": d.effective_aggregate,
                       "direction": ("higher_better" if d.higher_is_better else "lower_better"),
                       "min_volume": d.min_volume, "value": value_slugs.get(d.value_id)},
        } for d in campaign.dimensions],
        "awards": {"top_n": campaign.award_top_n, "one_per_person": campaign.award_one_per_person,
                   "points": campaign.award_points, "budget": campaign.award_budget},
        "participant": access.is_participant(viewer, campaign),
        "acknowledged_at": queries.acknowledged_at(campaign, viewer),
        "can_manage": manages,
        "acknowledgements": counts,
    }


def campaign_summary(campaign: Campaign, *, now) -> dict:
    return {"id": campaign.id, "name": campaign.name, "name_zh": campaign.name_zh,
            "state": campaign.state_at(now), "starts_at": campaign.starts_at, "ends_at": campaign.ends_at,
            "teams": [team.name for team in campaign.teams]}


@blp.route("/campaigns")
class Campaigns(MethodView):
    @blp.arguments(CampaignListArgsSchema, location="query")
    @blp.response(200, CampaignsPageSchema)
    def get(self, args):
        """Campaigns you may see, newest first; ``state`` filters (draft, scheduled, running, ended, published)."""
        now = utcnow()
        stmt = queries.campaigns_visible_to(caller(), states=(args["state"],) if args["state"] else (), now=now)
        items, next_cursor = keyset_page(stmt, Campaign.id, limit=args["limit"], cursor=args["cursor"],
                                         descending=True)
        return {"items": [campaign_summary(c, now=now) for c in items], "next": next_cursor}

    @role_required("manager")
    @blp.arguments(CampaignCreateSchema)
    @blp.response(201, CampaignSchema)
    def post(self, data):
        """Create a campaign (manager, for teams you manage): launched at once unless ``draft``."""
        now = utcnow()
        campaign = services.create_campaign(spec_from(data), actor=caller(), now=now, draft=data["draft"])
        db.session.commit()
        return campaign_payload(campaign, caller(), now=now)


@blp.route("/campaigns/<int:campaign_id>")
class CampaignItem(MethodView):
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id):
        """A campaign with its brief, targets and public team progress."""
        now = utcnow()
        campaign = ensure_fresh_for_read(access.visible_campaign_or_404(caller(), campaign_id), now=now)
        return campaign_payload(campaign, caller(), now=now)

    @role_required("manager")
    @blp.arguments(CampaignCreateSchema)
    @blp.response(200, CampaignSchema)
    def patch(self, data, campaign_id):
        """Replace the campaign's description (the body of POST /campaigns; dimensions keep their ``id``)."""
        now = utcnow()
        campaign = access.managed_campaign_or_404(caller(), campaign_id)
        services.update_campaign(campaign, spec_from(data), actor=caller(), now=now)
        db.session.commit()
        return campaign_payload(campaign, caller(), now=now)

    @role_required("manager")
    @blp.response(204)
    def delete(self, campaign_id):
        """Delete a draft."""
        services.delete_draft(access.managed_campaign_or_404(caller(), campaign_id), actor=caller())
        db.session.commit()


@blp.route("/campaigns/<int:campaign_id>/launch", methods=["POST"])
@role_required("manager")
@blp.response(200, CampaignSchema)
def launch_campaign(campaign_id):
    """Launch a draft: its participants see it."""
    now = utcnow()
    campaign = services.launch_campaign(access.managed_campaign_or_404(caller(), campaign_id), actor=caller(),
                                        now=now)
    db.session.commit()
    return campaign_payload(campaign, caller(), now=now)


@blp.route("/campaigns/<int:campaign_id>/acknowledge", methods=["POST"])
@blp.response(204)
def acknowledge(campaign_id):
    """Record that you (a participant) read the brief; repeating is harmless."""
    campaign = access.visible_campaign_or_404(caller(), campaign_id)
    services.acknowledge_brief(campaign, caller(), now=utcnow())
    db.session.commit()


@blp.route("/campaigns/<int:campaign_id>/acknowledgements")
@role_first("supervisor")
@blp.response(200, AcknowledgementsSchema)
def acknowledgements(campaign_id):
    """Who has not acknowledged the brief: every participant for those who run the campaign, the
    participants of your teams for a supervisor."""
    campaign = access.visible_campaign_or_404(caller(), campaign_id)
    if not access.can_see_acknowledgements(caller(), campaign):
        raise NotAllowed(_("You are not allowed to do this."))
    team_ids = access.acknowledgement_team_ids(caller(), campaign)
    done, total = queries.acknowledgement_counts(campaign, team_ids=team_ids)
    missing = db.session.execute(queries.unacknowledged_participants(campaign, team_ids=team_ids)).scalars()
    return {"acknowledged": done, "participants": total,
            "missing": [{"username": p.username, "name": p.name, "team": p.team.name if p.team else None}
                        for p in missing]}


@blp.route("/campaigns/<int:campaign_id>/standings")
@blp.arguments(StandingsArgsSchema, location="query")
@blp.response(200, StandingsSchema)
def standings(args, campaign_id):
    """Ranked rows: the public top N and your own row for participants; your teams' rows for a
    supervisor; every row for those who run the campaign. ``dimension`` ranks by one dimension."""
    now = utcnow()
    viewer = caller()
    campaign = ensure_fresh_for_read(access.visible_campaign_head_or_404(viewer, campaign_id), now=now)
    dimension = None
    if args["dimension"]:
        dimension = services.dimension_of(access.visible_campaign_or_404(viewer, campaign_id), args["dimension"])
    top_n = queries.board_top_n()
    rows, next_cursor = queries.standings_page(campaign, access.standings_scope(viewer, campaign),
                                               limit=args["limit"], cursor=args["cursor"], dimension=dimension,
                                               top_n=top_n)
    me = queries.own_standing(campaign, viewer)
    return {"campaign": campaign.id, "dimension": dimension.id if dimension else None, "top_n": top_n,
            "version": campaign.standings_version, "computed_at": campaign.standings_computed_at,
            "items": [dumped_once(STANDING_ROW, row) for row in rows], "next": next_cursor,
            "me": dumped_once(STANDING_ROW, me) if me else None}


@blp.route("/campaigns/<int:campaign_id>/nominations")
class Nominations(MethodView):
    @role_first("supervisor")
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, NominationsPageSchema)
    def get(self, args, campaign_id):
        """Nominations with reasons: all for those who run the campaign, your own for a supervisor."""
        campaign = access.visible_campaign_or_404(caller(), campaign_id)
        items, next_cursor = keyset_page(queries.nominations_of(campaign, caller()), Nomination.id,
                                         limit=args["limit"], cursor=args["cursor"])
        return {"items": items, "next": next_cursor}

    @role_first("supervisor")
    @blp.arguments(NominationCreateSchema)
    @blp.response(201, NominationSchema)
    def post(self, data, campaign_id):
        """Nominate a participant of a team you lead in a nominations dimension, with a reason."""
        campaign = access.visible_campaign_or_404(caller(), campaign_id)
        nomination = services.nominate_by_username(campaign, nominator=caller(), username=data["username"],
                                                   dimension=data["dimension"], reason=data["reason"], now=utcnow())
        db.session.commit()
        return nomination


# --- awards ----------------------------------------------------------------------------------

def awards_payload(campaign: Campaign, items: list) -> dict:
    return {"campaign": campaign.id, "published": campaign.status == "published",
            "published_at": campaign.published_at, "budget": campaign.award_budget,
            "points": sum(a.points for a in items), "items": items}


@blp.route("/campaigns/<int:campaign_id>/awards")
class CampaignAwards(MethodView):
    @writes_on_read
    @blp.response(200, AwardsSchema)
    def get(self, campaign_id):
        """Published awards for everyone; for those who run the campaign, the drafts before publishing
        (synced to the current standings, with their citations)."""
        now = utcnow()
        viewer = caller()
        campaign = access.visible_campaign_or_404(viewer, campaign_id)
        if access.can_manage_campaign(viewer, campaign):
            items = awards.preview_awards(campaign, now=now)
            db.session.commit()
        else:
            items = db.session.execute(awards.awards_of(campaign, published_only=True)).scalars().all()
            items = awards.in_display_order(campaign, list(items))
        return awards_payload(campaign, items)

    @role_required("manager")
    @blp.arguments(AwardsPublishSchema)
    @blp.response(200, AwardsSchema)
    def post(self, data, campaign_id):
        """``{publish: true}``: publish the awards (idempotent; once the campaign has ended);
        ``{publish: false}``: compute the drafts only."""
        now = utcnow()
        campaign = access.managed_campaign_or_404(caller(), campaign_id)
        if data["publish"]:
            items = awards.publish_awards(campaign, actor=caller(), now=now)
        else:
            items = awards.preview_awards(campaign, now=now)
        db.session.commit()
        return awards_payload(db.session.get(Campaign, campaign_id), items)


@blp.route("/awards/<int:award_id>", methods=["PATCH"])
@role_required("manager")
@blp.arguments(CitationSchema)
@blp.response(200, AwardSchema)
def edit_citation(data, award_id):
    """Edit a draft award's citation (before publishing)."""
    award = access.visible_award_or_404(caller(), award_id)
    access.managed_campaign_or_404(caller(), award.campaign_id)
    awards.edit_citation(award, data["citation"], actor=caller())
    db.session.commit()
    return award


@blp.route("/awards/<int:award_id>/credential")
@blp.response(200)
def award_credential_json(award_id):
    """The award as an Open Badges 3.0 credential (unsigned JSON-LD), to download."""
    award = access.visible_award_or_404(caller(), award_id)
    credential = award_credential(award, base_url=request.url_root,
                                  issuer_name=current_app.config["ORGANISATION_NAME"])
    response = jsonify(credential)
    response.headers["Content-Disposition"] = f'attachment; filename="award-{award.id}.json"'
    return response


# --- wallboards ------------------------------------------------------------------------------

def wallboard_public(board: Wallboard) -> dict:
    return {"id": board.id, "label": board.label, "campaign": board.campaign_id,
            "team": board.team.name if board.team else None, "created_at": board.created_at,
            "revoked_at": board.revoked_at}


def wallboard_created(board: Wallboard, token: str) -> dict:
    return {**wallboard_public(board), "url": url_for("wallboard.page", token=token, _external=True),
            "data_url": url_for("wallboard.data", token=token, _external=True)}


@blp.route("/wallboards")
class Wallboards(MethodView):
    @role_required("manager")
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, WallboardsPageSchema)
    def get(self, args):
        """Wallboard links (their tokens are never shown again): all for an admin, your own for a manager."""
        items, next_cursor = keyset_page(wallboards.wallboards_visible_to(caller()), Wallboard.id,
                                         limit=args["limit"], cursor=args["cursor"], descending=True)
        return {"items": [wallboard_public(board) for board in items], "next": next_cursor}

    @role_required("manager")
    @blp.arguments(WallboardCreateSchema)
    @blp.response(201, WallboardCreatedSchema)
    def post(self, data):
        """A read-only link to a campaign's or a team's board: ``{campaign}`` or ``{team}``."""
        viewer = caller()
        campaign = access.managed_campaign_or_404(viewer, data["campaign"]) if data["campaign"] else None
        team = require_team(data["team"]) if data["team"] else None
        board, token = wallboards.create_wallboard(actor=viewer, now=utcnow(), campaign=campaign, team=team,
                                                   label=data["label"])
        db.session.commit()
        return wallboard_created(board, token)


@blp.route("/wallboards/<int:wallboard_id>", methods=["DELETE"])
@role_required("manager")
@blp.response(204)
def revoke_wallboard(wallboard_id):
    """Revoke a link: its screens get 404 from now on (within a second)."""
    board = db.session.get(Wallboard, wallboard_id)
    viewer = caller()
    if board is None or not access.can_manage_wallboard(viewer, board):
        raise NotFound(_("Not found."))
    wallboards.revoke_wallboard(board, actor=viewer, now=utcnow())
    db.session.commit()
