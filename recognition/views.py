"""Recognition pages: giving kudos, the feed and a kudos with its comments, profiles, leaderboards, and the
admins' values, fairness report and exports.

Reads come from :mod:`recognition.queries` and :mod:`recognition.reports` (a bounded number of queries a
page), writes from :mod:`recognition.services`; everything here is public within the organisation.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import queries as core_queries
from core.access import can_administer, role_required
from core.api import keyset_page
from core.auth.views import safe_next
from core.clock import utcnow
from core.extensions import db
from core.forms import flash_form_errors, saving
from core.models import Person
from core.services import require_person, require_team
from recognition import queries, reports, services
from recognition.badges import announcement_title, badge_title, value_names
from recognition.campaigns import queries as campaign_queries
from recognition.forms import ActionForm, CommentForm, GiveKudosForm, HideForm, ValueForm
from recognition.ledger import LEVEL_THRESHOLDS, level_for
from recognition.models import Kudos, Value

bp = Blueprint("recognition", __name__)

FEED_PAGE_SIZE = 20
PROFILE_LIST_SIZE = 10
CHART_MONTHS = 12
QUIET_DAYS = 30
QUIET_LIST_SIZE = 200
MUTUAL_SHARE = 0.5


def me() -> Person:
    return current_user._get_current_object()


def locale() -> str:
    return str(get_locale() or "en")


def top_n() -> int:
    return int(current_app.config["BOARD_TOP_N"])


def _all(stmt) -> list:
    return list(db.session.execute(stmt).scalars().unique())


def _back(fallback: str):
    return redirect(safe_next(request.form.get("next"), fallback))



def _names_for(items: list[queries.FeedItem]) -> dict[str, str]:
    """Value names for badge titles, read only when an announcement is on the page."""
    return value_names(locale()) if any(item.announcement for item in items) else {}


@bp.app_context_processor
def recognition_helpers():
    return {"announcement_title": announcement_title, "badge_title": badge_title}


# --- giving kudos ----------------------------------------------------------------------------

def _give_form() -> GiveKudosForm:
    return GiveKudosForm(teams=_all(core_queries.all_teams()), values=_all(queries.active_values()),
                         locale=locale())


@bp.route("/kudos/new", methods=["GET", "POST"])
@login_required
def give():
    giver, now = me(), utcnow()
    form = _give_form()
    if request.method == "GET":
        form.recipients.data = [u for u in [request.args.get("to", "").strip().lower()] if u]
        form.value.data = request.args.get("value", "")
    if form.validate_on_submit():
        with saving(form) as saved:
            kudos = services.give_kudos(
                giver, services.require_value(form.value.data), form.message.data or "",
                form.points.data or 0,
                recipients=[require_person(u, field="recipients") for u in form.recipients.data],
                team=require_team(form.team.data) if form.team.data else None, now=now,
            )
        if saved.ok:
            flash(_("Kudos sent to %(names)s.", names=", ".join(r.person.name for r in kudos.recipients)),
                  "success")
            return redirect(url_for("recognition.feed"))
    chosen = _all(core_queries.people_by_usernames(form.recipients.data)) if form.recipients.data else []
    known = {person.username: person for person in chosen}
    return render_template(
        "recognition/give.html", form=form, chosen=[(u, known[u].name if u in known else u)
                                                    for u in form.recipients.data],
        budget=services.monthly_budget(giver), budget_left=services.giving_budget_left(giver, now=now),
        min_length=int(current_app.config["KUDOS_MIN_MESSAGE_LENGTH"]),
    )


# --- the feed and one kudos ------------------------------------------------------------------

FEED_FILTERS = ("show", "person", "value")


def _feed_filters() -> dict:
    """The feed's filters from the query string: ``show=team``, ``person`` (received), ``value``."""
    filters, show = {}, request.args.get("show", "all")
    if show == "team":
        if me().team is None:
            return {"no_team": True}
        filters["team"] = me().team
    if request.args.get("person"):
        filters["recipient"] = require_person(request.args["person"], field="person")
    if request.args.get("value"):
        filters["value"] = services.require_value(request.args["value"])
    return filters


