"""Forms of the campaign pages; the rules are the services' (their errors land beside these fields).

The campaign editor describes a :class:`~recognition.campaigns.services.CampaignSpec`: start and end are
entered in the organisation's time zone and handed over in UTC; requirements and dimensions are repeating
rows (a row left blank is ignored), and a service error naming a row (``dimensions.1.weight``) is shown
beside that row's field.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateTimeLocalField, Field, FieldList, FloatField, Form, FormField, IntegerField, SelectChoice,
    SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import HiddenInput

from core.clock import org_timezone
from core.models import Team
from recognition.campaigns.models import Campaign, MetricDefinition
from recognition.campaigns.services import (
    MAX_DIMENSIONS, MAX_REQUIREMENTS, MAX_TEXT, CampaignSpec, DimensionSpec, RequirementSpec, SourceSpec,
)
from recognition.models import Value

# --- labels of the campaigns' codes ----------------------------------------------------------

STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Starting soon"),
    "running": _l("Running"),
    "ended": _l("Ended"),
    "published": _l("Awards published"),
}
SOURCE_LABELS = {
    "metric": _l("A KPI"),
    "kudos": _l("Kudos received"),
    "nominations": _l("Supervisor nominations"),
}
AGGREGATE_LABELS = {"sum": _l("Sum of the days"), "mean": _l("Mean of the days"), "rate": _l("Rate")}
DIRECTION_LABELS = {"higher_better": _l("Higher is better"), "lower_better": _l("Lower is better")}
CAMPAIGN_LABELS = {"state": STATE_LABELS, "source": SOURCE_LABELS, "aggregate": AGGREGATE_LABELS,
                   "direction": DIRECTION_LABELS}


# --- the campaign editor ---------------------------------------------------------------------

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
BLANK_ROWS = 2
# Rows beyond these are dropped unread (the services' own limits are lower and named in their messages).
MAX_REQUIREMENT_ROWS = MAX_REQUIREMENTS + 20
MAX_DIMENSION_ROWS = MAX_DIMENSIONS + 20


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(code, label) for code, label in labels.items()]
    return [SelectChoice("", blank), *choices] if blank is not None else choices


def from_org_time(moment: datetime | None) -> datetime | None:
    """A date and time entered in the organisation's time zone, in UTC."""
    return None if moment is None else moment.replace(tzinfo=org_timezone()).astimezone(timezone.utc)


def to_org_time(moment: datetime) -> datetime:
    """A stored moment as the editor's input shows it: the organisation's wall-clock time."""
    return moment.astimezone(org_timezone()).replace(tzinfo=None)


class RequirementRowForm(Form):
    """One requirement of the brief, optionally bound to a KPI with a target."""

    text = TextAreaField(_l("Requirement"), render_kw={"rows": 2, "maxlength": MAX_TEXT})
    metric = SelectField(_l("Measured by KPI"), validate_choice=False)
    target = FloatField(_l("Target"), validators=[Optional()],
                        description=_l("A rate as a fraction: 0.015 is 1.5 %."))
    direction = SelectField(_l("Met when"), choices=_choices(DIRECTION_LABELS, _l("As the KPI says")))

    def is_blank(self) -> bool:
        return not (self.text.data or "").strip() and not self.metric.data and self.target.data is None

    def spec(self) -> RequirementSpec:
        return RequirementSpec(self.text.data or "", self.metric.data or None, self.target.data,
                               self.direction.data or None)


