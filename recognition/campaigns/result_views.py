"""A campaign's results: standings (as the viewer may see them), supervisors' nominations, and the awards a
manager previews, cites and publishes, each downloadable as an Open Badges 3.0 credential, and as CSV (a
campaign's awards as its page shows them; every published award for admins).

Who sees which rows and awards is :mod:`recognition.campaigns.access`'s; reads come from
:mod:`~recognition.campaigns.queries` and :mod:`~recognition.campaigns.awards`, writes from
:mod:`~recognition.campaigns.services` and :mod:`~recognition.campaigns.awards`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.access import role_required
from core.api import keyset_page
from core.clock import utcnow
from core.db import writes_on_read
from core.extensions import db
from core.forms import flash_form_errors, saving
from core.models import Person, Team
from core.services import require_person
from recognition.campaigns import access, exports, queries, services
from recognition.campaigns import awards as campaign_awards
from recognition.campaigns.models import Award, Campaign, Dimension, Nomination
from recognition.campaigns.openbadges import award_credential
from recognition.campaigns.result_forms import CitationForm, NominationForm
from recognition.campaigns.standings import ensure_fresh_for_read
from recognition.forms import ActionForm
from recognition.reports import csv_response

bp = Blueprint("campaign_results", __name__)

STANDINGS_PAGE_SIZE = 50
NOMINATIONS_PAGE_SIZE = 50


def me() -> Person:
    return current_user._get_current_object()


def _all(stmt) -> list:
    return list(db.session.execute(stmt).scalars())



# --- how numbers read ------------------------------------------------------------------------

@dataclass(frozen=True)
class DimensionColumn:
    """A dimension as a standings column: what its measured values are and how they read."""

    id: int
    name: str
    weight: float
    source: str
    aggregate: str | None
    unit: str


def dimension_columns(campaign: Campaign) -> list[DimensionColumn]:
    return [DimensionColumn(d.id, d.name, d.weight, d.source, d.effective_aggregate,
                            d.metric.unit if d.metric else "") for d in campaign.dimensions]


def number(value: float | None, pattern: str = "#,##0.##") -> str:
    """A number in the viewer's language; a dash for none."""
    return "—" if value is None else format_decimal(value, pattern)


def measured(value: float | None, column: DimensionColumn) -> str:
    """A measured value as people read it: a rate as a percentage, counts whole, others with their unit."""
    if value is None:
        return "—"
    if column.aggregate == "rate":
        return format_percent(value, "#,##0.#%")
    if column.source in ("kudos", "nominations"):
        return number(value, "#,##0")
    return f"{number(value)} {column.unit}".strip()


@bp.context_processor
def result_helpers() -> dict:
    return {"number": number, "measured": measured}


# --- standings -------------------------------------------------------------------------------

def _chosen_team(teams: list[Team]) -> Team | None:
    """The ``?team=`` filter, among the teams offered (anything else shows every visible row)."""
    team_id = request.args.get("team", type=int)
    return next((team for team in teams if team.id == team_id), None)


@bp.get("/campaigns/<int:campaign_id>/standings")
@login_required
def standings(campaign_id: int):
    """Ranked rows: the public top N and one's own row (highlighted, with its gap) for a participant,
    their teams in full for a supervisor, everyone for those who run the campaign; leads filter by team."""
    viewer, now = me(), utcnow()
    campaign = ensure_fresh_for_read(access.visible_campaign_or_404(viewer, campaign_id), now=now)
    scope = access.standings_scope(viewer, campaign)
    teams = [team for team in campaign.teams if scope.sees_team_in_full(team.id)]
    team = _chosen_team(teams)
    top_n = queries.board_top_n()
    rows, next_cursor = queries.standings_page(campaign, scope, limit=STANDINGS_PAGE_SIZE,
                                               cursor=request.args.get("cursor"), top_n=top_n,
                                               team_id=team.id if team else None)
    return render_template(
        "campaigns/result_standings.html", campaign=campaign, state=campaign.state_at(now), rows=rows,
        next_cursor=next_cursor, own=queries.own_standing(campaign, viewer),
        columns=dimension_columns(campaign), teams=teams, team=team, top_n=top_n,
        sees_everyone=scope.everyone,
    )


