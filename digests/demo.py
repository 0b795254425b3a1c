"""`flask demo` for digests: the latest team, personal and team-lead digests, in the demo people's inboxes.

They are the real runs of the latest periods (safe to repeat: nothing is delivered twice). With e-mail
configured nothing is sent here: the demo's addresses are not real, the scheduler sends on time.
"""
from __future__ import annotations

from core.clock import utcnow
from digests.channels.email import mail_settings
from digests.dispatch import send_run
from digests.models import DIGEST_KINDS


def load_digests_demo() -> list[str]:
    if mail_settings() is not None:
        return ["Digests: e-mail is on, so the demo sends none; the scheduler sends them on time."]
    now = utcnow()
    sent = sum(send_run(kind, now=now).sent for kind in DIGEST_KINDS)
    return [f"Digests: the latest digests are in the inboxes ({sent} new in-app messages)."]
