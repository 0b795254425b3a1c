"""Coaching pages: the supervisors' coaching area, entries, the monitoring roster, the managers' overview and
disputes, the agent's own coaching, one-to-ones, the journal and the growth timeline.

Records come only through :mod:`coaching.access` (404 for what the viewer may not see) and
:mod:`coaching.queries`; reads of someone else's record are audited, so those GET views write.
"""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from coaching import access, queries, roster, services
from coaching.forms import (
    AmendForm, EntryForm, JournalForm, KudosForm, MeetingActionForm, NoteForm, OneToOneForm, ResolveForm,
    ResponseForm,
)
from coaching.models import ENTRY_KINDS, NOTE_KINDS, CoachingEntry, JournalEntry
from core import hooks
from core.access import has_role, role_required
from core.auth.views import safe_next
from core.clock import utcnow
from core.db import writes_on_read
from core.errors import Conflict, DomainError, NotAllowed, NotFound
from core.extensions import db
from core.forms import apply_domain_error, saving
from core.i18n import select_timezone
from core.models import Person
from core.services import person_by_username
from recognition import queries as recognition_queries
from recognition import services as recognition_services
from recognition.badges import badge_title, value_names

bp = Blueprint("coaching", __name__, url_prefix="/coaching")
one_to_ones_bp = Blueprint("one_to_ones", __name__, url_prefix="/one-to-ones")
journal_bp = Blueprint("journal", __name__, url_prefix="/journal")
growth_bp = Blueprint("growth", __name__)

PAGE_SIZE = 20
LIST_LIMIT = 50
FOLLOW_UP_DAYS_AHEAD = 7
KPI_DAYS = 14
TIMELINE_DAYS = 183


def me() -> Person:
    return current_user._get_current_object()


def _today(now: datetime) -> date:
    return services.org_today(now)


def _all(stmt, limit: int | None = None) -> list:
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int), 1)


