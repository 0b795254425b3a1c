"""Who sees and runs campaigns, and how much of their standings: the one place that decides.

- A campaign is run (edited, launched, awards published, wallboards made) by an admin, its creator,
  or a manager of one of its teams' sites.
- Anyone signed in sees a launched campaign, its brief, team progress and the public top N. Drafts
  are seen only by those who run them (404 for everyone else).
- Standings rows: those who run the campaign see every row; everyone else sees the public top N
  (participants eligible somewhere), their own row, and the rows of the teams they lead.
  Breakdowns (per-dimension values and percentiles) and gaps go only with rows one may see in full:
  one's own, one's teams', or all for those who run the campaign — never with a public top-N row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.access import has_role, managed_team_ids, supervised_team_ids
from core.errors import NotAllowed, NotFound
from core.extensions import db
from core.models import Person
from recognition.campaigns.heads import CampaignHead, campaign_head
from recognition.campaigns.models import Award, Campaign, Wallboard


def can_create_campaigns(person: Person | None) -> bool:
    return has_role(person, "manager")


def can_manage_campaign(person: Person | None, campaign: Campaign | CampaignHead) -> bool:
    if not has_role(person, "manager"):
        return False
    if person.role == "admin" or campaign.created_by_id == person.id:
        return True
    return bool(campaign.team_ids & managed_team_ids(person))


def can_view_campaign(person: Person | None, campaign: Campaign | CampaignHead) -> bool:
    if not has_role(person, "agent"):
        return False
    return campaign.status != "draft" or can_manage_campaign(person, campaign)


def is_participant(person: Person | None, campaign: Campaign) -> bool:
    """Participants are the active agents of the campaign's teams."""
    return bool(person is not None and getattr(person, "is_authenticated", False) and person.active
                and person.role == "agent" and person.team_id in campaign.team_ids)


def visible_campaign_or_404(viewer: Person, campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_view_campaign(viewer, campaign):
        raise NotFound(_("Not found."))
    return campaign


def visible_campaign_head_or_404(viewer: Person, campaign_id: int) -> CampaignHead:
    """As :func:`visible_campaign_or_404`, for reads that need no more than the head (kept a second)."""
    head = campaign_head(campaign_id)
    if head is None or not can_view_campaign(viewer, head):
        raise NotFound(_("Not found."))
    return head


def managed_campaign_or_404(viewer: Person, campaign_id: int) -> Campaign:
    """:raise NotFound: for a campaign the viewer cannot see; :raise NotAllowed: for one they do not run"""
    campaign = visible_campaign_or_404(viewer, campaign_id)
    if not can_manage_campaign(viewer, campaign):
        raise NotAllowed(_("You are not allowed to do this."))
    return campaign


def visible_award_or_404(viewer: Person, award_id: int) -> Award:
    """A published award is public; a draft is seen by those who run its campaign."""
    award = db.session.get(Award, award_id)
    if award is None or not can_view_campaign(viewer, award.campaign):
        raise NotFound(_("Not found."))
    if award.published_at is None and not can_manage_campaign(viewer, award.campaign):
        raise NotFound(_("Not found."))
    return award


@dataclass(frozen=True)
class StandingsScope:
    """Which standings rows a viewer may see beyond the public top N, and in full."""

    everyone: bool = False
    person_id: int | None = None
    team_ids: frozenset[int] = field(default_factory=frozenset)

    def sees_in_full(self, person_id: int, team_id: int | None) -> bool:
        return self.everyone or person_id == self.person_id or (team_id is not None and team_id in self.team_ids)

    def sees_team_in_full(self, team_id: int) -> bool:
        """Whether every row of the team is visible: what a team filter of the standings may offer."""
        return self.everyone or team_id in self.team_ids


def led_team_ids(viewer: Person, campaign: Campaign | CampaignHead) -> frozenset[int]:
    """The campaign's teams the viewer leads (supervises, or manages the site of)."""
    if not has_role(viewer, "supervisor"):
        return frozenset()
    return frozenset((supervised_team_ids(viewer) | managed_team_ids(viewer)) & campaign.team_ids)


def standings_scope(viewer: Person, campaign: Campaign | CampaignHead) -> StandingsScope:
    if can_manage_campaign(viewer, campaign):
        return StandingsScope(everyone=True, person_id=viewer.id)
    return StandingsScope(person_id=viewer.id, team_ids=led_team_ids(viewer, campaign))


def leads_participant(viewer: Person, campaign: Campaign, nominee: Person) -> bool:
    """A supervisor (or manager) leading the nominee's team, which takes part in the campaign."""
    if not has_role(viewer, "supervisor") or nominee.team_id not in campaign.team_ids:
        return False
    return nominee.team_id in (supervised_team_ids(viewer) | managed_team_ids(viewer))


def can_see_acknowledgements(viewer: Person, campaign: Campaign) -> bool:
    return can_manage_campaign(viewer, campaign) or bool(standings_scope(viewer, campaign).team_ids)


def acknowledgement_team_ids(viewer: Person, campaign: Campaign) -> set[int] | None:
    """Whose acknowledgements the viewer follows: ``None`` (every participant) for those who run the
    campaign, else the participating teams they lead (check :func:`can_see_acknowledgements` first)."""
    if can_manage_campaign(viewer, campaign):
        return None
    return set(led_team_ids(viewer, campaign))


def can_make_wallboard_for_team(viewer: Person, team_id: int) -> bool:
    if not has_role(viewer, "manager"):
        return False
    return viewer.role == "admin" or team_id in managed_team_ids(viewer)


def can_manage_wallboard(viewer: Person, board: Wallboard) -> bool:
    """Its maker, an admin, or whoever runs its campaign (manages its team)."""
    if not has_role(viewer, "manager"):
        return False
    if viewer.role == "admin" or board.created_by_id == viewer.id:
        return True
    if board.campaign is not None:
        return can_manage_campaign(viewer, board.campaign)
    return can_make_wallboard_for_team(viewer, board.team_id)


def require_metric_writer(person: Person | None, token_scopes: list[str] | tuple[str, ...] = ()) -> None:
    """KPIs are written by managers and admins, or through a token with the ``metrics`` scope.

    :raise NotAllowed: for anyone else
    """
    if has_role(person, "manager") or (has_role(person, "agent") and "metrics" in (token_scopes or ())):
        return
    raise NotAllowed(_("You are not allowed to do this."))
