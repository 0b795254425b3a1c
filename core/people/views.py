"""Admin pages for people and teams."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import queries, services
from core.access import role_required
from core.errors import DomainError
from core.extensions import db
from core.forms import saving
from core.models import Person, Site, Team
from core.people import imports
from core.people.forms import (
    ROLE_LABELS, ConfirmImportForm, ImportForm, NewPersonForm, PeopleFilterForm, PersonForm,
    ResetPasswordForm, TeamForm,
)

bp = Blueprint("people", __name__, url_prefix="/admin")
PAGE_SIZE = 50
IMPORT_PREVIEW_ROWS = 1000


def _teams() -> list[Team]:
    return list(db.session.execute(queries.all_teams()).scalars())


def _sites() -> list[Site]:
    return list(db.session.execute(queries.all_sites()).scalars())


def _chosen(model: type, ids: list[int] | None) -> list:
    return [record for record in (db.session.get(model, i) for i in ids or ()) if record is not None]


@bp.route("/people")
@role_required("admin")
def people():
    teams = _teams()
    filters = PeopleFilterForm(request.args, teams=teams)
    filters.validate()
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = queries.people_listing(
        q=filters.q.data, team_id=filters.team.data or None, role=filters.role.data or None,
        status=filters.status.data or "active",
    )
    rows = list(db.session.execute(stmt.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).scalars())
    return render_template(
        "people/people.html", people=rows[:PAGE_SIZE], filters=filters, page=page,
        has_next=len(rows) > PAGE_SIZE, role_labels=ROLE_LABELS,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@role_required("admin")
def new_person():
    form = NewPersonForm(teams=_teams(), sites=_sites())
    if form.validate_on_submit():
        with saving(form) as saved:
            person = services.create_person(
                form.username.data, form.name.data, form.email.data, form.role.data,
                team=db.session.get(Team, form.team.data) if form.team.data else None,
                password=form.password.data or None, locale=form.locale.data or None,
                timezone=(form.timezone.data or "").strip() or None, actor=current_user,
            )
            services.set_managed_sites(person, _chosen(Site, form.managed_sites.data), actor=current_user)
        if saved.ok:
            flash(_("%(name)s is added.", name=person.name), "success")
            return redirect(url_for("people.people"))
    return render_template("people/person_form.html", form=form, person=None)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_person(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    form = PersonForm(obj=person, teams=_teams(), sites=_sites())
    if request.method == "GET":
        form.team.data = person.team_id or 0
        form.managed_sites.data = [s.id for s in person.managed_sites]
        form.locale.data = person.locale or ""
    del form.username  # a username is permanent: tokens, imports and integrations use it
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_person(
                person, name=form.name.data, email=form.email.data, role=form.role.data,
                locale=form.locale.data or None, timezone=(form.timezone.data or "").strip() or None,
                actor=current_user,
            )
            services.move_person(person, db.session.get(Team, form.team.data) if form.team.data else None,
                                 actor=current_user)
            services.set_managed_sites(person, _chosen(Site, form.managed_sites.data), actor=current_user)
        if saved.ok:
            flash(_("%(name)s is saved.", name=person.name), "success")
            return redirect(url_for("people.people"))
    return render_template("people/person_form.html", form=form, person=person,
                           reset_form=ResetPasswordForm())


@bp.route("/people/<int:person_id>/active", methods=["POST"])
@role_required("admin")
def set_person_active(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    active = request.form.get("active") == "1"
    if person.id == current_user.id and not active:
        flash(_("You cannot deactivate yourself."), "error")
    else:
        try:
            services.set_person_active(person, active, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s is reactivated.", name=person.name) if active
                  else _("%(name)s is deactivated and can no longer sign in.", name=person.name), "success")
    return redirect(url_for("people.edit_person", person_id=person.id))


@bp.route("/people/<int:person_id>/password", methods=["POST"])
@role_required("admin")
def reset_password(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(person, form.new_password.data, actor=current_user)
        db.session.commit()
        flash(_("The password of %(name)s is reset.", name=person.name), "success")
    else:
        flash(_("A password needs at least %(n)d characters.", n=services.MIN_PASSWORD_LENGTH), "error")
    return redirect(url_for("people.edit_person", person_id=person.id))


@bp.route("/teams")
@role_required("admin")
def teams():
    rows = db.session.execute(queries.teams_listing()).all()
    return render_template("people/teams.html", rows=rows)


def _leaders() -> list[Person]:
    return list(db.session.execute(queries.possible_leaders()).scalars())


@bp.route("/teams/new", methods=["GET", "POST"])
@role_required("admin")
def new_team():
    form = TeamForm(leaders=_leaders())
    if form.validate_on_submit():
        with saving(form) as saved:
            team = services.create_team(
                form.name.data, site=form.site.data, timezone=(form.timezone.data or "").strip() or None,
                supervisors=_chosen(Person, form.supervisors.data), actor=current_user,
            )
        if saved.ok:
            flash(_("Team %(name)s is created.", name=team.name), "success")
            return redirect(url_for("people.teams"))
    return render_template("people/team_form.html", form=form, team=None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_team(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    # Plain values, not obj=team: a POST without fields falls back to them, and a Site is no site name.
    form = TeamForm(leaders=_leaders(), data={
        "name": team.name, "site": team.site.name if team.site else "", "timezone": team.timezone,
        "supervisors": [p.id for p in team.supervisors],
    })
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_team(
                team, name=form.name.data, site=form.site.data,
                timezone=(form.timezone.data or "").strip() or None,
                supervisors=_chosen(Person, form.supervisors.data), actor=current_user,
            )
        if saved.ok:
            flash(_("Team %(name)s is saved.", name=team.name), "success")
            return redirect(url_for("people.teams"))
    return render_template("people/team_form.html", form=form, team=team)


@bp.route("/import", methods=["GET", "POST"])
@role_required("admin")
def import_csv():
    """CSV import of people and teams: preview, per-row errors, nothing written when a row is wrong."""
    form, confirm = ImportForm(), ConfirmImportForm()
    plan = None
    if "csv_text" in request.form:
        if confirm.validate_on_submit():
            plan = imports.import_people(confirm.csv_text.data, actor=current_user)
            if plan.applied:
                db.session.commit()
                flash(_("Import done. People added: %(created)d, updated: %(updated)d; "
                        "teams created: %(teams)d.",
                        created=plan.people_to_create, updated=plan.people_to_update,
                        teams=len(plan.new_teams)), "success")
                return redirect(url_for("people.people"))
            db.session.rollback()
    elif form.validate_on_submit():
        plan = imports.plan_import(form.file.data.read())
    if plan is not None:
        confirm.csv_text.data = plan.text
    return render_template("people/import.html", form=form, confirm=confirm, plan=plan,
                           preview_limit=IMPORT_PREVIEW_ROWS, role_labels=ROLE_LABELS)


@bp.route("/import/template.csv")
@role_required("admin")
def import_template():
    return Response(imports.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=bravo-people.csv"})
