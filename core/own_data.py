"""A person's own data as one JSON document (PRODUCT.md §7): their profile, then each area's section.

The document holds what the person may already read in Bravo, nothing more: each area's builder
(:func:`core.hooks.add_own_data`) decides what of its records belong to that person.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import org_isoformat
from core.hooks import own_data_sections
from core.models import Person
from core.services import audit

OWN_DATA_FORMAT = "bravo-own-data/1"


def profile(person: Person) -> dict[str, Any]:
    return {
        "username": person.username,
        "name": person.name,
        "email": person.email,
        "role": person.role,
        "team": person.team.name if person.team else None,
        "site": person.team.site.name if person.team and person.team.site else None,
        "leads_teams": sorted(team.name for team in person.supervised_teams),
        "manages_sites": sorted(site.name for site in person.managed_sites),
        "locale": person.locale,
        "timezone": person.timezone,
        "active": person.active,
        "created_at": org_isoformat(person.created_at),
    }


def own_data(person: Person, *, now: datetime) -> dict[str, Any]:
    """Everything Bravo keeps about ``person`` that they may read, and record that it was taken."""
    audit(person, "own_data.exported", person)
    return {"format": OWN_DATA_FORMAT, "exported_at": org_isoformat(now), "profile": profile(person),
            **own_data_sections(person)}


def own_data_filename(person: Person, now: datetime) -> str:
    return f"bravo-{person.username}-{now.date().isoformat()}.json"
