"""Campaign pages: the list, the editor (create, edit, launch, delete a draft), a campaign's page with its
brief, acknowledgement, team progress and the viewer's own standing.

Reads come from :mod:`recognition.campaigns.queries`, writes from :mod:`recognition.campaigns.services`;
who sees what is :mod:`recognition.campaigns.access`'s. Team progress is public (teams' aggregates, never a
list of people); a participant's breakdown and gap are shown to that participant only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.access import has_role, role_required
from core.auth.views import safe_next
from core.clock import org_timezone, utcnow
from core.extensions import db
from core.forms import flash_form_errors, saving
from core.models import Person
from recognition.campaigns import access, kpis, queries, services
from recognition.campaigns.forms import (
    CAMPAIGN_LABELS, ROW_FORMS, CampaignForm, DeleteDraftForm, campaign_form_data,
)
from recognition.campaigns.models import Campaign
from recognition.campaigns.standings import ensure_fresh_for_read
from recognition.forms import ActionForm
from recognition.queries import active_values

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

# The list's groups, in the order shown.
LIST_GROUPS = ("running", "scheduled", "draft", "ended", "published")
UNACKNOWLEDGED_LIST_SIZE = 100
NEW_CAMPAIGN_DAYS = 7


def me() -> Person:
    return current_user._get_current_object()


def locale() -> str:
    return str(get_locale() or "en")


def _all(stmt) -> list:
    return list(db.session.execute(stmt).scalars().unique())



def _to_detail(campaign_id: int):
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@bp.context_processor
def campaign_page_helpers() -> dict:
    return {"labels": CAMPAIGN_LABELS}


# --- the list --------------------------------------------------------------------------------

@bp.get("")
@login_required
def index():
    """Campaigns the viewer may open by state: running (ending soonest first), starting soon, drafts (for
    those who run them), ended, awards published (newest first)."""
    viewer, now = me(), utcnow()
    groups: dict[str, list[Campaign]] = {state: [] for state in LIST_GROUPS}
    newest_first = (Campaign.starts_at.desc(), Campaign.id.desc())
    for campaign in _all(queries.campaigns_visible_to(viewer, now=now).order_by(*newest_first)):
        groups[campaign.state_at(now)].append(campaign)
    groups["running"].sort(key=lambda c: c.ends_at)
    groups["scheduled"].sort(key=lambda c: c.starts_at)
    awaiting = {campaign.id for campaign in _all(queries.campaigns_awaiting_acknowledgement(viewer, now=now))}
    return render_template("campaigns/index.html", groups=groups, awaiting=awaiting, now=now,
                           can_create=access.can_create_campaigns(viewer))


# --- the editor ------------------------------------------------------------------------------

def _new_campaign_data(now: datetime) -> dict:
    """A new campaign starts at the next midnight (organisation time), runs a week, with the configured
    award rules."""
    config = current_app.config
    starts = datetime.combine(now.astimezone(org_timezone()).date() + timedelta(days=1), time(0))
    return {"starts_at": starts, "ends_at": starts + timedelta(days=NEW_CAMPAIGN_DAYS),
            "top_n": int(config["CAMPAIGN_AWARD_TOP_N"]), "award_points": int(config["CAMPAIGN_AWARD_POINTS"]),
            "award_budget": int(config["CAMPAIGN_AWARD_BUDGET"])}


def _editor_form(campaign: Campaign | None = None) -> CampaignForm:
    """The editor with its choices: teams the manager may use, every KPI, the active values (and those the
    campaign counts already); filled from the campaign (or defaults) on GET, with blank rows to add."""
    kept_values = queries.dimension_values(campaign) if campaign is not None else {}
    data = None
    if request.method == "GET":
        data = (campaign_form_data(campaign, {value_id: v.slug for value_id, v in kept_values.items()})
                if campaign is not None else _new_campaign_data(utcnow()))
    form = CampaignForm(
        data=data, teams=_all(queries.campaign_team_choices(me(), campaign)),
        metrics=_all(kpis.all_metric_definitions()),
        values=[*_all(active_values()), *(v for v in kept_values.values() if not v.active)], locale=locale(),
    )
    if request.method == "GET":
        form.add_blank_rows()
    return form


def _ready_to_save(form: CampaignForm) -> bool:
    """A save was asked for and the form reads; an "Add"/"Remove" row button (posted without JavaScript)
    only shows the form again, changed."""
    return request.method == "POST" and not form.apply_row_button(request.form) and form.validate_on_submit()


def _render_editor(form: CampaignForm, campaign: Campaign | None = None):
    return render_template(
        "campaigns/editor.html", form=form, campaign=campaign, timezone=str(org_timezone()),
        state=campaign.state_at(utcnow()) if campaign is not None else None,
        row_templates={name: form.row_template(name) for name in ROW_FORMS},
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new():
    """Create a campaign for teams you manage: "Save as draft" (only those who run it see it) or
    "Create and launch"."""
    form = _editor_form()
    if _ready_to_save(form):
        draft = request.form.get("action") != "launch"
        with saving(form) as saved:
            campaign = services.create_campaign(form.spec(), actor=me(), now=utcnow(), draft=draft)
        if saved.ok:
            flash(_("The campaign is saved as a draft: its participants see it once you launch it.") if draft
                  else _("The campaign is launched: its participants see it now."), "success")
            return _to_detail(campaign.id)
    return _render_editor(form)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required("manager")
def edit(campaign_id: int):
    """Change a campaign you run, until its awards are published (kept dimensions keep their nominations)."""
    campaign = access.managed_campaign_or_404(me(), campaign_id)
    if not services.is_editable(campaign):
        flash(_("Awards are published: the campaign can no longer change."), "error")
        return _to_detail(campaign.id)
    form = _editor_form(campaign)
    if _ready_to_save(form):
        with saving(form) as saved:
            services.update_campaign(campaign, form.spec(), actor=me(), now=utcnow())
        if saved.ok:
            flash(_("The campaign is saved."), "success")
            return _to_detail(campaign.id)
    return _render_editor(form, campaign)


@bp.post("/<int:campaign_id>/launch")
@role_required("manager")
def launch(campaign_id: int):
    """A draft becomes visible to its participants."""
    campaign, form = access.managed_campaign_or_404(me(), campaign_id), ActionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.launch_campaign(campaign, actor=me(), now=utcnow())
        if saved.ok:
            flash(_("The campaign is launched: its participants see it now."), "success")
    flash_form_errors(form)
    return _to_detail(campaign_id)


@bp.post("/<int:campaign_id>/delete")
@role_required("manager")
def delete(campaign_id: int):
    """Delete a draft, once the manager ticked the confirmation."""
    campaign, form = access.managed_campaign_or_404(me(), campaign_id), DeleteDraftForm()
    if form.validate_on_submit():
        name = campaign.name
        with saving(form) as saved:
            services.delete_draft(campaign, actor=me())
        if saved.ok:
            flash(_("The draft %(name)s is deleted.", name=name), "success")
            return redirect(url_for("campaigns.index"))
    flash_form_errors(form)
    return _to_detail(campaign_id)


# --- a campaign ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Acknowledgements:
    """Who has read the brief, for those who follow it: the counts and the first who have not."""

    done: int
    total: int
    missing: list[Person]

    @property
    def more(self) -> int:
        return max(0, self.total - self.done - len(self.missing))


def _acknowledgements(viewer: Person, campaign: Campaign) -> Acknowledgements | None:
    """For those who run the campaign (every participant) and supervisors of its teams (theirs); none for a
    draft, which participants cannot see yet."""
    if campaign.status == "draft" or not access.can_see_acknowledgements(viewer, campaign):
        return None
    team_ids = access.acknowledgement_team_ids(viewer, campaign)
    done, total = queries.acknowledgement_counts(campaign, team_ids=team_ids)
    missing = queries.unacknowledged_participants(campaign, team_ids=team_ids).limit(UNACKNOWLEDGED_LIST_SIZE)
    return Acknowledgements(done, total, _all(missing))


@bp.get("/<int:campaign_id>")
@login_required
def detail(campaign_id: int):
    """The brief with the teams' progress against its targets, the dimensions, the viewer's acknowledgement
    and own standing, who has not read the brief (for those who follow it), and the manager's actions."""
    viewer, now = me(), utcnow()
    campaign = access.visible_campaign_or_404(viewer, campaign_id)
    if campaign.status != "draft":
        campaign = ensure_fresh_for_read(campaign, now=now)
    state = campaign.state_at(now)
    participant = access.is_participant(viewer, campaign)
    return render_template(
        "campaigns/detail.html", campaign=campaign, state=state, now=now,
        progress={entry["requirement_id"]: entry for entry in queries.brief_progress(campaign, locale=locale())},
        dimensions_by_id={d.id: d for d in campaign.dimensions},
        total_weight=sum(d.weight for d in campaign.dimensions) or 1.0,
        dimension_values=queries.dimension_values(campaign),
        participant=participant,
        acknowledged_at=queries.acknowledged_at(campaign, viewer) if participant else None,
        own=queries.own_standing(campaign, viewer) if state in ("running", "ended", "published") else None,
        acknowledgements=_acknowledgements(viewer, campaign),
        manages=access.can_manage_campaign(viewer, campaign),
        editable=services.is_editable(campaign),
        show_nominations=state != "draft" and has_role(viewer, "supervisor"),
        launch_form=ActionForm(), delete_form=DeleteDraftForm(formdata=None),
    )


@bp.post("/<int:campaign_id>/acknowledge")
@login_required
def acknowledge(campaign_id: int):
    """A participant has read the brief; back to where they pressed the button (``next``)."""
    campaign, form = access.visible_campaign_or_404(me(), campaign_id), ActionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.acknowledge_brief(campaign, me(), now=utcnow())
        if saved.ok:
            flash(_("Thank you: you have read the brief of %(name)s.", name=campaign.name_in(locale())),
                  "success")
    flash_form_errors(form)
    return redirect(safe_next(request.form.get("next"), url_for("campaigns.detail", campaign_id=campaign_id)))
