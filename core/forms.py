"""Helpers shared by every area's forms."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm

from core.errors import DomainError
from core.extensions import db


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's error beside the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def flash_form_errors(form: FlaskForm) -> None:
    """Flash a form's errors, for a small form posted from a page that redirects back (a comment box)."""
    for message in [*form.form_errors, *(error for field in form for error in field.errors)]:
        flash(message, "error")


@dataclass
class Outcome:
    ok: bool = False


@contextmanager
def saving(form: FlaskForm) -> Iterator[Outcome]:
    """Run a form's service calls as one unit: commit them, or roll back and show the broken rule.

        with saving(form) as saved:
            team = services.create_team(...)
        if saved.ok:
            return redirect(...)
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return
    db.session.commit()
    outcome.ok = True
