"""``/wallboard/<token>``: the TV page and its data (no login; the link is the key).

``GET /wallboard/<token>/data`` answers ``304 Not Modified`` to a matching ``If-None-Match`` after a
single query, without building the board; unknown and revoked links are 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from core.api import error_response
from core.clock import org_timezone, utcnow
from core.config import LOCALES
from recognition.campaigns.queries import board_top_n
from recognition.campaigns.wallboards import board_data, board_version

bp = Blueprint("wallboard", __name__, url_prefix="/wallboard")


def _lang() -> str:
    lang = request.args.get("lang", "")
    return lang if lang in LOCALES else current_app.config["DEFAULT_LOCALE"]


@bp.get("/<token>/data")
def data(token: str):
    """The board's JSON with a strong ETag; 304 when the screen has it already."""
    now, lang = utcnow(), _lang()
    version = board_version(token, now=now, lang=lang)
    if version is None:
        return error_response(404, _("This wallboard link is unknown or was revoked."))
    if request.if_none_match.contains_weak(version.etag):
        response = current_app.response_class(status=304)
    else:
        response = jsonify(board_data(version, now=now, lang=lang))
    response.set_etag(version.etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _labels(top_n: int) -> dict[str, str]:
    """The page's words for its script, in the link's language (``{name}`` marks what the script fills in)."""
    return {
        "endsIn": _("Ends in"), "startsIn": _("Starts in"), "ended": _("The campaign has ended"),
        "starting": _("Starting now"),
        "top": _("Top %(n)d", n=top_n), "weekPoints": _("Points this week"),
        "score": _("score"), "points": _("points"),
        "target": _("Target %(target)s", target="{target}"),
        "met": _("Met"), "notMet": _("Not met yet"), "noData": _("No figures yet"),
        "noTop": _("No standings yet."), "noTargets": _("No targets bound to a KPI."),
        "noKudos": _("No kudos yet."),
        "kudosLine": _("%(giver)s to %(recipients)s", giver="{giver}", recipients="{recipients}"),
        "overallPlace": _("Overall #%(position)s", position="{position}"),
        "dimensionPlace": _("%(dimension)s #%(position)s", dimension="{dimension}", position="{position}"),
        "newAward": _("New award"),
        "updated": _("Updated %(time)s", time="{time}"),
        "offline": _("Offline: showing the data of %(time)s", time="{time}"),
        "connecting": _("Connecting…"),
        "revoked": _("This wallboard link is unknown or was revoked."),
    }


@bp.get("/<token>")
def page(token: str):
    """The TV page (no sign-in, no app chrome) in the link's language; ``wallboard.js`` fills it in."""
    lang = _lang()
    if board_version(token, now=utcnow(), lang=lang) is None:
        abort(404)
    with force_locale(lang):
        return render_template("campaigns/wallboard.html",
                               data_url=url_for("wallboard.data", token=token, lang=lang),
                               labels=_labels(board_top_n()), timezone=org_timezone().key)
