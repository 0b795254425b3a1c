"""Signing in and out, one's own password and preferences, and the language switch."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core import services
from core.auth.forms import LanguageForm, PasswordForm, PreferencesForm, SignInForm
from core.clock import utcnow
from core.db import writes_on_read
from core.errors import DomainError, TooManyAttempts
from core.extensions import db
from core.forms import saving
from core.own_data import own_data, own_data_filename

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths are followed after sign-in or a language switch."""
    # Browsers read a backslash as a slash: "/\\evil.com" would leave the site.
    if (target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//")
            and "\\" not in target):
        return target
    return fallback


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            person = services.sign_in(form.username.data, form.password.data, now=utcnow(),
                                      remote_addr=request.remote_addr)
        except TooManyAttempts as error:
            form.form_errors.append(error.message)
            status = 429
        except DomainError as error:
            form.form_errors.append(error.message)
            status = 401
        else:
            login_user(person, remember=form.remember.data)
            chosen_locale = session.pop("locale", None)
            if person.locale is None and chosen_locale:
                services.update_preferences(person, locale=chosen_locale, timezone=person.timezone)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        db.session.commit()  # failures are remembered for throttling
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/signout", methods=["POST"])
def sign_out():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    password_form = PasswordForm(prefix="password")
    preferences_form = PreferencesForm(prefix="prefs", obj=current_user)
    if request.method == "GET":
        preferences_form.locale.data = current_user.locale or ""
    if "password-current_password" in request.form and password_form.validate_on_submit():
        with saving(password_form) as saved:
            services.change_password(current_user, password_form.current_password.data,
                                     password_form.new_password.data)
        if saved.ok:
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.account"))
    elif "prefs-timezone" in request.form and preferences_form.validate_on_submit():
        with saving(preferences_form) as saved:
            services.update_preferences(current_user, locale=preferences_form.locale.data or None,
                                        timezone=preferences_form.timezone.data.strip() or None)
        if saved.ok:
            flash(_("Your preferences are saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", password_form=password_form,
                           preferences_form=preferences_form)


@bp.get("/account/data.json")
@login_required
@writes_on_read
def own_data_json():
    """Everything Bravo keeps about the signed-in person that they may read, as one JSON file."""
    now = utcnow()
    document = own_data(current_user, now=now)
    db.session.commit()
    # Readable as it is: Chinese names and messages as themselves, indented.
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition":
                             f"attachment; filename={own_data_filename(current_user, now)}"})


@bp.route("/language", methods=["POST"])
def switch_language():
    """The header's language switch: saved on the person when signed in, else for this session."""
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.update_preferences(current_user, locale=form.locale.data,
                                        timezone=current_user.timezone)
            db.session.commit()
        else:
            session["locale"] = form.locale.data
    return redirect(safe_next(form.next.data, url_for("home.index")))
