"""Digest pages: preferences with previews, team schedules, the inbox, one-click unsubscribe, and for
admins the delivery log and the chat webhooks."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.access import leads, managed_team_ids, role_required, supervised_team_ids
from core.clock import utcnow
from core.db import writes_on_read
from core.errors import DomainError
from core.extensions import db
from core.forms import saving
from core.models import Team
from digests import dispatch, queries, services
from digests.channels.email import OutcomeUnknown, SendFailed
from digests.channels.webhooks import body_for, post
from digests.forms import ConfirmForm, PreferencesForm, TeamScheduleForm, WebhookForm
from digests.models import DELIVERY_STATUSES, DIGEST_KINDS, InboxMessage
from digests.render import Digest, app_url, in_language, locale_of

bp = Blueprint("digests", __name__)
INBOX_PAGE = 20
LOG_PAGE = 100


# --- preferences -----------------------------------------------------------------------------

def _led_teams(person) -> list[Team]:
    """Teams whose digest schedule the person sets: those they supervise, and a manager's sites' teams."""
    ids = supervised_team_ids(person) | (managed_team_ids(person) if person.role == "manager" else set())
    return list(db.session.execute(select(Team).where(Team.id.in_(ids)).order_by(Team.name)).scalars())


def _previews(person) -> dict[str, Digest]:
    previews = {}
    for kind in DIGEST_KINDS:
        try:
            previews[kind] = dispatch.preview(person, kind, now=utcnow())
        except DomainError:
            continue
    return previews


@bp.route("/digests/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    person = current_user._get_current_object()
    current = services.preferences_of(person)
    form = PreferencesForm()
    if request.method == "GET":
        form.personal_frequency.data = current["personal"].frequency
        for kind in DIGEST_KINDS:
            getattr(form, f"{kind}_email").data = current[kind].email
            getattr(form, f"{kind}_in_app").data = current[kind].in_app
    if form.validate_on_submit():
        with saving(form) as saved:
            for kind in DIGEST_KINDS:
                services.set_preference(
                    person, kind, email=getattr(form, f"{kind}_email").data,
                    in_app=getattr(form, f"{kind}_in_app").data,
                    frequency=form.personal_frequency.data,
                )
        if saved.ok:
            flash(_("Your digest choices are saved."), "success")
            return redirect(url_for("digests.preferences"))
    teams = _led_teams(person)
    schedules = services.team_schedules(teams)
    schedule_forms = {}
    for team in teams:
        schedule = schedules[team.id]
        schedule_forms[team.id] = TeamScheduleForm(
            prefix=f"team-{team.id}", formdata=None, frequency=schedule.frequency, weekday=schedule.weekday,
            send_at=schedule.at.strftime("%H:%M"))
    return render_template("digests/preferences.html", form=form, previews=_previews(person),
                           is_supervisor=bool(supervised_team_ids(person)), teams=teams,
                           schedule_forms=schedule_forms)


@bp.route("/digests/teams/<int:team_id>/schedule", methods=["POST"])
@role_required("supervisor")
def team_schedule(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    if not leads(current_user, team):
        abort(403)
    form = TeamScheduleForm(prefix=f"team-{team.id}")
    if form.validate_on_submit():
        with saving(form) as saved:
            services.set_team_schedule(team, frequency=form.frequency.data, weekday=form.weekday.data,
                                       send_at=form.send_at.data, actor=current_user)
        if saved.ok:
            flash(_("The digest schedule of %(team)s is saved.", team=team.name), "success")
            return redirect(url_for("digests.preferences"))
    for message in [*form.form_errors, *(e for errors in form.errors.values() for e in errors)]:
        flash(f"{team.name}: {message}", "error")
    return redirect(url_for("digests.preferences"))


# --- one-click unsubscribe (RFC 8058): no sign-in, the signed link is the credential ----------

@bp.route("/digests/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    person, kind = services.unsubscribe_target(token)
    if request.method == "POST":
        services.unsubscribe(person, kind)
        db.session.commit()
        return render_template("digests/unsubscribe.html", done=True, kind=kind, token=token)
    return render_template("digests/unsubscribe.html", done=False, kind=kind, token=token)


# --- inbox -----------------------------------------------------------------------------------

@bp.route("/inbox")
@login_required
def inbox():
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(db.session.execute(
        queries.inbox_of(current_user).limit(INBOX_PAGE + 1).offset((page - 1) * INBOX_PAGE)).scalars())
    return render_template("digests/inbox.html", messages=rows[:INBOX_PAGE], page=page,
                           has_next=len(rows) > INBOX_PAGE, form=ConfirmForm())


@bp.route("/inbox/<int:message_id>")
@login_required
@writes_on_read
def inbox_message(message_id: int):
    """One message; opening it marks it read."""
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.person_id != current_user.id:
        abort(404)
    services.mark_read(current_user, message_id=message.id, now=utcnow())
    db.session.commit()
    return render_template("digests/inbox_message.html", message=message)


@bp.route("/inbox/read", methods=["POST"])
@login_required
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        services.mark_read(current_user, now=utcnow())
        db.session.commit()
    return redirect(url_for("digests.inbox"))


# --- admin: delivery log, webhooks -----------------------------------------------------------

@bp.route("/admin/deliveries")
@role_required("admin")
def deliveries():
    kind, period = request.args.get("kind"), request.args.get("period")
    status = request.args.get("status") if request.args.get("status") in DELIVERY_STATUSES else None
    if kind and period:
        rows = list(db.session.execute(
            queries.deliveries_of_run(kind, period, status=status).limit(LOG_PAGE)).scalars())
        return render_template("digests/run.html", kind=kind, period=period, status=status, rows=rows,
                               statuses=DELIVERY_STATUSES)
    page = max(request.args.get("page", 1, type=int), 1)
    runs = db.session.execute(queries.delivery_runs().limit(LOG_PAGE + 1).offset((page - 1) * LOG_PAGE)).all()
    return render_template("digests/deliveries.html", runs=runs[:LOG_PAGE], page=page,
                           has_next=len(runs) > LOG_PAGE, statuses=DELIVERY_STATUSES)


@bp.route("/admin/webhooks", methods=["GET", "POST"])
@role_required("admin")
def webhooks():
    teams = list(db.session.execute(select(Team).order_by(Team.name)).scalars())
    form = WebhookForm(teams=teams)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.create_webhook(form.url.data, form.format.data,
                                    team=db.session.get(Team, form.team.data) if form.team.data else None,
                                    secret=form.secret.data, actor=current_user)
        if saved.ok:
            flash(_("The webhook is added."), "success")
            return redirect(url_for("digests.webhooks"))
    hooks = list(db.session.execute(queries.all_webhooks()).scalars())
    return render_template("digests/webhooks.html", form=form, webhooks=hooks, confirm=ConfirmForm())


@bp.route("/admin/webhooks/<int:webhook_id>/delete", methods=["POST"])
@role_required("admin")
def delete_webhook(webhook_id: int):
    webhook = services.require_webhook(webhook_id)
    if ConfirmForm().validate_on_submit():
        services.delete_webhook(webhook, actor=current_user)
        db.session.commit()
        flash(_("The webhook is removed."), "success")
    return redirect(url_for("digests.webhooks"))


@bp.route("/admin/webhooks/<int:webhook_id>/test", methods=["POST"])
@role_required("admin")
def test_webhook(webhook_id: int):
    """Post a short test message now and say how it went."""
    webhook = services.require_webhook(webhook_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("digests.webhooks"))
    locale = locale_of(current_user)
    with in_language(locale):
        subject = _("Bravo test message")
        text = _("This chat room will receive team wins digests and award announcements from Bravo.")
    digest = Digest("test", subject, text, "", locale, markdown=f"**{subject}**\n\n{text}")
    try:
        post(webhook, body_for(webhook.format, digest, url=app_url("home.index"),
                               team=webhook.team.name if webhook.team else None), now=utcnow())
    except (SendFailed, OutcomeUnknown) as error:
        flash(_("The test message failed: %(error)s", error=str(error)), "error")
    else:
        flash(_("The test message was posted."), "success")
    return redirect(url_for("digests.webhooks"))