def _paged(stmt) -> tuple[list, int, bool]:
    """One page of ``stmt`` (ordered): its rows, the page number and whether there is a next page."""
    page = _page_number()
    rows = _all(stmt.offset((page - 1) * PAGE_SIZE), PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE


def _back(fallback: str):
    return redirect(safe_next(request.form.get("next"), fallback))


# --- the supervisors' coaching area ----------------------------------------------------------

@bp.route("/")
@role_required("supervisor")
def index():
    """My agents at a glance, follow-ups and actions due, drafts to share, disputes, this week's roster."""
    lead, now = me(), utcnow()
    today = _today(now)
    agents = _all(queries.my_agents(lead))
    return render_template(
        "coaching/index.html",
        summaries=queries.agent_summaries(lead, agents, today=today),
        follow_ups=_all(queries.follow_ups_due(today=today, author=lead, within_days=FOLLOW_UP_DAYS_AHEAD),
                        LIST_LIMIT),
        actions=_all(queries.open_actions(author=lead), LIST_LIMIT),
        drafts=_all(queries.drafts_by(lead), LIST_LIMIT),
        disputes=_all(queries.open_disputes_on(lead), LIST_LIMIT),
        draws=_all(roster.roster_week(lead, today)),
        today=today, now=now, is_share_overdue=queries.is_share_overdue,
    )


def _entry_form(agents=None) -> EntryForm:
    form = EntryForm(agents=agents)
    if request.method == "POST":
        _apply_row_buttons(form)
    return form


def _apply_row_buttons(form: EntryForm) -> bool:
    """The "add an action" / "remove" buttons re-show the form with one row more or less (no JavaScript)."""
    if "add_action" in request.form:
        form.actions.append_entry()
        return True
    remove = request.form.get("remove_action")
    if remove is not None and remove.isdigit() and int(remove) < len(form.actions.entries):
        form.actions.entries.pop(int(remove))
        if not form.actions.entries:
            form.actions.append_entry()
        return True
    return False


def _row_button_pressed() -> bool:
    return "add_action" in request.form or "remove_action" in request.form


def _apply_entry_error(form: EntryForm, error: DomainError) -> None:
    """Show an error of the n-th action (``actions.n.due_on``) beside that row's field."""
    match = re.fullmatch(r"actions\.(\d+)\.(\w+)", error.field or "")
    rows = form.action_rows()
    field = getattr(rows[int(match[1])], match[2], None) if match and int(match[1]) < len(rows) else None
    if field is None:
        apply_domain_error(form, error)
    else:
        field.errors = [*field.errors, error.message]


def _action_drafts(form: EntryForm) -> list[services.ActionDraft]:
    return [services.ActionDraft(row.text.data or "", row.due_on.data or "", row.owner.data)
            for row in form.action_rows()]


@bp.route("/new", methods=["GET", "POST"])
@role_required("supervisor")
def new_entry():
    """Write a draft entry for an agent of a team you lead."""
    author = me()
    agents = _all(queries.coachable_people(author))
    form = _entry_form(agents)
    if request.method == "GET":
        chosen = person_by_username(request.args.get("agent", ""))
        form.agent.data = chosen.id if chosen is not None else 0
        kind = request.args.get("kind")
        form.kind.data = kind if kind in ENTRY_KINDS else "side_by_side"
        form.occurred_on.data = _today(utcnow())
    if not _row_button_pressed() and form.validate_on_submit():
        agent = next((person for person in agents if person.id == form.agent.data), None)
        try:
            if agent is None:
                raise NotAllowed(_("You can only coach agents of the teams you lead."), field="agent")
            entry = services.create_entry(author, agent, kind=form.kind.data, actions=_action_drafts(form),
                                          now=utcnow(), **form.field_values())
        except DomainError as error:
            db.session.rollback()
            _apply_entry_error(form, error)
        else:
            db.session.commit()
            flash(_("The draft is saved. Only you can see it until you share it."), "success")
            return redirect(url_for("coaching.entry", entry_id=entry.id))
    return render_template("coaching/entry_form.html", form=form, entry=None)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required("supervisor")
def edit_entry(entry_id: int):
    """Edit your draft in place (a shared entry is amended instead)."""
    author = me()
    entry = access.visible_entry_or_404(author, entry_id)
    if entry.shared_at is not None or entry.author_id != author.id:
        return redirect(url_for("coaching.entry", entry_id=entry.id))
    if request.method == "POST":
        form = _entry_form()
    else:
        rows = [{"text": action.text, "due_on": action.due_on,
                 "owner": "agent" if action.owner_id == entry.agent_id else "author"}
                for action in entry.actions]
        fields = {name: getattr(entry, name) for name in services.ENTRY_FIELDS}
        form = EntryForm(data={**fields, "actions": rows or [{}]})
    if not _row_button_pressed() and form.validate_on_submit():
        try:
            services.update_draft(entry, author, actions=_action_drafts(form), now=utcnow(),
                                  **form.field_values())
        except DomainError as error:
            db.session.rollback()
            _apply_entry_error(form, error)
        else:
            db.session.commit()
            flash(_("The draft is saved."), "success")
            return redirect(url_for("coaching.entry", entry_id=entry.id))
    return render_template("coaching/entry_form.html", form=form, entry=entry)


@bp.route("/<int:entry_id>/share", methods=["POST"])
@role_required("supervisor")
def share_entry(entry_id: int):
    author = me()
    entry = access.visible_entry_or_404(author, entry_id)
    try:
        services.share_entry(entry, author, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Shared with %(name)s.", name=entry.agent.name), "success")
    return redirect(url_for("coaching.entry", entry_id=entry.id))


# --- one entry -------------------------------------------------------------------------------

def _kpi_loop(entry: CoachingEntry) -> dict | None:
    """The target KPI 14 days before and after the conversation, when an area provides KPIs and has data."""
    if not entry.target_metric:
        return None
    day = entry.occurred_on
    series = hooks.kpi_series(entry.agent, entry.target_metric, day - timedelta(days=KPI_DAYS),
                              day + timedelta(days=KPI_DAYS))
    if not series:
        return None
    before = [(d, v) for d, v in series if d < day]
    after = [(d, v) for d, v in series if d > day]

    def mean(points):
        return sum(v for _d, v in points) / len(points) if points else None

    return {"metric": entry.target_metric, "before": before, "after": after, "before_mean": mean(before),
            "after_mean": mean(after), "days": KPI_DAYS}


def _kudos_form() -> KudosForm:
    return KudosForm(values=_all(recognition_queries.active_values()), locale=str(get_locale() or "en"))


def _entry_page(entry: CoachingEntry, viewer: Person, status: int = 200, **forms):
    now = utcnow()
    live = entry.shared_at is not None and entry.withdrawn_at is None
    is_author, is_agent = viewer.id == entry.author_id, viewer.id == entry.agent_id
    author_leads = is_author and access.can_coach(viewer, entry.agent)
    manager = access.is_manager_of_agent(viewer, entry.agent)
    can = {
        "edit": author_leads and entry.shared_at is None,
        "amend": live and (author_leads or manager),
        "resolve": manager and entry.dispute is not None and entry.dispute.resolved_at is None,
        "publish": (author_leads and live and entry.went_well_kudos_id is None
                    and bool(entry.went_well.strip())),
        "respond": is_agent and live and entry.response is None,
        "complete_actions": live and (is_agent or author_leads or manager
                                      or access.leads_agent(viewer, entry.agent)),
    }
    kudos_form = forms.get("kudos_form") or (_kudos_form() if can["publish"] else None)
    return render_template(
        "coaching/entry.html", entry=entry, can=can, is_agent=is_agent, is_author=is_author,
        response_form=forms.get("response_form") or ResponseForm(),
        amend_form=forms.get("amend_form") or AmendForm(),
        resolve_form=forms.get("resolve_form") or ResolveForm(),
        kudos_form=kudos_form,
        budget_left=recognition_services.giving_budget_left(viewer, now=now) if can["publish"] else None,
        share_overdue=queries.is_share_overdue(entry, now=now),
        kpi=_kpi_loop(entry), now=now, today=_today(now),
    ), status


@bp.route("/<int:entry_id>")
@login_required
@writes_on_read
def entry(entry_id: int):
    """An entry with its actions, the agent's answer, the dispute and the amendments (reads audited)."""
    viewer = me()
    found = access.visible_entry_or_404(viewer, entry_id)
    services.record_read(viewer, found)
    db.session.commit()  # first: a commit expires what was loaded
    return _entry_page(queries.entry_detail(found), viewer)


def _entry_form_post(entry_id: int, form_name: str, form, action) -> object:
    """Validate ``form``, run ``action(entry, viewer)`` (one service), commit and go back to the entry;
    on bad input, show the entry page again with the form's messages (a refusal is flashed instead: the
    form may no longer be shown)."""
    viewer = me()
    entry = access.visible_entry_or_404(viewer, entry_id)
    if form.validate_on_submit():
        try:
            message = action(entry, viewer)
        except (Conflict, NotAllowed) as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("coaching.entry", entry_id=entry.id))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("coaching.entry", entry_id=entry.id))
    return _entry_page(queries.entry_detail(entry), viewer, status=400, **{form_name: form})


