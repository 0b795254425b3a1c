"""Forms of the digest pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from digests.models import WEBHOOK_FORMATS

FREQUENCY_LABELS = {"daily": _l("Daily"), "weekly": _l("Weekly"), "none": _l("Never")}
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday"))
FORMAT_LABELS = {"generic": _l("Generic JSON"), "slack": "Slack", "teams": "Microsoft Teams", "wecom": _l("WeCom"),
                 "dingtalk": _l("DingTalk"), "feishu": _l("Feishu")}


class PreferencesForm(FlaskForm):
    personal_frequency = RadioField(_l("How often"), choices=[SelectChoice(k, v) for k, v in FREQUENCY_LABELS.items()],
                                    default="weekly")
    personal_email = BooleanField(_l("By e-mail"), default=True)
    personal_in_app = BooleanField(_l("In the app"), default=True)
    team_email = BooleanField(_l("By e-mail"), default=True)
    team_in_app = BooleanField(_l("In the app"), default=True)
    supervisor_email = BooleanField(_l("By e-mail"), default=True)
    supervisor_in_app = BooleanField(_l("In the app"), default=True)


class TeamScheduleForm(FlaskForm):
    frequency = SelectField(_l("How often"), choices=[SelectChoice("weekly", _l("Weekly")),
                                                      SelectChoice("daily", _l("Daily"))])
    weekday = SelectField(_l("Day (weekly)"), coerce=int,
                          choices=[SelectChoice(i, label) for i, label in enumerate(WEEKDAY_LABELS)])
    send_at = StringField(_l("Time"), validators=[DataRequired(), Length(max=5)],
                          description=_l("HH:MM in the team's time zone."))


class WebhookForm(FlaskForm):
    url = StringField(_l("Webhook address"), validators=[DataRequired(), Length(max=2000)])
    format = SelectField(_l("Format"), choices=[SelectChoice(f, FORMAT_LABELS[f]) for f in WEBHOOK_FORMATS])
    team = SelectField(_l("Team"), coerce=int)
    secret = StringField(_l("Signing secret"), validators=[Optional(), Length(max=255)],
                         description=_l("DingTalk and Feishu only: the robot's signing secret."))

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = [SelectChoice(0, str(_l("Every team"))), *(SelectChoice(t.id, t.name) for t in teams)]


class ConfirmForm(FlaskForm):
    """A button that posts: CSRF only."""
