"""Forms of the recognition pages; the rules are the services' (their errors land on these fields)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from recognition.services import MAX_COMMENT_LENGTH, MAX_MESSAGE_LENGTH, MAX_RECIPIENTS

SEPARATORS = re.compile(r"[\s,;，、；]+")


class UsernameListField(Field):
    """Usernames from one text box ("li.na, zhao.lei") or from several same-named inputs (the picker)."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        words = (word.strip().lower() for value in valuelist for word in SEPARATORS.split(value or ""))
        self.data = list(dict.fromkeys(word for word in words if word))[:MAX_RECIPIENTS + 1]

    def _value(self) -> str:
        return ", ".join(self.data or [])


class GiveKudosForm(FlaskForm):
    recipients = UsernameListField(_l("People"), default=list,
                                   description=_l("Type part of a name, a username or pinyin initials."))
    # The services name an unknown team or an inactive value precisely: no generic "Not a valid choice".
    team = SelectField(_l("Or a whole team"), validators=[Optional()], validate_choice=False)
    value = SelectField(_l("Value"), validators=[DataRequired(message=_l("Choose a value."))],
                        validate_choice=False)
    message = TextAreaField(_l("What did they do?"), render_kw={"rows": 4, "maxlength": MAX_MESSAGE_LENGTH})
    points = IntegerField(_l("Points"), default=0, validators=[Optional(), NumberRange(min=0)])

    def __init__(self, *args, teams=(), values=(), locale=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = [SelectChoice("", str(_l("No team: the people above"))),
                             *(SelectChoice(t.name, t.name) for t in teams if t.active)]
        self.value.choices = [SelectChoice("", str(_l("Choose a value"))),
                              *(SelectChoice(v.slug, v.name_in(locale)) for v in values)]


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Comment"), validators=[Length(max=MAX_COMMENT_LENGTH)],
                         render_kw={"rows": 2, "maxlength": MAX_COMMENT_LENGTH})


class HideForm(FlaskForm):
    reason = StringField(_l("Reason for hiding"), validators=[Length(max=500)],
                         render_kw={"required": True, "maxlength": 500})


class ActionForm(FlaskForm):
    """A button that posts nothing but its CSRF token (applaud, retract, move, deactivate)."""


class ValueForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Lower-case letters, digits and dashes; used by the API. "
                                      "It cannot change."))
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=120)],
                          description=_l("Empty: the English name."))
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=1000)],
                                   render_kw={"rows": 2})
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=1000)],
                                   render_kw={"rows": 2})