# --- nominations -----------------------------------------------------------------------------

def _nominate(campaign: Campaign, form: NominationForm, viewer: Person) -> Nomination:
    return services.nominate(campaign, services.dimension_of(campaign, form.dimension.data),
                             require_person(form.username.data), nominator=viewer,
                             reason=form.reason.data or "", now=utcnow())


@bp.route("/campaigns/<int:campaign_id>/nominations", methods=["GET", "POST"])
@role_required("supervisor")
def nominations(campaign_id: int):
    """Nominate a participant of a team one leads in a nominations dimension, with a reason; and the
    nominations one may see (all for those who run the campaign, one's own otherwise)."""
    viewer = me()
    campaign = access.visible_campaign_or_404(viewer, campaign_id)
    led = access.led_team_ids(viewer, campaign)
    people = _all(queries.participants_in_teams(campaign, led)) if led else []
    dimensions: list[Dimension] = [d for d in campaign.dimensions if d.source == "nominations"]
    form = NominationForm(people=people, dimensions=dimensions)
    if form.validate_on_submit():
        with saving(form) as saved:
            nomination = _nominate(campaign, form, viewer)
            name, dimension = nomination.person.name, nomination.dimension.name
        if saved.ok:
            flash(_("%(name)s is nominated in %(dimension)s.", name=name, dimension=dimension), "success")
            return redirect(url_for("campaign_results.nominations", campaign_id=campaign_id))
    items, next_cursor = keyset_page(queries.nominations_of(campaign, viewer), Nomination.id,
                                     limit=NOMINATIONS_PAGE_SIZE, cursor=request.args.get("cursor"))
    return render_template(
        "campaigns/result_nominations.html", campaign=campaign, state=campaign.state_at(utcnow()), form=form,
        people=people, dimensions=dimensions, items=items, next_cursor=next_cursor,
        sees_all=access.can_manage_campaign(viewer, campaign),
    ), 422 if form.errors or form.form_errors else 200


# --- awards ----------------------------------------------------------------------------------

def _awards_to_show(campaign: Campaign, previewing: bool, *, now) -> list[Award]:
    """The drafts synced to the standings (committed: the preview writes them) for a manager's preview;
    the published awards otherwise. Read back in one query with their people and dimensions."""
    if previewing:
        campaign_awards.preview_awards(campaign, now=now)
        db.session.commit()
    found = _all(campaign_awards.awards_of(campaign, published_only=not previewing))
    return campaign_awards.in_display_order(campaign, found)


def _previewing(viewer: Person, campaign: Campaign, *, now) -> tuple[str, bool, bool]:
    """The campaign's state, whether the viewer runs it, and whether they preview its draft awards (those
    who run it, after it ended and before publishing)."""
    state = campaign.state_at(now)
    manages = access.can_manage_campaign(viewer, campaign)
    return state, manages, manages and state == "ended"


@bp.get("/campaigns/<int:campaign_id>/awards")
@login_required
@writes_on_read
def awards(campaign_id: int):
    """After the campaign ended and before publishing, those who run it preview the winners, edit their
    citations and publish; everyone else (and everyone after publishing) sees the published awards only."""
    viewer, now = me(), utcnow()
    campaign = access.visible_campaign_or_404(viewer, campaign_id)
    state, manages, previewing = _previewing(viewer, campaign, now=now)
    items = _awards_to_show(campaign, previewing, now=now)
    citation_forms = {award.id: CitationForm.for_award(award.id, data={"citation": award.citation})
                      for award in items} if previewing else {}
    return render_template(
        "campaigns/result_awards.html", campaign=campaign, state=state, manages=manages,
        previewing=previewing, items=items, citation_forms=citation_forms, publish_form=ActionForm(),
        total_points=sum(award.points for award in items), viewer_id=viewer.id,
    )


