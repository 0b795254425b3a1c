"""Forms of the KPI pages (definitions, CSV upload and its confirm step) and the wallboard-link page.

The services check every rule (slug shape, names, aggregate, access); these forms only parse the input
and name the fields the services name in their errors, so a broken rule shows beside its field.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.models import Team
from recognition.campaigns.models import Campaign

AGGREGATE_LABELS = {"sum": _l("Sum"), "mean": _l("Mean"), "rate": _l("Rate")}
# Plain words for the form: how a KPI's daily rows add up over a campaign, and what the file must hold.
AGGREGATE_HELP = {
    "sum": _l("Adds up the daily values: calls handled, tickets solved. Each row has a value."),
    "mean": _l("Averages the daily values: average handling time. Each row has a value."),
    "rate": _l("Divides the total of the numerators by the total of the denominators: satisfied surveys out "
               "of all surveys. Each row has a numerator and a denominator, not a value, so a busy day "
               "weighs more than a quiet one."),
}
DIRECTION_LABELS = {"higher_better": _l("Higher is better"), "lower_better": _l("Lower is better")}


class MetricDefinitionForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Lower-case letters, digits, dots, dashes or underscores, as in the "
                                      "CSV files and the API. It cannot change later."))
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=120)],
                          description=_l("Empty: the English name."))
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=32)],
                       description=_l("Shown after the numbers, e.g. %, s or calls. With %, a rate of 0.9 "
                                      "shows as 90 %."))
    aggregate = RadioField(_l("How the days add up"), validators=[DataRequired()],
                           choices=[SelectChoice(kind, label) for kind, label in AGGREGATE_LABELS.items()],
                           description=_l("It cannot change later: define another KPI instead."))
    direction = SelectField(_l("Which way is better"),
                            choices=[SelectChoice(kind, label) for kind, label in DIRECTION_LABELS.items()])


class MetricRenameForm(MetricDefinitionForm):
    """A KPI keeps its slug, aggregate and direction: files, the API and past campaigns rely on them."""

    slug = None
    aggregate = None
    direction = None


class KpiUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("UTF-8 or GBK (as Excel saves it), with a header row."),
                     render_kw={"accept": ".csv,text/csv"})


class KpiImportForm(FlaskForm):
    """The confirm step carries the file's text; it is checked again, never trusted from the preview."""

    csv_text = HiddenField(validators=[DataRequired()])
    valid_rows_only = BooleanField()


class WallboardForm(FlaskForm):
    subject = SelectField(_l("What it shows"), validators=[DataRequired()])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=120)],
                        description=_l("Where the screen hangs, e.g. Floor 3 east."))

    def __init__(self, *args, campaigns: Iterable[Campaign] = (), teams: Iterable[Team] = (),
                 locale: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        groups = {
            str(_l("Campaigns")): [SelectChoice(f"campaign:{c.id}", c.name_in(locale)) for c in campaigns],
            str(_l("Teams")): [SelectChoice(f"team:{t.id}", t.name) for t in teams],
        }
        self.subject.choices = {group: choices for group, choices in groups.items() if choices}

    @property
    def has_subjects(self) -> bool:
        return bool(self.subject.choices)

    def chosen(self) -> tuple[str, int]:
        """The kind (``campaign`` or ``team``) and id of the chosen subject."""
        kind, _sep, record_id = self.subject.data.partition(":")
        return kind, int(record_id)