@bp.route("/<int:entry_id>/response", methods=["POST"])
@login_required
def respond(entry_id: int):
    """The agent acknowledges; agreeing or not (with a comment), and how useful it was."""
    form = ResponseForm()

    def answer(entry, agent):
        agrees = form.agrees.data != "no"
        services.respond_to_entry(entry, agent, agrees=agrees, comment=form.comment.data,
                                  usefulness=form.usefulness.data or None, now=utcnow())
        return _("Thank you: your answer is recorded.") if agrees else _(
            "Your answer is recorded. A manager will review the entry and write the outcome.")

    return _entry_form_post(entry_id, "response_form", form, answer)


@bp.route("/<int:entry_id>/amendments", methods=["POST"])
@role_required("supervisor")
def amend(entry_id: int):
    """Amend a shared entry: one field, its new value and why; the history keeps the old value."""
    form = AmendForm()

    def change(entry, actor):
        services.amend_entry(entry, actor, {form.field.data: form.new_value.data}, reason=form.reason.data,
                             now=utcnow())
        return _("The entry is amended; the change and its reason are in its history.")

    return _entry_form_post(entry_id, "amend_form", form, change)


@bp.route("/<int:entry_id>/resolution", methods=["POST"])
@role_required("manager")
def resolve_dispute(entry_id: int):
    """A manager over the agent's team resolves the dispute with an outcome and a written resolution."""
    form = ResolveForm()

    def resolve(entry, manager):
        services.resolve_dispute(entry, manager, outcome=form.outcome.data, resolution=form.resolution.data,
                                 changes=form.changes(), now=utcnow())
        return _("The dispute is resolved; the agent and the author see the outcome.")

    return _entry_form_post(entry_id, "resolve_form", form, resolve)


