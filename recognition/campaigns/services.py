"""Rules and writes for campaigns: create and edit (brief, dimensions, award rules), launch, delete a
draft, acknowledge the brief, nominate; and the kudos events that make standings stale.

Services take the acting person and ``now`` and never commit. A campaign is described by a
:class:`CampaignSpec` (what the API's POST/PATCH body and the editor form both produce), checked
whole before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, select, update

from core import access as core_access
from core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from core.extensions import db
from core.models import Person, Team
from core.services import audit, require_person, require_team
from recognition.campaigns import access
from recognition.campaigns.kpis import clean_aggregate, clean_direction, require_metric
from recognition.campaigns.models import (
    SOURCE_KINDS, Acknowledgement, BoardCounter, Campaign, Dimension, Nomination, Requirement, campaign_teams,
)
from recognition.campaigns.standings import bump_inputs
from recognition.ledger import dialect_insert
from recognition.models import Kudos
from recognition.services import require_value

MAX_REQUIREMENTS = 30
MAX_DIMENSIONS = 12
MAX_TOP_N = 20
MAX_TEXT = 1000
KUDOS_REMOVED = "kudos_removed"


class CampaignNotEditable(DomainError):
    code = "campaign_not_editable"


class CampaignNotOpen(DomainError):
    code = "campaign_not_open"


class NotAParticipant(DomainError):
    code = "not_a_participant"


class AlreadyNominated(Conflict):
    code = "already_nominated"


# --- describing a campaign -------------------------------------------------------------------

@dataclass
class SourceSpec:
    kind: str
    metric: str | None = None
    aggregate: str | None = None
    direction: str | None = None
    min_volume: float | None = None
    value: str | None = None


@dataclass
class DimensionSpec:
    name: str
    weight: float
    source: SourceSpec
    id: int | None = None  # an existing dimension, when editing (its nominations stay)


@dataclass
class RequirementSpec:
    text: str
    metric: str | None = None
    target: float | None = None
    direction: str | None = None


@dataclass
class CampaignSpec:
    name: str
    starts_at: datetime
    ends_at: datetime
    teams: list[str]
    requirements: list[RequirementSpec] = field(default_factory=list)
    dimensions: list[DimensionSpec] = field(default_factory=list)
    top_n: int | None = None
    one_per_person: bool = False
    name_zh: str = ""
    description: str = ""
    award_points: int | None = None
    award_budget: int | None = None


def _text(value: str | None, field_name: str, *, maximum: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("This is required."), field=field_name)
    if len(text) > maximum:
        raise InvalidInput(_("At most %(n)d characters.", n=maximum), field=field_name)
    return text


def _whole(value, field_name: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(_("A whole number from %(low)d to %(high)d.", low=minimum, high=maximum),
                           field=field_name)
    return value


def _teams_for(actor: Person, names: list[str]) -> list[Team]:
    if not names:
        raise InvalidInput(_("Choose at least one team."), field="teams")
    teams = list({team.id: team for team in (require_team(name, field="teams") for name in names)}.values())
    if actor.role != "admin":
        managed = core_access.managed_team_ids(actor)
        outside = [team.name for team in teams if team.id not in managed]
        if outside:
            raise NotAllowed(_("You do not manage %(teams)s.", teams=", ".join(outside)), field="teams")
    return teams


def _requirement(spec: RequirementSpec, index: int, position: int) -> Requirement:
    prefix = f"requirements.{index}"
    text = _text(spec.text, f"{prefix}.text", maximum=MAX_TEXT)
    if spec.metric is None:
        if spec.target is not None or spec.direction is not None:
            raise InvalidInput(_("A target needs a KPI."), field=f"{prefix}.metric")
        return Requirement(position=position, text=text)
    metric = require_metric(spec.metric, field=f"{prefix}.metric")
    if spec.target is None:
        raise InvalidInput(_("A requirement bound to a KPI needs a target."), field=f"{prefix}.target")
    direction = clean_direction(spec.direction, f"{prefix}.direction") if spec.direction else None
    return Requirement(position=position, text=text, metric=metric, metric_id=metric.id,
                       target=float(spec.target), direction=direction)


def _apply_source(dimension: Dimension, source: SourceSpec, prefix: str) -> None:
    if source.kind not in SOURCE_KINDS:
        raise InvalidInput(_("A source is metric, kudos or nominations."), field=f"{prefix}.kind")
    if source.min_volume is not None and (source.min_volume < 0):
        raise InvalidInput(_("The minimum volume cannot be negative."), field=f"{prefix}.min_volume")
    dimension.source = source.kind
    dimension.min_volume = float(source.min_volume or 0)
    dimension.metric, dimension.metric_id, dimension.value_id = None, None, None
    dimension.aggregate, dimension.direction = None, None
    if source.kind == "metric":
        if not source.metric:
            raise InvalidInput(_("Choose the KPI."), field=f"{prefix}.metric")
        metric = require_metric(source.metric, field=f"{prefix}.metric")
        aggregate = clean_aggregate(source.aggregate, f"{prefix}.aggregate") if source.aggregate else None
        if aggregate is not None and (aggregate == "rate") != metric.is_rate:
            raise InvalidInput(
                _("%(metric)s is a rate: its aggregate is rate.", metric=metric.slug) if metric.is_rate
                else _("%(metric)s has daily values: aggregate them by sum or mean.", metric=metric.slug),
                field=f"{prefix}.aggregate")
        dimension.metric, dimension.metric_id = metric, metric.id
        dimension.aggregate = aggregate
        dimension.direction = clean_direction(source.direction, f"{prefix}.direction") if source.direction else None
        return
    if source.metric or source.aggregate or source.direction:
        raise InvalidInput(_("Only a KPI source takes a metric, an aggregate or a direction."),
                           field=f"{prefix}.metric")
    if source.kind == "kudos":
        dimension.value_id = require_value(source.value, field=f"{prefix}.value").id if source.value else None
    elif source.value:
        raise InvalidInput(_("Only a kudos source takes a value."), field=f"{prefix}.value")


def _dimensions(campaign: Campaign, specs: list[DimensionSpec]) -> list[Dimension]:
    if not specs:
        raise InvalidInput(_("Add at least one dimension."), field="dimensions")
    if len(specs) > MAX_DIMENSIONS:
        raise InvalidInput(_("At most %(n)d dimensions.", n=MAX_DIMENSIONS), field="dimensions")
    existing = {d.id: d for d in campaign.dimensions}
    names: set[str] = set()
    result = []
    for index, spec in enumerate(specs):
        prefix = f"dimensions.{index}"
        name = _text(spec.name, f"{prefix}.name", maximum=120)
        if name.casefold() in names:
            raise InvalidInput(_("Two dimensions are called %(name)s.", name=name), field=f"{prefix}.name")
        names.add(name.casefold())
        if isinstance(spec.weight, bool) or not isinstance(spec.weight, (int, float)) or not 0 < spec.weight <= 1000:
            raise InvalidInput(_("A weight is a number above 0 (at most 1000)."), field=f"{prefix}.weight")
        if spec.id is not None and spec.id not in existing:
            raise NotFound(_("This campaign has no dimension %(id)s.", id=spec.id), field=f"{prefix}.id")
        dimension = existing.get(spec.id) if spec.id is not None else None
        dimension = dimension or Dimension()
        dimension.name, dimension.weight, dimension.position = name, float(spec.weight), index
        _apply_source(dimension, spec.source, f"{prefix}.source")
        result.append(dimension)
    return result


def _apply_spec(campaign: Campaign, spec: CampaignSpec, actor: Person) -> None:
    """Check the whole spec, then set it on the campaign (nothing is flushed before all is checked)."""
    config = current_app.config
    name = _text(spec.name, "name", maximum=200)
    name_zh = _text(spec.name_zh, "name_zh", maximum=200, required=False)
    description = _text(spec.description, "description", maximum=5000, required=False)
    for moment, field_name in ((spec.starts_at, "starts_at"), (spec.ends_at, "ends_at")):
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise InvalidInput(_("A date and time with its offset, e.g. 2026-03-15T09:00:00+08:00."),
                               field=field_name)
    if spec.ends_at <= spec.starts_at:
        raise InvalidInput(_("The end must come after the start."), field="ends_at")
    teams = _teams_for(actor, spec.teams)
    if len(spec.requirements) > MAX_REQUIREMENTS:
        raise InvalidInput(_("At most %(n)d requirements.", n=MAX_REQUIREMENTS), field="requirements")
    requirements = [_requirement(r, i, i) for i, r in enumerate(spec.requirements)]
    top_n = _whole(spec.top_n if spec.top_n is not None else int(config["CAMPAIGN_AWARD_TOP_N"]), "awards.top_n",
                   minimum=1, maximum=MAX_TOP_N)
    points = _whole(spec.award_points if spec.award_points is not None else int(config["CAMPAIGN_AWARD_POINTS"]),
                    "awards.points", minimum=0, maximum=100_000)
    budget = _whole(spec.award_budget if spec.award_budget is not None else int(config["CAMPAIGN_AWARD_BUDGET"]),
                    "awards.budget", minimum=0, maximum=10_000_000)
    with db.session.no_autoflush:
        dimensions = _dimensions(campaign, spec.dimensions)
        campaign.name, campaign.name_zh, campaign.description = name, name_zh, description
        campaign.starts_at, campaign.ends_at = spec.starts_at, spec.ends_at
        campaign.teams = teams
        campaign.requirements = requirements
        campaign.dimensions = dimensions
        campaign.award_top_n, campaign.award_one_per_person = top_n, bool(spec.one_per_person)
        campaign.award_points, campaign.award_budget = points, budget


def create_campaign(spec: CampaignSpec, *, actor: Person, now: datetime, draft: bool = False) -> Campaign:
    """Create a campaign, launched at once unless ``draft``.

    :raise NotAllowed: for anyone below manager, or teams a manager does not manage
    :raise InvalidInput: for any malformed part (``field`` names it, e.g. ``dimensions.1.weight``)
    :raise NotFound: for an unknown team, KPI or value
    """
    core_access.require_role(actor, "manager")
    campaign = Campaign(created_by=actor, created_at=now, status="draft", inputs_version=1, standings_version=0,
                        awards_version=0, team_progress=[])
    _apply_spec(campaign, spec, actor)
    if not draft:
        campaign.status, campaign.launched_at = "open", now
    db.session.add(campaign)
    db.session.flush()
    audit(actor, "campaign.create", campaign, name=campaign.name, draft=draft)
    return campaign


def is_editable(campaign: Campaign) -> bool:
    """Drafts, scheduled, running and ended campaigns can change; once awards are published, nothing can."""
    return campaign.status != "published"


def update_campaign(campaign: Campaign, spec: CampaignSpec, *, actor: Person, now: datetime) -> Campaign:
    """Replace a campaign's description (dimensions given with their ``id`` are kept with their
    nominations; the others are removed). Its standings become stale.

    :raise CampaignNotEditable: once awards are published
    """
    if not is_editable(campaign):
        raise CampaignNotEditable(_("Awards are published: the campaign can no longer change."))
    _apply_spec(campaign, spec, actor)
    bump_inputs(campaign)
    db.session.flush()
    audit(actor, "campaign.update", campaign)
    return campaign


def launch_campaign(campaign: Campaign, *, actor: Person, now: datetime) -> Campaign:
    """A draft becomes visible to its participants (idempotent)."""
    if campaign.status == "draft":
        campaign.status, campaign.launched_at = "open", now
        audit(actor, "campaign.launch", campaign)
    return campaign


def delete_draft(campaign: Campaign, *, actor: Person) -> None:
    """:raise CampaignNotEditable: unless the campaign is a draft"""
    if campaign.status != "draft":
        raise CampaignNotEditable(_("Only a draft can be deleted."))
    audit(actor, "campaign.delete", campaign, name=campaign.name)
    db.session.delete(campaign)


# --- acknowledgements ------------------------------------------------------------------------

def acknowledge_brief(campaign: Campaign, person: Person, *, now: datetime) -> None:
    """Record that a participant read the brief (once; repeating is harmless).

    :raise NotAParticipant: for anyone but a participant
    :raise CampaignNotOpen: for a draft
    """
    if campaign.status == "draft":
        raise CampaignNotOpen(_("This campaign has not been launched."))
    if not access.is_participant(person, campaign):
        raise NotAParticipant(_("Only participants acknowledge the brief."))
    db.session.execute(
        dialect_insert(Acknowledgement).values(campaign_id=campaign.id, person_id=person.id, acknowledged_at=now)
        .on_conflict_do_nothing(index_elements=["campaign_id", "person_id"])
    )


# --- nominations -----------------------------------------------------------------------------

def dimension_of(campaign: Campaign, ref: int | str, field: str = "dimension") -> Dimension:
    """A dimension of the campaign by id (or by name, case-insensitively).

    :raise NotFound: when the campaign has no such dimension
    """
    for dimension in campaign.dimensions:
        if (isinstance(ref, int) and not isinstance(ref, bool) and dimension.id == ref) or (
                isinstance(ref, str) and (ref.strip().casefold() == dimension.name.casefold()
                                          or ref.strip() == str(dimension.id))):
            return dimension
    raise NotFound(_("This campaign has no dimension %(name)s.", name=ref), field=field)


def nominate(campaign: Campaign, dimension: Dimension, nominee: Person, *, nominator: Person, reason: str,
             now: datetime) -> Nomination:
    """A supervisor nominates a participant of a team they lead, in a nominations dimension.

    :raise NotAllowed: when the nominator does not lead the nominee's team
    :raise NotAParticipant: when the nominee does not take part
    :raise CampaignNotOpen: before the start, for a draft, or once awards are published
    :raise InvalidInput: for a dimension that does not count nominations, or a missing reason
    :raise AlreadyNominated: when the nominator nominated them in this dimension already
    """
    if campaign.state_at(now) not in ("running", "ended"):
        raise CampaignNotOpen(_("Nominations are open from the campaign's start until its awards are published."))
    if not access.is_participant(nominee, campaign):
        raise NotAParticipant(_("%(name)s does not take part in this campaign.", name=nominee.name),
                              field="username")
    if not access.leads_participant(nominator, campaign, nominee):
        raise NotAllowed(_("You can nominate people of the teams you lead."), field="username")
    if dimension.source != "nominations":
        raise InvalidInput(_("%(name)s does not count nominations.", name=dimension.name), field="dimension")
    reason = _text(reason, "reason", maximum=MAX_TEXT)
    if db.session.execute(select(exists().where(
            Nomination.dimension_id == dimension.id, Nomination.person_id == nominee.id,
            Nomination.nominated_by_id == nominator.id))).scalar():
        raise AlreadyNominated(_("You nominated %(name)s in %(dimension)s already.", name=nominee.name,
                                 dimension=dimension.name), field="username")
    nomination = Nomination(campaign_id=campaign.id, dimension=dimension, person=nominee, nominated_by=nominator,
                            reason=reason, created_at=now)
    db.session.add(nomination)
    bump_inputs(campaign)
    db.session.flush()
    return nomination


def nominate_by_username(campaign: Campaign, *, nominator: Person, username: str, dimension: int | str,
                         reason: str, now: datetime) -> Nomination:
    return nominate(campaign, dimension_of(campaign, dimension), require_person(username),
                    nominator=nominator, reason=reason, now=now)


# --- kudos events: standings and tickers follow kudos ---------------------------------------

@lru_cache(maxsize=None)
def _mark_for_kudos_statement():
    """Built once (it runs with every kudos); parameters ``value_id``, ``team_ids``, ``at``."""
    counts_value = select(Dimension.campaign_id).where(
        Dimension.source == "kudos",
        (Dimension.value_id.is_(None)) | (Dimension.value_id == bindparam("value_id")))
    of_teams = select(campaign_teams.c.campaign_id).where(
        campaign_teams.c.team_id.in_(bindparam("team_ids", expanding=True)))
    return (
        update(Campaign)
        .where(Campaign.status != "published", Campaign.id.in_(counts_value), Campaign.id.in_(of_teams),
               Campaign.starts_at <= bindparam("at"), Campaign.ends_at > bindparam("at"))
        .values(inputs_version=Campaign.inputs_version + 1)
    )


def mark_campaigns_for_kudos(kudos: Kudos) -> None:
    """Unpublished campaigns counting kudos of this value, running when it was given, with a recipient
    among their teams: their standings are stale."""
    team_ids = sorted({r.team_id for r in kudos.recipients if r.team_id is not None})
    if team_ids:
        db.session.execute(_mark_for_kudos_statement(),
                           {"value_id": kudos.value_id, "team_ids": team_ids, "at": kudos.created_at},
                           execution_options={"synchronize_session": False})


def on_kudos_given(kudos: Kudos, **_payload) -> None:
    mark_campaigns_for_kudos(kudos)


def on_kudos_removed(kudos: Kudos, **_payload) -> None:
    """A retracted or hidden kudos leaves tickers too: move the counter wallboard ETags read."""
    mark_campaigns_for_kudos(kudos)
    stmt = dialect_insert(BoardCounter).values(name=KUDOS_REMOVED, value=1)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                                  set_={"value": BoardCounter.__table__.c.value + 1}))
