"""``/wallboard/<token>``: the TV page and its data (no login; the link is the key).

``GET /wallboard/<token>/data`` answers ``304 Not Modified`` to a matching ``If-None-Match`` after a
single query, without building the board; unknown and revoked links are 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from core.api import error_response
from core.clock import utcnow
from core.config import LOCALES
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


@bp.get("/<token>")
def page(token: str):
    """A plain full-screen board that polls its data (the pages helper replaces it with the TV page)."""
    lang = _lang()
    if board_version(token, now=utcnow(), lang=lang) is None:
        abort(404)
    return render_template("campaigns/wallboard.html",
                           data_url=url_for("wallboard.data", token=token, lang=lang))
