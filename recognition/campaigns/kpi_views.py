"""KPI pages: definitions (managers), and the CSV upload with its template, preview, per-row errors and
"import the valid rows".

The upload is two steps without anything kept on the server: the preview page carries the decoded text
of the file in a hidden field of its confirm form, and the confirm step checks that text again from
scratch (nothing from the preview is trusted) before writing. Stateless, so it works with several web
machines, and the file never sits in the session cookie. The confirm form is url-encoded: Werkzeug caps
a multipart field at 500 kB but not a url-encoded body, which only ``MAX_CONTENT_LENGTH`` (16 MB) bounds;
a KPI file of 100,000 rows is about 4 MB, some 5.5 MB once url-encoded.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from core.access import role_required
from core.clock import utcnow
from core.errors import InvalidInput
from core.extensions import db
from core.forms import apply_domain_error, saving
from core.models import Person
from core.people.imports import decode_csv
from recognition.campaigns import kpis
from recognition.campaigns.kpi_forms import (
    AGGREGATE_HELP, AGGREGATE_LABELS, DIRECTION_LABELS, KpiImportForm, KpiUploadForm, MetricDefinitionForm,
    MetricRenameForm,
)
from recognition.campaigns.models import MetricDefinition
from recognition.views import locale, me

bp = Blueprint("kpis", __name__, url_prefix="/kpis")
PREVIEW_ROWS = 10
ERRORS_SHOWN = 500


def _metrics() -> list[MetricDefinition]:
    return list(db.session.execute(kpis.all_metric_definitions()).scalars())


def _labels() -> dict:
    return {"aggregates": AGGREGATE_LABELS, "directions": DIRECTION_LABELS, "aggregate_help": AGGREGATE_HELP}


# --- definitions -----------------------------------------------------------------------------

@bp.get("")
@role_required("manager")
def definitions():
    return render_template("campaigns/kpi_definitions.html", metrics=_metrics(), **_labels())


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new_definition():
    form = MetricDefinitionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            metric = kpis.create_metric_definition(
                form.slug.data, name_en=form.name_en.data, name_zh=form.name_zh.data or None,
                unit=form.unit.data or "", aggregate=form.aggregate.data, direction=form.direction.data,
                actor=me())
        if saved.ok:
            flash(_("The KPI %(name)s is defined.", name=metric.name_in(locale())), "success")
            return redirect(url_for("kpis.definitions"))
    return render_template("campaigns/kpi_form.html", form=form, metric=None, **_labels())


@bp.route("/<slug>", methods=["GET", "POST"])
@role_required("manager")
def edit_definition(slug: str):
    metric = kpis.metric_by_slug(slug) or abort(404)
    form = MetricRenameForm(obj=metric)
    if form.validate_on_submit():
        with saving(form) as saved:
            kpis.update_metric_definition(metric, actor=me(), name_en=form.name_en.data,
                                          name_zh=form.name_zh.data or form.name_en.data,
                                          unit=form.unit.data or "")
        if saved.ok:
            flash(_("The KPI %(name)s is saved.", name=metric.name_in(locale())), "success")
            return redirect(url_for("kpis.definitions"))
    return render_template("campaigns/kpi_form.html", form=form, metric=metric, **_labels())


# --- upload ----------------------------------------------------------------------------------

def _uploaded_text(form: KpiUploadForm) -> str | None:
    """The file's text (UTF-8 with or without BOM, or GBK); ``None`` with a message beside the field."""
    try:
        return decode_csv(form.file.data.read())
    except InvalidInput as error:
        apply_domain_error(form, error)
        return None


def _imported_message(plan: kpis.MetricsCsvPlan) -> str:
    message = ngettext("%(num)d row imported.", "%(num)d rows imported.", plan.written)
    if plan.row_errors:
        message += " " + ngettext("%(num)d row with errors was left out.",
                                  "%(num)d rows with errors were left out.", len(plan.row_errors))
    return message


def _preview_people(plan: kpis.MetricsCsvPlan) -> dict[int, Person]:
    """The people of the preview's first rows, in one query."""
    ids = {row.person_id for row in plan.checked.rows[:PREVIEW_ROWS]}
    if not ids:
        return {}
    return {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(ids))).scalars()}


@bp.route("/upload", methods=["GET", "POST"])
@role_required("manager")
def upload():
    """Upload a KPI file: a preview with per-row errors, then "Import N rows", or "Import the valid rows"."""
    form, confirm = KpiUploadForm(), KpiImportForm()
    plan = None
    if "csv_text" in request.form:
        if confirm.validate_on_submit():
            plan = kpis.import_metrics_csv(confirm.csv_text.data, actor=me(), now=utcnow(),
                                           import_valid_rows=confirm.valid_rows_only.data)
            if plan.written:
                db.session.commit()
                flash(_imported_message(plan), "success")
                return redirect(url_for("kpis.upload"))
            db.session.rollback()
    elif form.validate_on_submit():
        text = _uploaded_text(form)
        if text is not None:
            confirm.csv_text.data = text
            plan = kpis.plan_metrics_csv(text, now=utcnow())
    metrics = _metrics()
    return render_template(
        "campaigns/kpi_upload.html", form=form, confirm=confirm, plan=plan, metrics=metrics,
        metric_by_id={m.id: m for m in metrics}, people=_preview_people(plan) if plan else {},
        preview_rows=PREVIEW_ROWS, errors_shown=ERRORS_SHOWN, locale=locale(), **_labels())


@bp.get("/template.csv")
@role_required("manager")
def template():
    """A KPI file to start from, with example rows of the KPIs defined (yesterday's date)."""
    yesterday = kpis.org_today(utcnow()) - timedelta(days=1)
    return Response(kpis.metrics_template_csv(_metrics(), day=yesterday), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=bravo-kpis.csv"})
