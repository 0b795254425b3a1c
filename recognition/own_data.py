"""Recognition's part of a person's own-data export: their kudos, points, badges, applause and comments."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from core.clock import org_isoformat
from core.extensions import db
from core.models import Person
from recognition.badges import badge_title, value_names
from recognition.models import (
    BadgeAward, Comment, GivingSpend, Kudos, KudosRecipient, PointsEntry, Reaction,
)
from recognition.reports import kudos_status


def _kudos(kudos: Kudos) -> dict[str, Any]:
    return {
        "id": kudos.id,
        "created_at": org_isoformat(kudos.created_at),
        "giver": kudos.giver.username,
        "recipients": [recipient.person.username for recipient in kudos.recipients],
        "team": kudos.team.name if kudos.team else None,
        "value": kudos.value.slug,
        "message": kudos.message,
        "points": kudos.points,
        "by_supervisor": kudos.by_supervisor,
    }


def _kudos_list(stmt) -> list[Kudos]:
    stmt = stmt.options(joinedload(Kudos.giver), joinedload(Kudos.value), joinedload(Kudos.team),
                        selectinload(Kudos.recipients).joinedload(KudosRecipient.person))
    return list(db.session.execute(stmt.order_by(Kudos.created_at, Kudos.id)).scalars().unique())


def received_kudos(person: Person) -> list[dict[str, Any]]:
    """The kudos that reached ``person`` as the feed shows them (without hidden and retracted ones)."""
    received = _kudos_list(
        select(Kudos).join(KudosRecipient).where(KudosRecipient.person_id == person.id,
                                                 Kudos.hidden_at.is_(None), Kudos.retracted_at.is_(None))
    )
    points = dict(db.session.execute(select(KudosRecipient.kudos_id, KudosRecipient.points)
                                     .where(KudosRecipient.person_id == person.id)).all())
    return [{**_kudos(kudos), "points_to_me": points.get(kudos.id, 0)} for kudos in received]


def given_kudos(person: Person) -> list[dict[str, Any]]:
    """Every kudos ``person`` wrote, retracted and hidden ones too (the moderator's reason is not theirs)."""
    return [{**_kudos(kudos), "status": kudos_status(kudos)}
            for kudos in _kudos_list(select(Kudos).where(Kudos.giver_id == person.id))]


def recognition_data(person: Person) -> dict[str, Any]:
    names = value_names(person.locale)
    points = db.session.execute(select(PointsEntry).where(PointsEntry.person_id == person.id)
                                .order_by(PointsEntry.created_at, PointsEntry.id)).scalars()
    badges = db.session.execute(select(BadgeAward).where(BadgeAward.person_id == person.id)
                                .order_by(BadgeAward.created_at, BadgeAward.id)).scalars()
    comments = db.session.execute(select(Comment).where(Comment.author_id == person.id)
                                  .order_by(Comment.created_at, Comment.id)).scalars()
    reactions = db.session.execute(select(Reaction).where(Reaction.person_id == person.id)
                                   .order_by(Reaction.created_at, Reaction.id)).scalars()
    spent = db.session.execute(select(GivingSpend).where(GivingSpend.giver_id == person.id)
                               .order_by(GivingSpend.month_key)).scalars()
    return {
        "kudos_received": received_kudos(person),
        "kudos_given": given_kudos(person),
        "points": [{"kind": entry.kind, "amount": entry.amount, "kudos": entry.kudos_id, "note": entry.note,
                    "created_at": org_isoformat(entry.created_at)} for entry in points],
        "badges": [{"badge": badge.code,
                    "title": badge_title(badge.code, badge.context_key, value_names=names),
                    "context": badge.context_key, "points": badge.points,
                    "awarded_at": org_isoformat(badge.created_at)} for badge in badges],
        "comments": [{"kudos": comment.kudos_id, "text": comment.text,
                      "created_at": org_isoformat(comment.created_at)} for comment in comments],
        "applause": [{"kudos": reaction.kudos_id, "kind": reaction.kind,
                      "created_at": org_isoformat(reaction.created_at)} for reaction in reactions],
        "giving_budget_spent": [{"month": row.month_key, "points": row.spent} for row in spent],
    }
