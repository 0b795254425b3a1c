"""Campaign awards: winners from the stored standings, drafts with editable citations, publishing.

Winners (:func:`choose_winners`): the top N overall (participants eligible in at least one
dimension) and the top N of each dimension (eligible participants; for kudos and nominations
dimensions, only those who received at least one). With ``one award per person``, categories are
filled in this order — overall, then dimensions by weight (heaviest first, then position) — and a
person already awarded is skipped for the next best, so that different strengths are recognised.

Publishing (:func:`publish_awards`) is idempotent: the first call grants each award's points from
the campaign's **award budget** as ``award`` ledger lines (never from anyone's giving budget), gives
each winner the campaign badge once (:func:`recognition.badges.award_badge`), announces every award in
the feed with its citation, bumps ``awards_version`` and emits ``awards.published``; later calls
return the same awards and write nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, DomainError, InvalidInput
from core.extensions import db
from core.hooks import emit_event
from core.models import Person
from core.services import audit
from recognition.badges import announce, award_badge, register_badge_kind
from recognition.campaigns.models import Award, Campaign, CampaignStanding, Dimension, DimensionStanding
from recognition.campaigns.standings import recompute_if_stale
from recognition.ledger import LedgerLine, append_to_ledger, period_keys

CAMPAIGN_AWARD_BADGE = "campaign_award"
OVERALL = "overall"
MAX_CITATION = 1000

register_badge_kind(CAMPAIGN_AWARD_BADGE, _l("Campaign role model"),
                    _l("Won an award in a service-guarantee campaign."))


class CampaignNotEnded(DomainError):
    code = "campaign_not_ended"


class AwardBudgetExceeded(DomainError):
    code = "award_budget_exceeded"


class AwardPublished(Conflict):
    code = "award_published"


def category_of(dimension_id: int | None) -> str:
    return OVERALL if dimension_id is None else f"dimension-{dimension_id}"


@dataclass(frozen=True)
class Candidate:
    person_id: int
    score: float


@dataclass(frozen=True)
class Winner:
    category: str
    dimension_id: int | None
    person_id: int
    position: int
    score: float


def choose_winners(overall: Sequence[Candidate], dimensions: Sequence[tuple[int, Sequence[Candidate]]], *,
                   top_n: int, one_per_person: bool) -> list[Winner]:
    """Winners per category from candidates already in rank order; ``dimensions`` in filling order."""
    winners: list[Winner] = []
    awarded: set[int] = set()
    for dimension_id, candidates in [(None, overall), *dimensions]:
        position = 0
        for candidate in candidates:
            if position == top_n:
                break
            if one_per_person and candidate.person_id in awarded:
                continue
            position += 1
            awarded.add(candidate.person_id)
            winners.append(Winner(category_of(dimension_id), dimension_id, candidate.person_id, position,
                                  candidate.score))
    return winners


def filling_order(dimensions: Sequence[Dimension]) -> list[Dimension]:
    return sorted(dimensions, key=lambda d: (-d.weight, d.position, d.id))


def winners_of(campaign: Campaign) -> list[Winner]:
    """The winners the stored standings give (two queries)."""
    overall = [Candidate(person_id, score) for person_id, score in db.session.execute(
        select(CampaignStanding.person_id, CampaignStanding.score)
        .where(CampaignStanding.campaign_id == campaign.id, CampaignStanding.eligible_dimensions > 0)
        .order_by(CampaignStanding.rank)
    )]
    by_dimension: dict[int, list[Candidate]] = {d.id: [] for d in campaign.dimensions}
    counted = {d.id for d in campaign.dimensions if d.source in ("kudos", "nominations")}
    for dimension_id, person_id, percentile, value in db.session.execute(
        select(DimensionStanding.dimension_id, DimensionStanding.person_id, DimensionStanding.percentile,
               DimensionStanding.value)
        .where(DimensionStanding.dimension_id.in_(list(by_dimension)), DimensionStanding.eligible.is_(True))
        .order_by(DimensionStanding.dimension_id, DimensionStanding.rank)
    ):
        if dimension_id in counted and not (value or 0) > 0:
            continue
        by_dimension[dimension_id].append(Candidate(person_id, percentile))
    return choose_winners(overall, [(d.id, by_dimension[d.id]) for d in filling_order(campaign.dimensions)],
                          top_n=campaign.award_top_n, one_per_person=campaign.award_one_per_person)


def default_citation(campaign: Campaign, dimension: Dimension | None, position: int) -> str:
    """A citation to start from, in the current language; the manager edits it before publishing."""
    if dimension is None:
        return _("No. %(position)d overall in %(campaign)s.", position=position, campaign=campaign.name)
    return _("No. %(position)d in %(dimension)s during %(campaign)s.", position=position,
             dimension=dimension.name, campaign=campaign.name)


def awards_of(campaign: Campaign, *, published_only: bool = False):
    """A campaign's awards: overall first, then dimensions by position, then by position in each."""
    stmt = (select(Award).where(Award.campaign_id == campaign.id)
            .options(selectinload(Award.person).selectinload(Person.team), selectinload(Award.dimension)))
    if published_only:
        stmt = stmt.where(Award.published_at.is_not(None))
    return stmt


