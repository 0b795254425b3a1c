"""Declared shapes of the campaigns API: KPI definitions and intake, campaigns, standings,
nominations, awards and wallboards. Output is built from explicit fields only."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from core.api.schemas import Dumped, ListArgsSchema
from core.clock import org_timezone
from recognition.campaigns.models import AGGREGATES, DIRECTIONS, SOURCE_KINDS, STATES


def _locale() -> str:
    return str(get_locale() or "en")


class OrgDateTime(fields.Field):
    """ISO 8601 with an offset; without one, the organisation's time zone. A bare date means its
    midnight — or, with ``end_of_day``, the next midnight (so ``ends_at: 2026-03-15`` includes the 15th)."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value is not None else None

    def _deserialize(self, value, attr, data, **kwargs):
        message = _("An ISO 8601 date and time, e.g. 2026-03-15T09:00:00+08:00.")
        if not isinstance(value, str):
            raise ValidationError(message)
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = date.fromisoformat(text) + (timedelta(days=1) if self.end_of_day else timedelta())
                return datetime.combine(day, time(0), tzinfo=org_timezone())
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(message) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=org_timezone())


# --- KPIs ------------------------------------------------------------------------------------

class MetricDefinitionSchema(Schema):
    slug = fields.Str(required=True)
    name = fields.Function(lambda metric: metric.name_in(_locale()))
    name_en = fields.Str()
    name_zh = fields.Str()
    unit = fields.Str()
    aggregate = fields.Str(metadata={"description": "sum, mean or rate (Σnumerator/Σdenominator, a fraction)"})
    direction = fields.Str(metadata={"description": "higher_better or lower_better"})


class MetricDefinitionsPageSchema(Schema):
    items = fields.List(fields.Nested(MetricDefinitionSchema))
    next = fields.Str(allow_none=True)


class MetricDefinitionCreateSchema(Schema):
    slug = fields.Str(required=True)
    name = fields.Str(load_default=None, metadata={"description": "English name (or name_en)"})
    name_en = fields.Str(load_default=None)
    name_zh = fields.Str(load_default=None)
    unit = fields.Str(load_default="")
    aggregate = fields.Str(required=True, validate=validate.OneOf(AGGREGATES))
    direction = fields.Str(required=True, validate=validate.OneOf(DIRECTIONS))


class MetricDefinitionUpdateSchema(Schema):
    name_en = fields.Str()
    name_zh = fields.Str()
    unit = fields.Str()


class MetricsIntakeSchema(Schema):
    rows = fields.List(fields.Raw(), required=True, metadata={
        "description": "{username, date, metric, value} or {username, date, metric, numerator, denominator}; "
                       "each row is checked on its own"})


class RejectedRowSchema(Schema):
    index = fields.Int(required=True)
    error = fields.Str(required=True)
    field = fields.Str(allow_none=True)


class IntakeReportSchema(Schema):
    accepted = fields.Int(required=True)
    rejected = fields.List(fields.Nested(RejectedRowSchema), required=True)


# --- campaigns: input ------------------------------------------------------------------------

class SourceSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(SOURCE_KINDS))
    metric = fields.Str(load_default=None)
    aggregate = fields.Str(load_default=None, validate=validate.OneOf(AGGREGATES))
    direction = fields.Str(load_default=None, validate=validate.OneOf(DIRECTIONS))
    min_volume = fields.Float(load_default=None, validate=validate.Range(min=0))
    value = fields.Str(load_default=None, metadata={"description": "value slug (kudos source); none: any value"})


class DimensionInSchema(Schema):
    id = fields.Int(load_default=None, metadata={"description": "when editing: keep this dimension"})
    name = fields.Str(required=True)
    weight = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, max=1000))
    source = fields.Nested(SourceSchema, required=True)


class RequirementInSchema(Schema):
    text = fields.Str(required=True)
    metric = fields.Str(load_default=None)
    target = fields.Float(load_default=None)
    direction = fields.Str(load_default=None, validate=validate.OneOf(DIRECTIONS))