def _card_context() -> dict:
    window = timedelta(minutes=int(current_app.config["KUDOS_RETRACT_MINUTES"]))
    return {"now": utcnow(), "retract_window": window, "is_admin": can_administer(me())}


@bp.route("/kudos")
@login_required
def feed():
    """Everyone's kudos (or my team's, a person's, a value's) and announcements, newest first; "Load more"
    follows the cursor (``fragment=1``: the items alone, for the page's script)."""
    filters = _feed_filters()
    items, next_cursor = [], None
    if not filters.pop("no_team", False):
        items, next_cursor = queries.feed_page(me(), limit=FEED_PAGE_SIZE, cursor=request.args.get("cursor"),
                                               **filters)
    args = {k: v for k, v in request.args.items() if k in FEED_FILTERS}
    context = dict(items=items, next_cursor=next_cursor, names=_names_for(items), args=args,
                   **_card_context())
    if request.args.get("fragment"):
        return render_template("recognition/_feed_items.html", **context)
    return render_template("recognition/feed.html", values=_all(queries.active_values()),
                           show=request.args.get("show", "all"), person=filters.get("recipient"),
                           value=filters.get("value"), first_page=not request.args.get("cursor"), **context)


@bp.route("/kudos/<int:kudos_id>")
@login_required
def kudos_page(kudos_id: int):
    return _render_kudos(services.visible_kudos_or_404(kudos_id), CommentForm(), HideForm())


def _render_kudos(kudos, comment_form: CommentForm, hide_form: HideForm):
    return render_template("recognition/kudos.html", detail=queries.kudos_detail(kudos, me()),
                           comment_form=comment_form, hide_form=hide_form, **_card_context())


@bp.route("/kudos/<int:kudos_id>/applause", methods=["POST"])
@login_required
def applaud(kudos_id: int):
    """Applaud once (``undo=1`` withdraws it); back to where the button was."""
    kudos, form = services.visible_kudos_or_404(kudos_id), ActionForm()
    if form.validate_on_submit():
        with saving(form):
            if request.form.get("undo"):
                services.remove_reaction(kudos, me())
            else:
                services.react(kudos, me(), now=utcnow())
    flash_form_errors(form)
    return _back(url_for("recognition.kudos_page", kudos_id=kudos_id))


@bp.route("/kudos/<int:kudos_id>/comments", methods=["POST"])
@login_required
def comment(kudos_id: int):
    kudos, form = services.visible_kudos_or_404(kudos_id), CommentForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.add_comment(kudos, me(), form.text.data or "", now=utcnow())
        if saved.ok:
            return redirect(url_for("recognition.kudos_page", kudos_id=kudos_id, _anchor="comments"))
    return _render_kudos(kudos, form, HideForm(formdata=None))


@bp.route("/kudos/<int:kudos_id>/retract", methods=["POST"])
@login_required
def retract(kudos_id: int):
    """The giver takes a kudos back within the window; its points return to their budget."""
    kudos, form = services.visible_kudos_or_404(kudos_id), ActionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.retract_kudos(kudos, actor=me(), now=utcnow())
        if saved.ok:
            flash(_("Your kudos is taken back and its points are back in your budget."), "success")
            return _back(url_for("recognition.feed"))
    flash_form_errors(form)
    return _back(url_for("recognition.kudos_page", kudos_id=kudos_id))


@bp.route("/kudos/<int:kudos_id>/hide", methods=["POST"])
@role_required("admin")
def hide(kudos_id: int):
    """An admin hides a kudos with a reason (audited); nothing is refunded."""
    kudos, form = services.visible_kudos_or_404(kudos_id), HideForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.hide_kudos(kudos, actor=me(), reason=form.reason.data or "", now=utcnow())
        if saved.ok:
            flash(_("The kudos is hidden from feeds and boards."), "success")
            return redirect(url_for("recognition.feed"))
    return _render_kudos(kudos, CommentForm(formdata=None), form)


# --- profiles and boards ---------------------------------------------------------------------