def in_display_order(campaign: Campaign, awards: list[Award]) -> list[Award]:
    """Overall first, then the dimensions by position, then by position within each."""
    order = {d.id: d.position for d in campaign.dimensions}
    return sorted(awards, key=lambda a: (a.dimension_id is not None, order.get(a.dimension_id, 0), a.position))


def sync_award_drafts(campaign: Campaign, *, now: datetime) -> list[Award]:
    """Make the draft awards match the current winners (stored standings must be fresh); a citation
    edited for a winner stays while they win the same category. Returns them in display order."""
    if campaign.status == "published":
        return in_display_order(campaign, list(db.session.execute(awards_of(campaign)).scalars()))
    drafts = {(a.category, a.person_id): a for a in db.session.execute(awards_of(campaign)).scalars()}
    dimensions = {d.id: d for d in campaign.dimensions}
    kept = []
    for winner in winners_of(campaign):
        award = drafts.pop((winner.category, winner.person_id), None)
        dimension = dimensions.get(winner.dimension_id)
        if award is None:
            award = Award(campaign_id=campaign.id, category=winner.category, dimension=dimension,
                          person_id=winner.person_id, created_at=now,
                          citation=default_citation(campaign, dimension, winner.position))
            db.session.add(award)
        award.position, award.score, award.points = winner.position, winner.score, campaign.award_points
        kept.append(award)
    for stale in drafts.values():
        db.session.delete(stale)
    db.session.flush()
    # New drafts know their person by id only: load the winners (and teams) at once, not one by one.
    db.session.execute(select(Person).where(Person.id.in_({award.person_id for award in kept}))
                       .options(selectinload(Person.team))).scalars().all()
    return in_display_order(campaign, kept)


def preview_awards(campaign: Campaign, *, now: datetime) -> list[Award]:
    """The awards as they would be published now (drafts synced to fresh standings; no commit)."""
    if campaign.status != "published":
        recompute_if_stale(campaign, now=now)
    return sync_award_drafts(campaign, now=now)


def edit_citation(award: Award, citation: str, *, actor: Person) -> Award:
    """:raise AwardPublished: once published; :raise InvalidInput: for an empty or too long citation"""
    if award.published_at is not None:
        raise AwardPublished(_("This award is published: its citation can no longer change."))
    text = (citation or "").strip()
    if not text:
        raise InvalidInput(_("Write a citation."), field="citation")
    if len(text) > MAX_CITATION:
        raise InvalidInput(_("At most %(n)d characters.", n=MAX_CITATION), field="citation")
    award.citation = text
    audit(actor, "award.citation", award)
    return award


def _title(campaign: Campaign, award: Award) -> str:
    category = award.dimension.name if award.dimension else _("Overall")
    return _("%(campaign)s · %(category)s · No. %(position)d", campaign=campaign.name, category=category,
             position=award.position)


def publish_awards(campaign: Campaign, *, actor: Person, now: datetime) -> list[Award]:
    """Publish the campaign's awards once (see the module); repeated calls return the same awards.

    :raise CampaignNotEnded: for a draft or a campaign that has not ended
    :raise AwardBudgetExceeded: when the awards' points pass the campaign's award budget
    """
    campaign = db.session.execute(
        select(Campaign).where(Campaign.id == campaign.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if campaign.status == "published":
        return sync_award_drafts(campaign, now=now)
    if campaign.state_at(now) != "ended":
        raise CampaignNotEnded(_("Awards are published once the campaign has ended."))
    awards = preview_awards(campaign, now=now)
    total = sum(award.points for award in awards)
    if total > campaign.award_budget:
        raise AwardBudgetExceeded(
            _("These awards need %(total)d points but the campaign's award budget is %(budget)d.",
              total=total, budget=campaign.award_budget), field="award_budget")
    week_key, month_key = period_keys(now)
    append_to_ledger(
        [LedgerLine(award.person_id, award.points, "award", team_id=award.person.team_id,
                    note=f"campaign-{campaign.id}:{award.category}:{award.position}") for award in awards],
        now=now, week_key=week_key, month_key=month_key,
    )
    badge_context = f"campaign-{campaign.id}"
    for person in {award.person_id: award.person for award in awards}.values():
        award_badge(person, CAMPAIGN_AWARD_BADGE, context_key=badge_context, now=now)
    for award in awards:
        award.published_at = now
        announce("award", award.person, {
            "award": award.id, "campaign": campaign.id, "category": award.category,
            "dimension": award.dimension.name if award.dimension else None, "position": award.position,
            "title": _title(campaign, award), "citation": award.citation,
        }, now=now)
    campaign.status, campaign.published_at = "published", now
    campaign.awards_version = Campaign.awards_version + 1
    db.session.flush()
    audit(actor, "campaign.awards_publish", campaign, awards=len(awards), points=total)
    emit_event("awards.published", campaign_id=campaign.id, award_ids=[award.id for award in awards])
    return awards
