"""Forms of the coaching pages, and the labels of coaching's codes (kinds, states, outcomes...)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField,
    SelectChoice, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from coaching.services import ACTION_MAX, JOURNAL_MAX, REF_MAX, TEXT_MAX

KIND_LABELS = {
    "monitoring_random": _l("Call monitoring: random sample"),
    "monitoring_recording": _l("Call monitoring: recording review"),
    "side_by_side": _l("Call monitoring: side by side"),
    "qa_evaluation": _l("QA evaluation"),
    "floor_support": _l("Floor support"),
    "follow_up": _l("Follow-up"),
    "other": _l("Other"),
}
STATE_LABELS = {
    "draft": _l("Draft"),
    "shared": _l("To acknowledge"),
    "acknowledged": _l("Acknowledged"),
    "disputed": _l("Disputed"),
    "resolved": _l("Dispute resolved"),
    "withdrawn": _l("Withdrawn"),
}
OUTCOME_LABELS = {
    "upheld": _l("Upheld: the entry stands"),
    "amended": _l("Amended: the entry is corrected"),
    "withdrawn": _l("Withdrawn: the entry no longer stands"),
}
FIELD_LABELS = {
    "occurred_on": _l("Date"),
    "interaction_ref": _l("Interaction reference"),
    "went_well": _l("What went well"),
    "to_improve": _l("What to improve"),
    "follow_up_on": _l("Follow-up date"),
    "target_metric": _l("Target KPI"),
    "qa_score": _l("QA score"),
}
CADENCE_LABELS = {"weekly": _l("Weekly"), "fortnightly": _l("Every two weeks"), "monthly": _l("Monthly")}
NOTE_KIND_LABELS = {
    "agenda": _l("Agenda"),
    "shared": _l("Shared notes"),
    "private": _l("Private notes"),
    "growth_goal": _l("Where do you want to grow?"),
    "learned": _l("What did you learn this month?"),
}
LABELS = {"kind": KIND_LABELS, "state": STATE_LABELS, "outcome": OUTCOME_LABELS, "field": FIELD_LABELS,
          "cadence": CADENCE_LABELS, "note_kind": NOTE_KIND_LABELS}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in labels.items()]


def _people_choices(people, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(person.id, f"{person.name} ({person.username})") for person in people]
    return [SelectChoice(0, blank), *choices] if blank else choices


# --- coaching entries ------------------------------------------------------------------------

class ActionRowForm(Form):
    """One agreed action; a row left entirely blank is ignored."""

    text = StringField(_l("Action"), validators=[Optional(), Length(max=ACTION_MAX)])
    owner = SelectField(_l("Owner"), choices=[SelectChoice("agent", _l("The agent")),
                                              SelectChoice("author", _l("Me"))])
    due_on = DateField(_l("Due"), validators=[Optional()])

    def is_blank(self) -> bool:
        return not (self.text.data or "").strip() and self.due_on.data is None


class EntryForm(FlaskForm):
    """A coaching entry; the agent and the kind are chosen for a new entry only (``agents`` given)."""

    agent = SelectField(_l("Agent"), coerce=int)
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS))
    occurred_on = DateField(_l("Date of the conversation"), validators=[InputRequired()])
    interaction_ref = StringField(_l("Interaction reference"), validators=[Optional(), Length(max=REF_MAX)],
                                  description=_l("Optional: the call or ticket number."))
    qa_score = IntegerField(_l("QA score"), validators=[Optional(), NumberRange(min=0, max=100)],
                            description=_l("0 to 100; for a QA evaluation only."))
    went_well = TextAreaField(_l("What went well"), validators=[Length(max=TEXT_MAX)],
                              render_kw={"rows": 4})
    to_improve = TextAreaField(_l("What to improve"), validators=[Length(max=TEXT_MAX)],
                               render_kw={"rows": 4})
    actions = FieldList(FormField(ActionRowForm), min_entries=1, max_entries=20)
    follow_up_on = DateField(_l("Follow-up date"), validators=[Optional()])
    target_metric = StringField(_l("Target KPI"), validators=[Optional(), Length(max=64)],
                                description=_l("Optional: the slug of the KPI this should move, e.g. aht."))

    def __init__(self, *args, agents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agents is None:
            del self.agent
            del self.kind
        else:
            self.agent.choices = _people_choices(agents, blank=str(_l("Choose an agent")))

    def validate_agent(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose an agent."))

    def action_rows(self) -> list[ActionRowForm]:
        return [row.form for row in self.actions if not row.form.is_blank()]

    def field_values(self) -> dict:
        """The entry fields as the services take them."""
        return {
            "occurred_on": self.occurred_on.data,
            "interaction_ref": self.interaction_ref.data,
            "qa_score": self.qa_score.data,
            "went_well": self.went_well.data,
            "to_improve": self.to_improve.data,
            "follow_up_on": self.follow_up_on.data,
            "target_metric": self.target_metric.data,
        }


class AmendForm(FlaskForm):
    field = SelectField(_l("Field"), choices=_choices(FIELD_LABELS))
    new_value = TextAreaField(_l("New value"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 3},
                              description=_l("Dates as YYYY-MM-DD; leave empty to clear an optional field."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                           render_kw={"rows": 2})


class ResponseForm(FlaskForm):
    agrees = RadioField(_l("Do you agree?"), choices=[SelectChoice("yes", _l("I agree")),
                                                      SelectChoice("no", _l("I disagree"))],
                        default="yes", validators=[InputRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 3},
                            description=_l("Required when you disagree: say what you see differently."))
    usefulness = RadioField(_l("How useful was this?"), coerce=int, validators=[Optional()],
                            choices=[SelectChoice(n, str(n)) for n in range(1, 6)])


class ResolveForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=_choices(OUTCOME_LABELS), validators=[InputRequired()])
    resolution = TextAreaField(_l("Written resolution"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                               render_kw={"rows": 3},
                               description=_l("Both the agent and the author read this."))
    field = SelectField(_l("Field to correct"), choices=[SelectChoice("", "—"), *_choices(FIELD_LABELS)],
                        validators=[Optional()], description=_l("For an amended outcome only."))
    new_value = TextAreaField(_l("Corrected value"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})

    def changes(self) -> dict | None:
        return {self.field.data: self.new_value.data} if self.field.data else None


class KudosForm(FlaskForm):
    """Publish what went well as a public kudos."""

    value = SelectField(_l("Value"))
    points = IntegerField(_l("Points"), default=0,
                          validators=[InputRequired(), NumberRange(min=0, max=10000)],
                          description=_l("From your monthly giving budget."))

    def __init__(self, *args, values=(), locale: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.value.choices = [SelectChoice(v.slug, v.name_in(locale)) for v in values]


# --- one-to-ones -----------------------------------------------------------------------------

class OneToOneForm(FlaskForm):
    agent = SelectField(_l("Agent"), coerce=int)
    scheduled_for = DateTimeLocalField(_l("Date and time"), validators=[InputRequired()],
                                       format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    cadence = SelectField(_l("Meets again"), choices=_choices(CADENCE_LABELS), default="monthly")

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agent.choices = _people_choices(agents, blank=str(_l("Choose an agent")))

    def validate_agent(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose an agent."))


class NoteForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=TEXT_MAX)], render_kw={"rows": 2})


class MeetingActionForm(FlaskForm):
    text = StringField(_l("Action item"), validators=[DataRequired(), Length(max=ACTION_MAX)])
    owner = SelectField(_l("Owner"), choices=[SelectChoice("agent", _l("The agent")),
                                              SelectChoice("supervisor", _l("The supervisor"))])
    due_on = DateField(_l("Due"), validators=[Optional()])


# --- journal ---------------------------------------------------------------------------------

class JournalForm(FlaskForm):
    text = TextAreaField(_l("New journal entry"), validators=[DataRequired(), Length(max=JOURNAL_MAX)],
                         render_kw={"rows": 5})
