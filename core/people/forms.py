from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from core.auth.forms import language_choices
from core.people.imports import MAX_ROWS

ROLE_LABELS = {
    "agent": _l("Agent"),
    "supervisor": _l("Supervisor"),
    "manager": _l("Manager"),
    "admin": _l("Administrator"),
}


class PersonForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           description=_l("Lower-case letters, digits, dot, dash or underscore."))
    name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()])
    team = SelectField(_l("Team"), coerce=int)
    managed_sites = SelectMultipleField(_l("Sites managed"), coerce=int,
                                        description=_l("Managers oversee every team of these sites."))
    locale = SelectField(_l("Language"))
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)],
                           description=_l("An IANA name such as Asia/Shanghai; empty for the organisation's."))

    def __init__(self, *args, teams=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = [SelectChoice(0, str(_l("No team"))), *(SelectChoice(t.id, t.name) for t in teams)]
        self.managed_sites.choices = [SelectChoice(s.id, s.name) for s in sites]
        self.locale.choices = language_choices(blank=str(_l("As their browser")))


class NewPersonForm(PersonForm):
    password = PasswordField(_l("First password"), validators=[Optional(), Length(min=8)],
                             description=_l("Optional: give it to them privately; they can change it."),
                             render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8)],
                                 render_kw={"autocomplete": "new-password"})


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=120)])
    site = StringField(_l("Site"), validators=[Optional(), Length(max=120)],
                       description=_l("A new site is created when the name is new."))
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)],
                           description=_l("An IANA name such as Asia/Shanghai; empty for the organisation's."))
    supervisors = SelectMultipleField(_l("Supervisors"), coerce=int)

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.supervisors.choices = [SelectChoice(p.id, f"{p.name} ({p.username})") for p in leaders]


class PeopleFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    team = SelectField(_l("Team"), coerce=int, validators=[Optional()])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[SelectChoice("active", _l("Active")), SelectChoice("inactive", _l("Deactivated")),
                                  SelectChoice("all", _l("All"))])

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = [SelectChoice(0, str(_l("All teams"))), *(SelectChoice(t.id, t.name) for t in teams)]
        self.role.choices = [SelectChoice("", str(_l("All roles"))),
                             *(SelectChoice(role, label) for role, label in ROLE_LABELS.items())]


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("UTF-8 or GBK (as Excel saves it), with a header row; "
                                    "at most %(n)d people.", n=MAX_ROWS),
                     render_kw={"accept": ".csv,text/csv"})


class ConfirmImportForm(FlaskForm):
    """The confirm step carries the file's text; it is checked again, never trusted from the preview."""

    csv_text = HiddenField(validators=[DataRequired()])