class AwardRulesSchema(Schema):
    top_n = fields.Int(load_default=None, validate=validate.Range(min=1, max=20))
    one_per_person = fields.Bool(load_default=False)
    points = fields.Int(load_default=None, validate=validate.Range(min=0, max=100_000),
                        metadata={"description": "points per award (default CAMPAIGN_AWARD_POINTS)"})
    budget = fields.Int(load_default=None, validate=validate.Range(min=0, max=10_000_000),
                        metadata={"description": "the award budget (default CAMPAIGN_AWARD_BUDGET)"})


class CampaignCreateSchema(Schema):
    name = fields.Str(required=True)
    name_zh = fields.Str(load_default="")
    description = fields.Str(load_default="")
    starts_at = OrgDateTime(required=True)
    ends_at = OrgDateTime(required=True, end_of_day=True)
    teams = fields.List(fields.Str(), required=True)
    requirements = fields.List(fields.Nested(RequirementInSchema), load_default=list)
    dimensions = fields.List(fields.Nested(DimensionInSchema), required=True)
    awards = fields.Nested(AwardRulesSchema, load_default=dict)
    draft = fields.Bool(load_default=False, metadata={"description": "true: keep it a draft (launch later)"})


class CampaignListArgsSchema(ListArgsSchema):
    state = fields.Str(load_default=None, validate=validate.OneOf(STATES))


# --- campaigns: output -----------------------------------------------------------------------

class TeamProgressSchema(Schema):
    team = fields.Str()
    value = fields.Float(allow_none=True)
    met = fields.Bool(allow_none=True)
    progress = fields.Float(allow_none=True, metadata={"description": "0..1 toward the target"})


class TargetProgressSchema(Schema):
    value = fields.Float(allow_none=True)
    met = fields.Bool(allow_none=True)
    progress = fields.Float(allow_none=True)


class RequirementSchema(Schema):
    id = fields.Int()
    position = fields.Int()
    text = fields.Str()
    metric = fields.Str(allow_none=True)
    target = fields.Float(allow_none=True)
    direction = fields.Str(allow_none=True)
    progress = fields.Nested(TargetProgressSchema, allow_none=True,
                             metadata={"description": "all participants together (team aggregates in ``teams``)"})
    teams = fields.List(fields.Nested(TeamProgressSchema))


class SourceOutSchema(Schema):
    kind = fields.Str()
    metric = fields.Str(allow_none=True)
    aggregate = fields.Str(allow_none=True)
    direction = fields.Str(allow_none=True)
    min_volume = fields.Float()
    value = fields.Str(allow_none=True)


class DimensionSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    weight = fields.Float()
    source = fields.Nested(SourceOutSchema)


class AwardRulesOutSchema(Schema):
    top_n = fields.Int()
    one_per_person = fields.Bool()
    points = fields.Int()
    budget = fields.Int()


class AcknowledgementCountSchema(Schema):
    acknowledged = fields.Int()
    participants = fields.Int()


