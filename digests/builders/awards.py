"""Award announcements for chat rooms, when a campaign's awards are published: public, like team digests
(the same import test keeps coaching out of this module)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from digests.builders.campaigns import award_lines
from digests.render import Digest, in_language, render_digest


def render_awards(award_ids: list[int], *, since: datetime, locale: str) -> Digest:
    lines = award_lines(award_ids, since=since)
    with in_language(locale):
        return render_digest("awards", _("New awards published"), locale=locale, chat=True, lines=lines)