class DimensionRowForm(Form):
    """One weighted dimension and its source; only the fields of the chosen source are read."""

    dimension_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    name = StringField(_l("Dimension"), render_kw={"maxlength": 120})
    weight = FloatField(_l("Weight"), default=1, validators=[Optional()])
    kind = SelectField(_l("Scored from"), choices=_choices(SOURCE_LABELS))
    metric = SelectField(_l("KPI"), validate_choice=False)
    aggregate = SelectField(_l("Aggregate"), choices=_choices(AGGREGATE_LABELS, _l("As the KPI says")))
    direction = SelectField(_l("Better when"), choices=_choices(DIRECTION_LABELS, _l("As the KPI says")))
    value = SelectField(_l("Kudos in value"), validate_choice=False)
    min_volume = FloatField(_l("Minimum volume"), validators=[Optional()],
                            description=_l("To be eligible: days with data (a rate: its denominator, e.g. "
                                           "calls), or kudos or nominations received."))

    def is_blank(self) -> bool:
        """A new row with neither a name nor a source chosen (a kept dimension is never blank)."""
        return (self.dimension_id.data is None and not (self.name.data or "").strip() and not self.metric.data
                and not self.value.data)

    def spec(self) -> DimensionSpec:
        kind = self.kind.data
        source = SourceSpec(kind, min_volume=self.min_volume.data)
        if kind == "metric":
            source.metric = self.metric.data or None
            source.aggregate = self.aggregate.data or None
            source.direction = self.direction.data or None
        elif kind == "kudos":
            source.value = self.value.data or None
        return DimensionSpec(self.name.data or "", self.weight.data, source, self.dimension_id.data)


ROW_FORMS: dict[str, type[Form]] = {"requirements": RequirementRowForm, "dimensions": DimensionRowForm}
# Service error fields that are not the names of this form's fields.
SPEC_FIELDS = {"awards.top_n": "top_n", "awards.points": "award_points", "awards.budget": "award_budget"}
ROW_SPEC_FIELDS = {"id": "dimension_id"}