class CampaignSummarySchema(Schema):
    id = fields.Int(required=True)
    name = fields.Str(required=True)
    name_zh = fields.Str()
    state = fields.Str(required=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    teams = fields.List(fields.Str())


class CampaignSchema(CampaignSummarySchema):
    description = fields.Str()
    first_day = fields.Date()
    last_day = fields.Date()
    requirements = fields.List(fields.Nested(RequirementSchema))
    dimensions = fields.List(fields.Nested(DimensionSchema))
    awards = fields.Nested(AwardRulesOutSchema)
    participant = fields.Bool(metadata={"description": "whether the caller takes part"})
    acknowledged_at = fields.DateTime(allow_none=True)
    can_manage = fields.Bool()
    acknowledgements = fields.Nested(AcknowledgementCountSchema, allow_none=True,
                                     metadata={"description": "for those who run it and leads of its teams"})


class CampaignsPageSchema(Schema):
    items = fields.List(fields.Nested(CampaignSummarySchema))
    next = fields.Str(allow_none=True)


# --- standings -------------------------------------------------------------------------------

class StandingsArgsSchema(ListArgsSchema):
    dimension = fields.Str(load_default=None, metadata={"description": "a dimension's id (or name)"})


class DimensionCellSchema(Schema):
    dimension_id = fields.Int()
    name = fields.Str()
    weight = fields.Float()
    value = fields.Float(allow_none=True)
    volume = fields.Float()
    eligible = fields.Bool()
    percentile = fields.Float(allow_none=True)
    rank = fields.Int()


class StandingRowSchema(Schema):
    rank = fields.Int(required=True)
    username = fields.Str(required=True)
    name = fields.Str(required=True)
    team = fields.Str(allow_none=True)
    score = fields.Float(allow_none=True)
    eligible_dimensions = fields.Int()
    full = fields.Bool(metadata={"description": "breakdown and gap shown (own row, own teams, or managers)"})
    gap_to_next = fields.Float(allow_none=True)
    breakdown = fields.List(fields.Nested(DimensionCellSchema))
    dimension = fields.Nested(DimensionCellSchema, allow_none=True)


class StandingsSchema(Schema):
    campaign = fields.Int()
    dimension = fields.Int(allow_none=True)
    top_n = fields.Int()
    version = fields.Int(metadata={"description": "the inputs version these standings were computed from"})
    computed_at = fields.DateTime(allow_none=True)
    items = fields.List(Dumped(StandingRowSchema))
    next = fields.Str(allow_none=True)
    me = Dumped(StandingRowSchema, allow_none=True)


class AcknowledgementsSchema(Schema):
    acknowledged = fields.Int()
    participants = fields.Int()
    missing = fields.List(fields.Dict())


# --- nominations and awards ------------------------------------------------------------------

class NominationCreateSchema(Schema):
    username = fields.Str(required=True)
    dimension = fields.Raw(required=True, metadata={"description": "the dimension's id (or name)"})
    reason = fields.Str(required=True)


class PersonTeamSchema(Schema):
    username = fields.Str()
    name = fields.Str()
    team = fields.Function(lambda person: person.team.name if person.team else None)


class DimensionRefSchema(Schema):
    id = fields.Int()
    name = fields.Str()


class NominationSchema(Schema):
    id = fields.Int()
    person = fields.Nested(PersonTeamSchema)
    dimension = fields.Nested(DimensionRefSchema)
    reason = fields.Str()
    nominated_by = fields.Function(lambda n: n.nominated_by.username if n.nominated_by else None)
    created_at = fields.DateTime()


class NominationsPageSchema(Schema):
    items = fields.List(fields.Nested(NominationSchema))
    next = fields.Str(allow_none=True)


class AwardsPublishSchema(Schema):
    publish = fields.Bool(load_default=False, metadata={"description": "false: preview (drafts) only"})


class AwardSchema(Schema):
    id = fields.Int()
    category = fields.Str(metadata={"description": "overall or dimension-<id>"})
    dimension = fields.Nested(DimensionRefSchema, allow_none=True)
    position = fields.Int()
    person = fields.Nested(PersonTeamSchema)
    score = fields.Float(metadata={"description": "overall score, or percentile in the dimension"})
    citation = fields.Str()
    points = fields.Int()
    published_at = fields.DateTime(allow_none=True)


class AwardsSchema(Schema):
    campaign = fields.Int()
    published = fields.Bool()
    published_at = fields.DateTime(allow_none=True)
    budget = fields.Int()
    points = fields.Int(metadata={"description": "points the awards grant together"})
    items = fields.List(fields.Nested(AwardSchema))


class CitationSchema(Schema):
    citation = fields.Str(required=True)


# --- wallboards ------------------------------------------------------------------------------

class WallboardCreateSchema(Schema):
    campaign = fields.Int(load_default=None)
    team = fields.Str(load_default=None)
    label = fields.Str(load_default="")


class WallboardSchema(Schema):
    id = fields.Int()
    label = fields.Str()
    campaign = fields.Int(allow_none=True)
    team = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class WallboardCreatedSchema(WallboardSchema):
    url = fields.Str(required=True, metadata={"description": "the TV page; shown only now"})
    data_url = fields.Str(required=True)


class WallboardsPageSchema(Schema):
    items = fields.List(fields.Nested(WallboardSchema))
    next = fields.Str(allow_none=True)