@bp.get("/campaigns/<int:campaign_id>/awards.csv")
@login_required
@writes_on_read
def awards_csv(campaign_id: int):
    """The awards the awards page shows the viewer, as CSV: a manager's preview drafts (synced as the page
    does) or the published awards."""
    viewer, now = me(), utcnow()
    campaign = access.visible_campaign_or_404(viewer, campaign_id)
    _state, _manages, previewing = _previewing(viewer, campaign, now=now)
    items = _awards_to_show(campaign, previewing, now=now)
    slug = _slug(campaign.name) or f"campaign-{campaign.id}"  # the id, as for credentials, if no ASCII name
    return csv_response(f"bravo-awards-{slug}.csv", exports.AWARD_EXPORT_HEADER,
                        exports.award_export_rows(items))


@bp.get("/admin/awards.csv")
@role_required("admin")
def all_awards_csv():
    """Every published award of every campaign, as CSV (drafts are their campaign managers' preview)."""
    return csv_response("bravo-awards-all.csv", exports.AWARD_EXPORT_HEADER, exports.published_award_rows())


@bp.post("/awards/<int:award_id>/citation")
@role_required("manager")
def citation(award_id: int):
    """Edit a draft award's citation (those who run its campaign); back to the awards page."""
    viewer = me()
    award = access.visible_award_or_404(viewer, award_id)
    campaign_id = access.managed_campaign_or_404(viewer, award.campaign_id).id
    form = CitationForm.for_award(award_id)
    if form.validate_on_submit():
        with saving(form) as saved:
            campaign_awards.edit_citation(award, form.citation.data or "", actor=viewer)
        if saved.ok:
            flash(_("The citation is saved."), "success")
    flash_form_errors(form)
    return redirect(url_for("campaign_results.awards", campaign_id=campaign_id, _anchor=f"award-{award_id}"))


def _published_message(count: int, newly: bool) -> str:
    if not newly:
        return _("These awards were published already: nothing changed.")
    if count == 0:
        return _("Published: this campaign has no winners to award.")
    return ngettext(
        "%(num)d award is published: its points are granted and it is announced in the feed.",
        "%(num)d awards are published: their points are granted and they are announced in the feed.", count)


@bp.post("/campaigns/<int:campaign_id>/awards/publish")
@role_required("manager")
def publish(campaign_id: int):
    """Publish the awards once the campaign has ended (idempotent: a second time changes nothing)."""
    viewer, now = me(), utcnow()
    campaign = access.managed_campaign_or_404(viewer, campaign_id)
    form = ActionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            count = len(campaign_awards.publish_awards(campaign, actor=viewer, now=now))
            newly = campaign.published_at == now  # only the call that publishes stamps this moment
        if saved.ok:
            flash(_published_message(count, newly), "success")
    flash_form_errors(form)
    return redirect(url_for("campaign_results.awards", campaign_id=campaign_id))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def credential_filename(award: Award) -> str:
    """``<campaign>-<recipient>-<category>.json`` in plain ASCII (the campaign's id if its name has none)."""
    campaign = _slug(award.campaign.name) or f"campaign-{award.campaign_id}"
    return f"{campaign}-{_slug(award.person.username) or award.person_id}-{award.category}.json"


@bp.get("/awards/<int:award_id>/credential.json")
@login_required
def credential(award_id: int):
    """The award as an Open Badges 3.0 credential (the API's, unsigned JSON-LD), as a download."""
    award = access.visible_award_or_404(me(), award_id)
    response = jsonify(award_credential(award, base_url=request.url_root,
                                        issuer_name=current_app.config["ORGANISATION_NAME"]))
    response.headers.set("Content-Disposition", "attachment", filename=credential_filename(award))
    return response
