"""Managers' wallboard links: create one for a campaign or a team (the link is shown once), list and revoke.

Only the token's digest is stored, so the page that creates a link is the only one that can show it: it
answers the POST itself (no redirect, which would have to carry the token through the session cookie)
and is never cached.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core.access import role_required
from core.clock import utcnow
from core.config import LOCALES
from core.errors import NotFound
from core.extensions import db
from core.forms import saving
from core.i18n import LANGUAGE_NAMES
from core.models import Team
from recognition.campaigns import access, queries, wallboards
from recognition.campaigns.kpi_forms import WallboardForm
from recognition.campaigns.models import Wallboard
from recognition.forms import ActionForm
from recognition.views import locale, me

bp = Blueprint("wallboard_links", __name__, url_prefix="/wallboards")
LINKS_SHOWN = 200


def _form(**kwargs) -> WallboardForm:
    """The form offering the campaigns the viewer runs and the teams they manage."""
    viewer = me()
    return WallboardForm(campaigns=db.session.execute(queries.wallboard_campaigns(viewer)).scalars(),
                         teams=db.session.execute(queries.wallboard_teams(viewer)).scalars(), locale=locale(),
                         **kwargs)


def _subject(form: WallboardForm) -> dict:
    """``campaign=`` or ``team=`` for :func:`wallboards.create_wallboard` (which checks the viewer runs it).

    :raise NotFound: for a campaign the viewer may not see, or a team that is gone
    """
    kind, record_id = form.chosen()
    if kind == "campaign":
        return {"campaign": access.visible_campaign_or_404(me(), record_id)}
    team = db.session.get(Team, record_id)
    if team is None:
        raise NotFound(_("Not found."), field="subject")
    return {"team": team}


def _links(token: str) -> list[tuple[str, str]]:
    """The new link in each language the screens speak: (language name, URL)."""
    return [(LANGUAGE_NAMES[lang], url_for("wallboard.page", token=token, lang=lang, _external=True))
            for lang in LOCALES]


@bp.route("", methods=["GET", "POST"])
@role_required("manager")
def index():
    """The viewer's links (all for an admin); the form to make one; the new link, once."""
    form = _form()
    created = None
    if form.validate_on_submit():
        with saving(form) as saved:
            board, token = wallboards.create_wallboard(actor=me(), now=utcnow(), label=form.label.data or "",
                                                       **_subject(form))
        if saved.ok:
            created = (board, _links(token))
            form = _form(formdata=None)
    boards = db.session.execute(wallboards.wallboards_visible_to(me()).order_by(Wallboard.id.desc())
                                .limit(LINKS_SHOWN)).scalars().all()
    response = render_template("campaigns/wallboard_links.html", form=form, boards=boards, created=created,
                               revoke_form=ActionForm(), locale=locale(), links_shown=LINKS_SHOWN)
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/<int:wallboard_id>/revoke")
@role_required("manager")
def revoke(wallboard_id: int):
    """The link stops working at once; 404 for a link the viewer may not manage."""
    board = db.session.get(Wallboard, wallboard_id)
    if board is None or not access.can_manage_wallboard(me(), board):
        abort(404)
    if ActionForm().validate_on_submit():
        wallboards.revoke_wallboard(board, actor=me(), now=utcnow())
        db.session.commit()
        flash(_("The link is revoked: its screens stop showing the board within seconds."), "success")
    return redirect(url_for("wallboard_links.index"))