@bp.route("/people/<username>")
@login_required
def profile(username: str):
    """A person's public recognition: kudos received and given, badges, points, level, a chart by value.

    Their rank this month shows when it is in the public top N, or to the person themselves.
    """
    viewer, person, now = me(), require_person(username), utcnow()
    received, _more = keyset_page(queries.kudos_feed(recipient=person), Kudos.id, limit=PROFILE_LIST_SIZE,
                                  cursor=None, descending=True)
    given, _more = keyset_page(queries.kudos_feed(giver=person), Kudos.id, limit=PROFILE_LIST_SIZE,
                               cursor=None, descending=True)
    badges = _all(queries.badges_of(person))
    points = services.points_balance(person)
    level = level_for(points)
    standing = queries.standing_of("people", person.id, "month", queries.period_key("month", now))
    if standing is not None and standing.rank > top_n() and viewer.id != person.id:
        standing = None
    received_count, given_count = reports.kudos_counts(person)
    both = list({k.id: k for k in received + given}.values())
    cards = {card.kudos.id: card for card in queries.cards_for(both, viewer)}
    return render_template(
        "recognition/profile.html", person=person, received=[cards[k.id] for k in received],
        given=[cards[k.id] for k in given], badges=badges, points=points, level=level,
        next_level_at=LEVEL_THRESHOLDS[level] if level < len(LEVEL_THRESHOLDS) else None,
        standing=standing, is_me=viewer.id == person.id, received_count=received_count,
        given_count=given_count,
        chart=reports.recognition_by_value(person, now=now, months=CHART_MONTHS, locale=locale()),
        names=value_names(locale()) if badges else {}, **_card_context(),
    )


@bp.route("/leaderboard")
@login_required
def leaderboard():
    """This week's or month's top N people and teams (organisation time zone), or a running campaign's by
    score (its tab shows only while one runs that the viewer sees); the viewer's own rank, when outside the
    top, is shown to them alone, and a supervisor sees their team's ranks."""
    now, limit = utcnow(), top_n()
    campaign = campaign_queries.running_campaign_for(me(), now=now)
    period = request.args.get("period", "week")
    if period == "campaign" and campaign is not None:
        people, teams = (queries.leaderboard(me(), period="campaign", scope=scope, limit=limit, now=now,
                                             campaign_id=campaign.id) for scope in ("people", "teams"))
        return render_template("recognition/leaderboard.html", period=period, people=people, teams=teams,
                               top_n=limit, campaign=people.campaign,
                               dates=(people.campaign.first_day, people.campaign.last_day))
    if period not in queries.BOARD_PERIODS:
        period = "week"
    people = queries.leaderboard(me(), period=period, scope="people", limit=limit, now=now)
    teams = queries.leaderboard(me(), period=period, scope="teams", limit=limit, now=now)
    return render_template("recognition/leaderboard.html", period=period, people=people, teams=teams,
                           top_n=limit, campaign=campaign,
                           dates=reports.period_dates(period, people.period_key),
                           led=queries.standings_of_led_people(me(), period=period, now=now))


# --- admin: values ---------------------------------------------------------------------------

def _value_or_404(value_id: int) -> Value:
    return db.session.get(Value, value_id) or abort(404)


@bp.route("/admin/values")
@role_required("admin")
def values():
    return render_template("recognition/values.html", values=_all(queries.all_values()))


@bp.route("/admin/values/new", methods=["GET", "POST"])
@role_required("admin")
def new_value():
    form = ValueForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            value = services.create_value(
                form.slug.data, name_en=form.name_en.data, name_zh=form.name_zh.data or None,
                description_en=form.description_en.data or "", description_zh=form.description_zh.data or "",
                actor=me(),
            )
        if saved.ok:
            flash(_("The value %(name)s is added.", name=value.name_in(locale())), "success")
            return redirect(url_for("recognition.values"))
    return render_template("recognition/value_form.html", form=form, value=None)