@bp.route("/<int:entry_id>/kudos", methods=["POST"])
@role_required("supervisor")
def publish_kudos(entry_id: int):
    """Turn what went well into a public kudos (that text only), once."""
    form = _kudos_form()

    def publish(entry, author):
        value = recognition_services.require_value(form.value.data)
        services.publish_went_well(entry, author, value, form.points.data or 0, now=utcnow())
        return _("What went well is published as kudos for %(name)s.", name=entry.agent.name)

    return _entry_form_post(entry_id, "kudos_form", form, publish)


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@login_required
def complete_action(action_id: int):
    actor = me()
    action = access.visible_action_or_404(actor, action_id)
    try:
        services.complete_action(action, actor, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The action is marked done."), "success")
    return _back(url_for("coaching.entry", entry_id=action.entry_id))


# --- the monitoring roster -------------------------------------------------------------------

@bp.route("/roster")
@role_required("supervisor")
@writes_on_read
def roster_page():
    """This week's random-monitoring sample (drawn on the first visit of the week) and past weeks."""
    supervisor, now = me(), utcnow()
    week = roster.current_week_start(now)
    roster.draw_roster(supervisor, week, rng=random.Random(), now=now)
    db.session.commit()
    draws = _all(roster.roster_week(supervisor, week))
    history: dict[date, list] = {}
    for draw in _all(roster.roster_history(supervisor, week)):
        history.setdefault(draw.week_start, []).append(draw)
    return render_template("coaching/roster.html", week=week, draws=draws, history=history)


# --- managers --------------------------------------------------------------------------------

@bp.route("/overview")
@role_required("manager")
def overview():
    """Coaching across the teams you manage."""
    now = utcnow()
    return render_template("coaching/overview.html",
                           teams=queries.team_overview(me(), today=_today(now), now=now))


@bp.route("/disputes")
@role_required("manager")
def disputes():
    """Disputes of agents in the teams you manage, soonest due first; overdue ones flagged."""
    return render_template("coaching/disputes.html", disputes=_all(queries.open_disputes(me())), now=utcnow())


# --- the agent's own coaching ----------------------------------------------------------------

@bp.route("/mine")
@login_required
def mine():
    """My shared entries (newest first), what to acknowledge, my open actions and one-to-ones."""
    person = me()
    entries, page, has_next = _paged(queries.entries_of(person))
    return render_template(
        "coaching/mine.html", entries=entries, page=page, has_next=has_next,
        to_acknowledge=_all(queries.awaiting_response(person)),
        actions=_all(queries.open_actions(agent=person), LIST_LIMIT),
        meetings=_all(queries.my_upcoming_one_to_ones(person), 5),
        consent=queries.history_consent(person), today=_today(utcnow()),
    )


@bp.route("/consent", methods=["POST"])
@login_required
def consent():
    """Whether the leads of my current team see my coaching history from other teams: allow, not now, stop."""
    person, now = me(), utcnow()
    decision = request.form.get("decision")
    actions = {"allow": services.grant_history_consent, "not_now": services.decline_history_consent,
               "stop": services.revoke_history_consent}
    if person.team is None or decision not in actions:
        flash(_("Choose whether to show your history."), "error")
        return _back(url_for("coaching.mine"))
    actions[decision](person, person.team, now=now)
    db.session.commit()
    flash(_("Your supervisors in %(team)s can now see your coaching history.", team=person.team.name)
          if decision == "allow" else _("Your coaching history from other teams stays private."), "success")
    return _back(url_for("coaching.mine"))


# --- one-to-ones -----------------------------------------------------------------------------

@one_to_ones_bp.route("/")
@login_required
def meetings():
    """My one-to-ones, on either side: the coming ones and the past ones."""
    person = me()
    past, page, has_next = _paged(queries.my_past_one_to_ones(person))
    return render_template("coaching/one_to_ones.html",
                           upcoming=_all(queries.my_upcoming_one_to_ones(person)), past=past, page=page,
                           has_next=has_next, now=utcnow(), can_schedule=has_role(person, "supervisor"))


@one_to_ones_bp.route("/new", methods=["GET", "POST"])
@role_required("supervisor")
def new_meeting():
    """Schedule a one-to-one with an agent of a team you supervise."""
    supervisor = me()
    agents = _all(queries.schedulable_agents(supervisor))
    form = OneToOneForm(agents=agents)
    if request.method == "GET":
        chosen = person_by_username(request.args.get("agent", ""))
        form.agent.data = chosen.id if chosen is not None else 0
    if form.validate_on_submit():
        agent = next((person for person in agents if person.id == form.agent.data), None)
        with saving(form) as saved:
            if agent is None:
                raise NotAllowed(_("You can only meet agents of the teams you supervise."), field="agent")
            when = form.scheduled_for.data.replace(tzinfo=ZoneInfo(select_timezone()))
            meeting = services.schedule_one_to_one(supervisor, agent, when, cadence=form.cadence.data,
                                                   now=utcnow())
        if saved.ok:
            flash(_("The one-to-one with %(name)s is scheduled.", name=agent.name), "success")
            return redirect(url_for("one_to_ones.meeting", meeting_id=meeting.id))
    return render_template("coaching/one_to_one_form.html", form=form)


NOTE_PROMPTS = {
    "agenda": _l("Add an agenda item"),
    "shared": _l("Add to the shared notes"),
    "private": _l("Add a private note"),
    "growth_goal": _l("Where do you want to grow?"),
    "learned": _l("What did you learn this month?"),
}


def _note_forms() -> dict[str, NoteForm]:
    """One note form per kind; the field names carry the kind as a prefix, so the labels stay unique."""
    forms = {}
    for kind in NOTE_KINDS:
        form = NoteForm(prefix=kind)
        form.kind.data = kind
        form.text.label.text = NOTE_PROMPTS[kind]
        forms[kind] = form
    return forms


@one_to_ones_bp.route("/<int:meeting_id>")
@login_required
@writes_on_read
def meeting(meeting_id: int):
    """The meeting: agenda, shared notes, my private notes, growth goals, action items (reads audited)."""
    viewer = me()
    found = access.visible_one_to_one_or_404(viewer, meeting_id)
    services.record_read(viewer, found)
    db.session.commit()  # first: a commit expires what was loaded
    detail = queries.meeting_detail(found, viewer)
    notes: dict[str, list] = {kind: [] for kind in NOTE_KINDS}
    for note in detail.notes:
        notes[note.kind].append(note)
    is_participant = found.is_participant(viewer)
    active = is_participant and (viewer.id == found.agent_id or access.leads_agent(viewer, found.agent))
    return render_template(
        "coaching/one_to_one.html", meeting=found, notes=notes, actions=detail.actions,
        note_forms=_note_forms(), action_form=MeetingActionForm(), is_participant=is_participant,
        active=active, is_agent=viewer.id == found.agent_id, is_supervisor=viewer.id == found.supervisor_id,
        open=found.completed_at is None, now=utcnow(),
    )


def _meeting_post(meeting_id: int, action) -> object:
    """Run ``action(meeting, viewer)`` (one service) and go back to the meeting; errors are flashed."""
    viewer = me()
    found = access.visible_one_to_one_or_404(viewer, meeting_id)
    try:
        message, target = action(found, viewer)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        target = found
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("one_to_ones.meeting", meeting_id=target.id))


