"""`flask users`, `flask teams`, `flask tokens` and `flask demo` (API.md's command line)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from core import services
from core.errors import DomainError
from core.extensions import db

users_cli = AppGroup("users", help="People.")
teams_cli = AppGroup("teams", help="Teams.")
tokens_cli = AppGroup("tokens", help="Personal API tokens.")


def domain_errors_exit_1(command: Callable) -> Callable:
    """A broken rule ends the command with its message and exit status 1, writing nothing."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None

    return wrapped


@users_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Display name.")
@click.option("--email", required=True)
@click.option("--role", required=True, help="agent, supervisor, manager or admin.")
@click.option("--team", default=None, help="Team name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@domain_errors_exit_1
def create_user(username, name, email, role, team, password_stdin) -> None:
    """Create a person; prints nothing but errors."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    services.create_person(
        username, name, email, role,
        team=services.require_team(team) if team else None,
        password=password,
    )
    db.session.commit()


@teams_cli.command("create")
@click.argument("name")
@click.option("--site", default=None)
@click.option("--timezone", default=None, help="IANA time zone; the organisation's by default.")
@click.option("--supervisor", "supervisors", multiple=True, help="Username; may be given more than once.")
@domain_errors_exit_1
def create_team(name, site, timezone, supervisors) -> None:
    """Create a team."""
    services.create_team(
        name, site=site, timezone=timezone,
        supervisors=[services.require_person(u, field="supervisor") for u in supervisors],
    )
    db.session.commit()


@tokens_cli.command("create")
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, help="Extra scope, e.g. metrics.")
@click.option("--label", default="", help="What the token is for.")
@domain_errors_exit_1
def create_token(username, scopes, label) -> None:
    """Print a new personal API token; it is shown only here."""
    person = services.require_person(username)
    if not person.active:
        raise click.ClickException(_("%(name)s is deactivated.", name=person.username))
    _record, token = services.create_token(person, scopes=scopes, label=label)
    db.session.commit()
    click.echo(token)


@click.command("demo")
def load_demo() -> None:
    """Load a realistic demo organisation (safe to repeat)."""
    from core.demo import SIGN_IN_LINES, load_core_demo
    from core.hooks import demo_loaders

    lines = load_core_demo()
    for loader in demo_loaders():
        lines += loader()
    db.session.commit()
    lines += SIGN_IN_LINES
    for line in lines:
        click.echo(line)


def register_cli(app: Flask) -> None:
    from core.bench import bench_cli

    for command in (users_cli, teams_cli, tokens_cli, load_demo, bench_cli):
        app.cli.add_command(command)
