"""The signed-in home page: what matters to this person today."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from core.home.panels import home_panels

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    return render_template("core/home.html", panels=home_panels(current_user))