@one_to_ones_bp.route("/<int:meeting_id>/notes", methods=["POST"])
@login_required
def add_note(meeting_id: int):
    kind = request.form.get("kind_prefix", "")
    form = NoteForm(prefix=kind) if kind in NOTE_KINDS else NoteForm()

    def add(meeting, author):
        if not form.validate_on_submit() or form.kind.data != kind:
            raise DomainError(_("Write the note first."), field="text")
        services.add_one_to_one_note(meeting, author, form.kind.data, form.text.data, now=utcnow())
        return _("The note is added."), meeting

    return _meeting_post(meeting_id, add)


@one_to_ones_bp.route("/<int:meeting_id>/actions", methods=["POST"])
@login_required
def add_action(meeting_id: int):
    form = MeetingActionForm()

    def add(meeting, actor):
        if not form.validate_on_submit():
            messages = [error for errors in form.errors.values() for error in errors]
            raise DomainError(" ".join(messages), field="text")
        owner = meeting.supervisor if form.owner.data == "supervisor" else meeting.agent
        services.add_one_to_one_action(meeting, actor, form.text.data, owner=owner, due_on=form.due_on.data,
                                       now=utcnow())
        return _("The action item is added; it carries over until it is done."), meeting

    return _meeting_post(meeting_id, add)


