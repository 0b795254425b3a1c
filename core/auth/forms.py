from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.config import LOCALES
from core.i18n import LANGUAGE_NAMES
from core.services import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this computer"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


def language_choices(blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(code, LANGUAGE_NAMES[code]) for code in LOCALES]
    return [SelectChoice("", blank), *choices] if blank else choices


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"))
    timezone = StringField(_l("Time zone"), validators=[Length(max=64)],
                           description=_l("An IANA name such as Asia/Shanghai; empty for the organisation's."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices(blank=str(_l("As my browser")))


class LanguageForm(FlaskForm):
    locale = SelectField(choices=language_choices())
    next = HiddenField()