class CampaignForm(FlaskForm):
    """The campaign editor. ``teams``, ``metrics`` and ``values`` are the choices offered."""

    name = StringField(_l("Name"), render_kw={"maxlength": 200})
    name_zh = StringField(_l("Chinese name"), render_kw={"maxlength": 200, "lang": "zh-Hans-CN"},
                          description=_l("Optional: shown to people who use Bravo in Chinese."))
    description = TextAreaField(_l("Description"), render_kw={"rows": 3, "maxlength": 5000})
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMATS,
                                   validators=[InputRequired(message=_l("Choose a date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMATS,
                                 validators=[InputRequired(message=_l("Choose a date and time."))])
    teams = SelectMultipleField(_l("Participating teams"), validate_choice=False,
                                description=_l("The active agents of these teams take part. Hold Ctrl (⌘ on a "
                                               "Mac) to choose several."))
    requirements = FieldList(FormField(RequirementRowForm), max_entries=MAX_REQUIREMENT_ROWS)
    dimensions = FieldList(FormField(DimensionRowForm), max_entries=MAX_DIMENSION_ROWS)
    top_n = IntegerField(_l("Awards per category (top N)"), validators=[Optional()],
                         description=_l("Overall and in each dimension."))
    one_per_person = BooleanField(_l("One award per person"),
                                  description=_l("Someone already awarded makes room for the next in line, so "
                                                 "different strengths are recognised."))
    award_points = IntegerField(_l("Points per award"), validators=[Optional()])
    award_budget = IntegerField(_l("Award budget (points)"), validators=[Optional()],
                                description=_l("All the awards together grant at most this."))

    def __init__(self, *args, teams: Sequence[Team] = (), metrics: Sequence[MetricDefinition] = (),
                 values: Sequence[Value] = (), locale: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams.choices = [SelectChoice(team.name, team.name) for team in teams]
        self._metric_choices = [SelectChoice("", str(_l("No KPI"))),
                                *(SelectChoice(m.slug, f"{m.name_in(locale)} ({m.slug})") for m in metrics)]
        self._value_choices = [SelectChoice("", str(_l("Any value"))),
                               *(SelectChoice(v.slug, v.name_in(locale)) for v in values)]
        for name in ROW_FORMS:
            for entry in self[name]:
                self._offer_choices(entry.form)
        self._spec_rows: dict[str, list[Form]] = {name: [] for name in ROW_FORMS}

    def _offer_choices(self, row: Form) -> None:
        row.metric.choices = self._metric_choices
        if isinstance(row, DimensionRowForm):
            row.value.choices = self._value_choices

    # --- repeating rows ---

    def add_blank_rows(self, count: int = BLANK_ROWS) -> None:
        for name in ROW_FORMS:
            for _ in range(count):
                self._offer_choices(self[name].append_entry().form)

    def row_template(self, name: str) -> Form:
        """A blank row named ``<list>-__index__-<field>``: the editor's script copies it for "Add"."""
        row = ROW_FORMS[name](formdata=None, prefix=f"{name}-__index__-")
        self._offer_choices(row)
        return row

    def apply_row_button(self, formdata) -> bool:
        """Without JavaScript, "Add" and "Remove" post the form: show it again with a row more or less.

        :return: whether such a button was pressed (then nothing is saved)
        """
        added = formdata.get("add_row")
        if added in ROW_FORMS:
            rows = self[added]
            if len(rows.entries) < rows.max_entries:
                self._offer_choices(rows.append_entry().form)
            return True
        removed = formdata.get("remove_row")
        if removed:
            for name in ROW_FORMS:
                rows = self[name].entries
                self[name].entries = [row for row in rows if row.name != removed]
                if len(rows) != len(self[name].entries):
                    return True
        return False

    # --- the spec ---

    def spec(self) -> CampaignSpec:
        """The campaign as the services take it (blank rows left out; remembered to place errors)."""
        self._spec_rows = {name: [entry.form for entry in self[name] if not entry.form.is_blank()]
                           for name in ROW_FORMS}
        return CampaignSpec(
            name=self.name.data or "", name_zh=self.name_zh.data or "", description=self.description.data or "",
            starts_at=from_org_time(self.starts_at.data), ends_at=from_org_time(self.ends_at.data),
            teams=list(self.teams.data or []),
            requirements=[row.spec() for row in self._spec_rows["requirements"]],
            dimensions=[row.spec() for row in self._spec_rows["dimensions"]],
            top_n=self.top_n.data, one_per_person=bool(self.one_per_person.data),
            award_points=self.award_points.data, award_budget=self.award_budget.data,
        )

    def __getattr__(self, name: str) -> Field:
        """Services name a field by its place in the spec (``dimensions.1.source.metric``,
        ``awards.points``); :func:`core.forms.saving` looks it up here to show the message beside it."""
        field = self._field_at(name) if "." in name else None
        if field is None:
            raise AttributeError(name)
        return field

    def _field_at(self, path: str) -> Field | None:
        if path in SPEC_FIELDS:
            return self[SPEC_FIELDS[path]]
        parts = path.split(".")
        if len(parts) < 3 or not parts[1].isdigit():
            return None
        rows, index = self._spec_rows.get(parts[0], []), int(parts[1])
        if index >= len(rows):
            return None
        name = ROW_SPEC_FIELDS.get(parts[-1], parts[-1])
        return rows[index][name] if name in rows[index] else None


def campaign_form_data(campaign: Campaign, value_slugs: dict[int, str]) -> dict:
    """The editor's fields for an existing campaign (dimension rows carry their id, so nominations stay)."""
    return {
        "name": campaign.name, "name_zh": campaign.name_zh, "description": campaign.description,
        "starts_at": to_org_time(campaign.starts_at), "ends_at": to_org_time(campaign.ends_at),
        "teams": [team.name for team in campaign.teams],
        "requirements": [{"text": r.text, "metric": r.metric.slug if r.metric else "", "target": r.target,
                          "direction": r.direction or ""} for r in campaign.requirements],
        "dimensions": [{"dimension_id": d.id, "name": d.name, "weight": d.weight, "kind": d.source,
                        "metric": d.metric.slug if d.metric else "", "aggregate": d.aggregate or "",
                        "direction": d.direction or "", "value": value_slugs.get(d.value_id, ""),
                        "min_volume": d.min_volume or None} for d in campaign.dimensions],
        "top_n": campaign.award_top_n, "one_per_person": campaign.award_one_per_person,
        "award_points": campaign.award_points, "award_budget": campaign.award_budget,
    }


# --- a campaign's actions --------------------------------------------------------------------

class DeleteDraftForm(FlaskForm):
    """Deleting a draft is confirmed with a tick, no script needed."""

    confirm = BooleanField(_l("Yes, delete this draft"),
                           validators=[DataRequired(message=_l("Tick the box to confirm the deletion."))])
