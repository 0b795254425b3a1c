"""Forms of a campaign's results pages: a supervisor's nomination and a manager's award citation.

The rules are the services' (:func:`recognition.campaigns.services.nominate`,
:func:`recognition.campaigns.awards.edit_citation`): their errors land on these fields, so the fields
carry the names the services give (``username``, ``dimension``, ``reason``, ``citation``).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired

from core.models import Person
from recognition.campaigns.awards import MAX_CITATION
from recognition.campaigns.models import Dimension
from recognition.campaigns.services import MAX_TEXT


class NominationForm(FlaskForm):
    # The service decides who may be nominated (a participant one leads) and names the broken rule,
    # so a person who left the team since the page loaded gets that message, not "Not a valid choice".
    username = SelectField(_l("Person"), validators=[DataRequired(message=_l("Choose a person."))],
                           validate_choice=False)
    dimension = SelectField(_l("Dimension"), validators=[DataRequired(message=_l("Choose a dimension."))],
                            validate_choice=False)
    reason = TextAreaField(_l("Reason"), description=_l("What did they do? Be specific: the reason is kept "
                                                        "with the nomination."),
                           render_kw={"rows": 3, "maxlength": MAX_TEXT})

    def __init__(self, *args, people: Iterable[Person] = (), dimensions: Iterable[Dimension] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.username.choices = [SelectChoice("", str(_l("Choose a person"))),
                                 *(SelectChoice(p.username, _person_label(p)) for p in people)]
        self.dimension.choices = [SelectChoice(str(d.id), d.name) for d in dimensions]


def _person_label(person: Person) -> str:
    return f"{person.name} ({person.team.name})" if person.team else person.name


class CitationForm(FlaskForm):
    """One award's citation; several on a page, each with the prefix ``award-<id>``."""

    citation = TextAreaField(_l("Citation"), render_kw={"rows": 2, "maxlength": MAX_CITATION})

    @classmethod
    def for_award(cls, award_id: int, **kwargs) -> CitationForm:
        return cls(prefix=f"award-{award_id}", **kwargs)
