"""An award as an Open Badges 3.0 credential (a W3C Verifiable Credential, JSON-LD).

The credential is **unsigned**: it carries no ``proof``, so a verifier can read it but not check
who issued it. Its ``id``s are URLs of this Bravo (the issuer is the site's root URL, the
achievement is the award's category in its campaign). The recipient is identified by a salted
SHA-256 hash of their e-mail address (an ``IdentityObject``), never by the address itself.
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask_babel import gettext as _

from recognition.campaigns.awards import default_citation
from recognition.campaigns.models import Award

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hashed_email(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def award_credential(award: Award, *, base_url: str, issuer_name: str) -> dict[str, Any]:
    """The award as an ``OpenBadgeCredential`` (``base_url`` ends with ``/``)."""
    campaign = award.campaign
    dimension = award.dimension
    category = dimension.name if dimension else _("Overall")
    achievement_name = _("%(campaign)s: %(category)s", campaign=campaign.name, category=category)
    salt = f"bravo-award-{award.id}"
    criteria = (
        _("Ranked in the top %(n)d of the campaign's overall standings (a weighted sum of percentile ranks "
          "in each dimension).", n=campaign.award_top_n) if dimension is None
        else _("Ranked in the top %(n)d of the dimension %(dimension)s among eligible participants.",
               n=campaign.award_top_n, dimension=dimension.name)
    )
    issued = award.published_at or award.created_at
    return {
        "@context": CONTEXT,
        "id": f"{base_url}api/v1/awards/{award.id}/credential",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base_url, "type": ["Profile"], "name": issuer_name},
        "validFrom": _iso(issued),
        "awardedDate": _iso(issued),
        "name": achievement_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": hashed_email(award.person.email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }],
            "achievement": {
                "id": f"{base_url}api/v1/campaigns/{campaign.id}#{award.category}",
                "type": ["Achievement"],
                "achievementType": "Award",
                "name": achievement_name,
                "description": award.citation or default_citation(campaign, dimension, award.position),
                "criteria": {"narrative": criteria},
            },
        },
    }