@one_to_ones_bp.route("/actions/<int:action_id>/done", methods=["POST"])
@login_required
def complete_action_item(action_id: int):
    actor = me()
    action = access.visible_one_to_one_action_or_404(actor, action_id)
    try:
        services.complete_one_to_one_action(action, actor, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The action item is marked done."), "success")
    return _back(url_for("one_to_ones.meeting", meeting_id=action.meeting_id))


@one_to_ones_bp.route("/<int:meeting_id>/complete", methods=["POST"])
@role_required("supervisor")
def complete_meeting(meeting_id: int):
    """The supervisor completes the meeting; the next one is scheduled by the pair's cadence."""

    def finish(meeting, supervisor):
        following = services.complete_one_to_one(meeting, supervisor, now=utcnow())
        return _("The one-to-one is completed; the next one is scheduled."), following

    return _meeting_post(meeting_id, finish)


# --- journal ---------------------------------------------------------------------------------

@journal_bp.route("/", methods=["GET", "POST"])
@login_required
def journal():
    """My private growth journal: only I can ever read it."""
    person = me()
    form = JournalForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.write_journal_entry(person, form.text.data, now=utcnow())
        if saved.ok:
            flash(_("Saved in your private journal."), "success")
            return redirect(url_for("journal.journal"))
    entries, page, has_next = _paged(
        queries.journal_of(person).order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc()))
    return render_template("coaching/journal.html", form=form, entries=entries, page=page, has_next=has_next)


# --- the growth timeline ---------------------------------------------------------------------

def _timeline(viewer: Person, agent: Person):
    try:
        end = date.fromisoformat(request.args.get("until", ""))
    except ValueError:
        end = _today(utcnow())
    start = end - timedelta(days=TIMELINE_DAYS)
    services.record_timeline_read(viewer, agent)
    db.session.commit()  # first: a commit expires what was loaded
    items = queries.growth_timeline(viewer, agent, start=start, end=end)
    names = value_names(str(get_locale() or "en")) if any(item.kind == "badge" for item in items) else {}
    return render_template("coaching/growth.html", agent=agent, items=items, start=start, end=end,
                           earlier=start - timedelta(days=1), own=viewer.id == agent.id,
                           badge_title=lambda b: badge_title(b.code, b.context_key, value_names=names))


@growth_bp.route("/growth")
@login_required
@writes_on_read
def my_growth():
    """My growth timeline: coaching, one-to-ones, kudos, awards and badges in one private history."""
    person = me()
    return _timeline(person, person)


@growth_bp.route("/people/<username>/growth")
@login_required
@writes_on_read
def person_growth(username: str):
    """An agent's growth timeline, for the agent and their leads only (404 for anyone else)."""
    viewer, agent = me(), person_by_username(username)
    if agent is None or not (viewer.id == agent.id or access.leads_agent(viewer, agent)):
        raise NotFound(_("Not found."))
    return _timeline(viewer, agent)
