"""Awards as CSV rows: one campaign's (the awards its page shows the viewer) or every published award.

Which awards a viewer may download is decided as for the awards page (``result_views._awards_to_show``);
this module only reads and formats them. :func:`recognition.reports.csv_lines` writes the CSV text and
defuses formula-looking cells.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from babel.numbers import format_decimal
from sqlalchemy import Select, case, select
from sqlalchemy.orm import contains_eager

from core.clock import org_isoformat
from core.extensions import db
from core.models import Person
from recognition.campaigns.awards import OVERALL
from recognition.campaigns.models import Award, Campaign, Dimension

AWARD_EXPORT_HEADER = (
    "campaign", "category", "position", "username", "name", "team", "score", "points", "citation", "status",
    "published_at",
)


def export_score(score: float) -> str:
    """The score rounded as the results pages show it (at most two decimals), in a locale-free form."""
    return format_decimal(score, "0.##", locale="en")


def award_export_rows(awards: Iterable[Award]) -> Iterator[list]:
    """CSV rows of awards, in the given order; load them with their campaign, person (and team) and dimension
    first, so that formatting them runs no query."""
    for award in awards:
        person = award.person
        yield [
            award.campaign.name, award.dimension.name if award.dimension else OVERALL, award.position,
            person.username, person.name, person.team.name if person.team else "", export_score(award.score),
            award.points, award.citation, "draft" if award.published_at is None else "published",
            org_isoformat(award.published_at) or "",
        ]


def published_awards() -> Select:
    """Every published award of every campaign with everything its row needs, in one query: campaigns in
    the order they were published, each in the awards page's order (overall, dimensions, positions)."""
    return (
        select(Award)
        .join(Award.campaign)
        .join(Award.person)
        .outerjoin(Person.team)
        .outerjoin(Award.dimension)
        .where(Award.published_at.is_not(None))
        .options(contains_eager(Award.campaign), contains_eager(Award.person).contains_eager(Person.team),
                 contains_eager(Award.dimension))
        .order_by(Campaign.published_at, Campaign.id, case((Award.dimension_id.is_(None), 0), else_=1),
                  Dimension.position, Dimension.id, Award.position, Award.id)
    )


def published_award_rows() -> Iterator[list]:
    """The rows of :func:`published_awards` (the query runs now, the rows are formatted as they are read)."""
    return award_export_rows(db.session.execute(published_awards()).scalars())