@bp.route("/admin/values/<int:value_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_value(value_id: int):
    value = _value_or_404(value_id)
    form = ValueForm(obj=value)
    del form.slug  # the API and badges know a value by its slug
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_value(value, name_en=form.name_en.data,
                                  name_zh=form.name_zh.data or form.name_en.data,
                                  description_en=form.description_en.data or "",
                                  description_zh=form.description_zh.data or "", actor=me())
        if saved.ok:
            flash(_("The value %(name)s is saved.", name=value.name_in(locale())), "success")
            return redirect(url_for("recognition.values"))
    return render_template("recognition/value_form.html", form=form, value=value)


@bp.route("/admin/values/<int:value_id>/active", methods=["POST"])
@role_required("admin")
def set_value_active(value_id: int):
    value, form = _value_or_404(value_id), ActionForm()
    active = request.form.get("active") == "1"
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_value(value, active=active, actor=me())
        if saved.ok:
            name = value.name_in(locale())
            flash(_("%(name)s is in use again.", name=name) if active
                  else _("%(name)s no longer takes new kudos; past kudos keep it.", name=name), "success")
    flash_form_errors(form)
    return redirect(url_for("recognition.values"))


@bp.route("/admin/values/<int:value_id>/move", methods=["POST"])
@role_required("admin")
def move_value(value_id: int):
    value, form = _value_or_404(value_id), ActionForm()
    if form.validate_on_submit():
        with saving(form):
            services.move_value(value, -1 if request.form.get("direction") == "up" else 1, actor=me())
    flash_form_errors(form)
    return redirect(url_for("recognition.values"))


# --- admin: fairness and exports -------------------------------------------------------------

def _month_arg() -> str:
    return reports.valid_month(request.args.get("month"), queries.period_key("month", utcnow()))


@bp.route("/admin/fairness")
@role_required("admin")
def fairness():
    """Reciprocal pairs whose points mostly go to each other, people no one recognised lately, value usage."""
    month, since = _month_arg(), utcnow() - timedelta(days=QUIET_DAYS)
    quiet = reports.unrecognised_people(since)
    return render_template(
        "recognition/fairness.html", month=month, month_name=reports.month_label(month),
        months=reports.last_months(utcnow(), 12)[::-1],
        pairs=reports.mostly_mutual_pairs(month, min_share=MUTUAL_SHARE),
        quiet=db.session.execute(quiet.limit(QUIET_LIST_SIZE)).all(), quiet_count=reports.count_of(quiet),
        quiet_days=QUIET_DAYS, usage=reports.value_usage(month), mutual_share=MUTUAL_SHARE,
    )


FAIRNESS_PARTS = ("pairs", "unrecognised", "values")


@bp.route("/admin/fairness.csv")
@role_required("admin")
def fairness_csv():
    """One part of the fairness report as CSV: ``part=pairs`` (of ``month``), ``unrecognised``, ``values``."""
    part, month = request.args.get("part", "pairs"), _month_arg()
    if part not in FAIRNESS_PARTS:
        abort(404)
    if part == "pairs":
        rows = ([p.first.username, p.first.name, p.second.username, p.second.name, p.first_to_second,
                 p.second_to_first, round(p.first_share * 100), round(p.second_share * 100)]
                for p in reports.mostly_mutual_pairs(month, min_share=MUTUAL_SHARE))
        header = ("person_a", "name_a", "person_b", "name_b", "points_a_to_b", "points_b_to_a",
                  "share_a_percent", "share_b_percent")
        return reports.csv_response(f"bravo-reciprocal-pairs-{month}.csv", header, rows)
    if part == "unrecognised":
        since = utcnow() - timedelta(days=QUIET_DAYS)
        rows = ([person.username, person.name, person.team.name if person.team else "", person.role,
                 last_at.isoformat() if last_at else ""]
                for person, last_at in db.session.execute(reports.unrecognised_people(since)))
        return reports.csv_response("bravo-unrecognised.csv",
                                    ("username", "name", "team", "role", "last_kudos_utc"), rows)
    rows = ([u.value.slug, u.value.name_en, u.value.name_zh, u.kudos, u.points, u.givers,
             round(u.share * 100)] for u in reports.value_usage(month))
    return reports.csv_response(f"bravo-value-usage-{month}.csv",
                ("value", "name_en", "name_zh", "kudos", "points", "givers", "share_percent"), rows)


@bp.route("/admin/kudos.csv")
@role_required("admin")
def kudos_csv():
    """Every kudos, retracted and hidden ones included (``month=YYYY-MM`` for one month)."""
    month = reports.valid_month(request.args.get("month"), "") or None
    return reports.csv_response(f"bravo-kudos-{month or 'all'}.csv", reports.KUDOS_EXPORT_HEADER,
                reports.kudos_export_rows(month))
