"""The application factory: configuration, extensions, blueprints, CLI and error handlers."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from core.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the app. ``config`` replaces the environment (tests); ``overrides`` win over both."""
    app = Flask(
        "bravo",
        root_path=str(ROOT),
        instance_path=str(ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    load_config(app, config, overrides)
    app.jinja_env.add_extension("jinja2.ext.do")
    _init_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from core import i18n, navigation
    from core.api import init_api, load_person_from_token
    from core.extensions import babel, csrf, db, login_manager, migrate
    from core.models import Person

    db.init_app(app)

    # First of all before_request hooks: it decides how this request's transactions begin.
    @app.before_request
    def declare_write_intent():
        from core.db import sqlite_write_intent

        view = app.view_functions.get(request.endpoint or "")
        handler = getattr(getattr(view, "view_class", None), request.method.lower(), None) or view
        writes = request.method not in ("GET", "HEAD", "OPTIONS") or getattr(view, "writes_on_read", False)
        sqlite_write_intent.set(writes and not getattr(handler, "writes_after_reading", False))

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    navigation.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_person(person_id: str):
        # A token in the request speaks for itself, even beside a browser session.
        if request.headers.get("Authorization"):
            return None
        person = db.session.get(Person, int(person_id))
        return person if person is not None and person.active else None

    login_manager.request_loader(load_person_from_token)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        from core.api import error_response, is_api_request

        if is_api_request():
            return error_response(401, "Sign in or send a valid token: Authorization: Bearer TOKEN.")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))

    init_api(app)


def _register_blueprints(app: Flask) -> None:
    import coaching
    import digests
    import recognition
    from core.api import register_api_blueprint
    from core.api.views import blp as core_api
    from core.auth.views import bp as auth
    from core.home.views import bp as home
    from core.people.views import bp as people

    app.register_blueprint(auth)
    app.register_blueprint(home)
    app.register_blueprint(people)
    register_api_blueprint(core_api)
    for area in (recognition, coaching, digests):
        area.init_app(app)


def _register_error_handlers(app: Flask) -> None:
    from flask_babel import gettext as _

    from core.api import domain_error_as_json, error_response, http_error_as_json, is_api_request
    from flask_wtf.csrf import CSRFError

    from core.errors import DomainError
    from core.extensions import db

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request():
            return http_error_as_json(error)
        if error.code in (403, 404, 405, 429) or (error.code or 500) >= 500:
            return render_template("core/error.html", error=error), error.code
        return error

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if is_api_request():
            return error_response(400, _("A session write needs the CSRF token in the X-CSRFToken header "
                                         "(the page's csrf-token meta tag), or use a Bearer token."), code="csrf")
        message = _("This form has expired or did not come from Bravo. Reload the page and try again.")
        return render_template("core/error.html", error=error, message=message), 400

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if is_api_request():
            return domain_error_as_json(error)
        return render_template("core/error.html", error=error), error.status

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # Two requests raced past a check; the database's unique key kept the data whole.
        db.session.rollback()
        message = _("This conflicts with a record that exists already.")
        if is_api_request():
            return error_response(409, message)
        return render_template("core/error.html", error=error, message=message), 409

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unexpected error on %s %s", request.method, request.path)
        db.session.rollback()
        message = _("Something went wrong on our side. It has been logged.")
        if is_api_request():
            return error_response(500, message)
        return render_template("core/error.html", error=error, message=message), 500


def _register_cli(app: Flask) -> None:
    from core.cli import register_cli

    register_cli(app)
