"""The campaign pages: the editor (draft, launch, validation beside the right row, edits that keep
dimensions and their nominations, deleting a draft), a campaign's page (brief, acknowledgement, who has not
read it, one's own standing only), the list, the home panel, and bounded queries per page."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.extensions import db
from recognition.campaigns import queries, services
from recognition.campaigns.models import Acknowledgement, Campaign, Dimension, Nomination
from recognition.campaigns.standings import bump_inputs
from tests.campaign_fixtures import (  # noqa: F401
    DIMENSIONS, floor, local_midnight, make_campaign, metrics, running,
)
from tests.page_queries import statements


# --- helpers ---------------------------------------------------------------------------------

class _FormReader(HTMLParser):
    """What a browser would post from the first form whose ``data-*`` marker is given: inputs, checked
    boxes, text areas and selected options (rows inside a <template> are not part of the form)."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker, self.inside, self.template_depth = marker, False, 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.marker in a:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ("y" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self._select, self._multiple, self._options = a["name"], "multiple" in a, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea and self.fields and self.fields[-1][0] == self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "template":
            self.template_depth -= 1
        elif self.template_depth:
            return
        elif tag == "textarea":
            name, text = self.fields[-1]  # a browser drops the newline that follows <textarea>
            self.fields[-1] = (name, text[2:] if text.startswith("\r\n") else text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select":
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]  # a browser sends the first option when none is selected
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, marker: str = "data-campaign-editor") -> dict[str, str | list[str]]:
    """The form's fields as a dict (a name posted several times maps to a list)."""
    reader = _FormReader(marker)
    reader.feed(html)
    fields: dict[str, str | list[str]] = {}
    for name, value in reader.fields:
        if name in fields:
            previous = fields[name]
            fields[name] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            fields[name] = value
    return fields


def error_beside(html: str, field_id: str) -> str:
    """The error message shown beside a field (``forms.field`` gives it the id ``<field>-error``)."""
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>([^<]*)<', html)
    return match[1] if match else ""


def row(prefix: str, index: int, **fields) -> dict[str, str]:
    return {f"{prefix}-{index}-{name}": value for name, value in fields.items()}


def blank_requirement(index: int) -> dict[str, str]:
    return row("requirements", index, text="", metric="", target="", direction="")


def blank_dimension(index: int) -> dict[str, str]:
    return row("dimensions", index, dimension_id="", name="", weight="1", kind="metric", metric="", aggregate="",
               direction="", value="", min_volume="")


def editor_post(**overrides) -> dict:
    """The new-campaign form as a manager fills it: a blank row before and after the filled ones."""
    data = {
        "name": "Consumer rights day", "name_zh": "3·15 服务保障", "description": "Calm, complete, kind.",
        "starts_at": "2026-03-14T09:00", "ends_at": "2026-03-16T18:00", "teams": ["Alpha"],
        **blank_requirement(0),
        **row("requirements", 1, text="Hand over to the team lead after three rejections.", metric="", target="",
              direction=""),
        **row("requirements", 2, text="CSAT at least 90 %.", metric="csat", target="0.9", direction=""),
        **blank_requirement(3),
        **row("dimensions", 0, dimension_id="", name="Satisfaction", weight="2", kind="metric", metric="csat",
              aggregate="", direction="", value="", min_volume="10"),
        **blank_dimension(1),
        **row("dimensions", 2, dimension_id="", name="Raised early", weight="1", kind="nominations", metric="",
              aggregate="", direction="", value="", min_volume=""),
        "top_n": "3", "award_points": "50", "award_budget": "1000", "action": "draft",
    }
    data.update(overrides)
    return data


def campaign_count() -> int:
    return db.session.execute(select(func.count(Campaign.id))).scalar_one()


def of_alpha(org, *, starts: int = -10, ends: int = 10, name: str | None = None, **extra) -> Campaign:
    """A campaign of Alpha made by the manager (who manages Alpha's site), running unless told; ``starts``
    and ``ends`` are days from today."""
    campaign = make_campaign(org.manager, [org.team_a], DIMENSIONS, starts=local_midnight(starts),
                             ends=local_midnight(ends), now=utcnow(), **extra)
    if name:
        campaign.name = name
        db.session.commit()
    return campaign


# --- the editor ------------------------------------------------------------------------------

def test_manager_creates_a_draft_with_the_form_then_launches_it(client, org, login_as, metrics):
    login_as(org.manager)
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert "Asia/Shanghai" in page and "Save as draft" in page and "Create and launch" in page
    fields = form_fields(page)
    assert fields["top_n"] == "3" and fields["award_points"] == "50"
    assert fields["requirements-1-text"] == "" and fields["dimensions-1-name"] == ""  # two blank rows of each
    assert "Bravo Team" not in page.split('name="teams"')[1].split("</select>")[0]  # not a team they manage

    response = client.post("/campaigns/new", data=editor_post())
    campaign = db.session.execute(select(Campaign)).scalar_one()
    assert response.status_code == 302 and response.location.endswith(f"/campaigns/{campaign.id}")
    assert campaign.status == "draft" and campaign.name_zh == "3·15 服务保障"
    # 09:00 and 18:00 in Shanghai (UTC+8)
    assert campaign.starts_at == datetime(2026, 3, 14, 1, 0, tzinfo=timezone.utc)
    assert campaign.ends_at == datetime(2026, 3, 16, 10, 0, tzinfo=timezone.utc)
    assert [team.name for team in campaign.teams] == ["Alpha"]
    assert [(r.text, r.metric.slug if r.metric else None, r.target) for r in campaign.requirements] == [
        ("Hand over to the team lead after three rejections.", None, None), ("CSAT at least 90 %.", "csat", 0.9)]
    assert [(d.name, d.weight, d.source, d.metric.slug if d.metric else None, d.min_volume)
            for d in campaign.dimensions] == [("Satisfaction", 2.0, "metric", "csat", 10.0),
                                              ("Raised early", 1.0, "nominations", None, 0.0)]
    assert (campaign.award_top_n, campaign.award_points, campaign.award_budget) == (3, 50, 1000)

    detail = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Draft" in detail and 'data-testid="launch-campaign"' in detail
    login_as(org.agent)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404  # a draft is its makers' only

    login_as(org.manager)
    response = client.post(f"/campaigns/{campaign.id}/launch", follow_redirects=True)
    assert "The campaign is launched" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "open"
    login_as(org.agent)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200


def test_create_and_launch_launches_at_once(client, org, login_as, metrics):
    login_as(org.manager)
    response = client.post("/campaigns/new", data=editor_post(action="launch"), follow_redirects=True)
    assert "The campaign is launched" in response.get_data(as_text=True)
    assert db.session.execute(select(Campaign.status)).scalar_one() == "open"


@pytest.mark.parametrize(("overrides", "field_id", "message"), [
    ({"ends_at": "2026-03-14T08:00"}, "ends_at", "The end must come after the start."),
    ({"teams": []}, "teams", "Choose at least one team."),
    ({"teams": ["Alpha", "Bravo Team"]}, "teams", "You do not manage Bravo Team."),
    ({"starts_at": ""}, "starts_at", "Choose a date and time."),
    # the error lands on the row as the manager sees it, blank rows before it included
    ({"dimensions-2-weight": "0"}, "dimensions-2-weight", "A weight is a number above 0"),
    ({"dimensions-2-weight": "heavy"}, "dimensions-2-weight", "Not a valid float value."),
    ({"requirements-2-metric": "nope"}, "requirements-2-metric", "No KPI has the slug nope."),
    ({"requirements-1-target": "5"}, "requirements-1-metric", "A target needs a KPI."),
    ({"dimensions-2-kind": "metric"}, "dimensions-2-metric", "Choose the KPI."),
])
def test_a_bad_form_shows_the_message_beside_the_field_and_writes_nothing(client, org, login_as, metrics,
                                                                           overrides, field_id, message):
    login_as(org.manager)
    response = client.post("/campaigns/new", data=editor_post(**overrides))
    assert response.status_code == 200
    assert message in error_beside(response.get_data(as_text=True), field_id)
    assert campaign_count() == 0


def test_a_campaign_without_dimensions_says_so_above_the_rows(client, org, login_as, metrics):
    login_as(org.manager)
    data = {k: v for k, v in editor_post().items() if not k.startswith("dimensions-")}
    page = client.post("/campaigns/new", data=data).get_data(as_text=True)
    assert "Add at least one dimension." in page and campaign_count() == 0


def test_rows_are_added_and_removed_without_javascript(client, org, login_as, metrics):
    login_as(org.manager)
    page = client.post("/campaigns/new", data=editor_post(add_row="dimensions")).get_data(as_text=True)
    fields = form_fields(page)
    assert "dimensions-3-name" in fields and fields["dimensions-0-name"] == "Satisfaction"
    page = client.post("/campaigns/new", data=editor_post(remove_row="dimensions-0")).get_data(as_text=True)
    fields = form_fields(page)
    assert "dimensions-0-name" not in fields and fields["dimensions-2-name"] == "Raised early"
    assert "is-invalid" not in page and 'aria-invalid="true"' not in page  # not validated: nothing saved yet
    assert campaign_count() == 0
    # the JavaScript copies a blank row from its <template>, numbered __index__
    assert 'name="dimensions-__index__-name"' in page and 'js/campaign-editor.js' in page


def test_an_edit_keeps_the_dimensions_and_their_nominations(client, org, login_as, metrics):
    campaign = of_alpha(org)
    raised = next(d for d in campaign.dimensions if d.source == "nominations")
    services.nominate(campaign, raised, org.agent, nominator=org.supervisor, reason="Flagged the outage early.",
                      now=utcnow())
    db.session.commit()
    ids = {d.name: d.id for d in campaign.dimensions}

    login_as(org.manager)
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "This campaign is running" in page
    fields = form_fields(page)
    assert fields["starts_at"] == local_midnight(-10).strftime("%Y-%m-%dT%H:%M")  # organisation time
    assert fields["teams"] == "Alpha"
    rows = {fields[f"dimensions-{i}-name"]: i for i in range(3)}
    assert {name: int(fields[f"dimensions-{i}-dimension_id"]) for name, i in rows.items()} == ids
    # the manager drops "Handling time", renames and reweighs "Raised early" and saves the form as shown
    for key in [k for k in fields if k.startswith(f"dimensions-{rows['Handling time']}-")]:
        del fields[key]
    fields[f"dimensions-{rows['Raised early']}-name"] = "Problems raised early"
    fields[f"dimensions-{rows['Raised early']}-weight"] = "3"
    response = client.post(f"/campaigns/{campaign.id}/edit", data={**fields, "action": "save"})
    assert response.status_code == 302, error_beside(response.get_data(as_text=True), "name")

    db.session.expire_all()
    kept = {d.name: (d.id, d.weight) for d in db.session.get(Campaign, campaign.id).dimensions}
    assert kept == {"Satisfaction": (ids["Satisfaction"], 2.0), "Problems raised early": (ids["Raised early"], 3.0)}
    assert db.session.execute(select(Nomination.dimension_id)).scalar_one() == ids["Raised early"]


def test_an_edit_error_shows_on_the_row_and_changes_nothing(client, org, login_as, metrics):
    campaign = of_alpha(org)
    login_as(org.manager)
    fields = form_fields(client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True))
    fields["dimensions-1-weight"] = "-1"
    fields["name"] = "Renamed"
    page = client.post(f"/campaigns/{campaign.id}/edit", data=fields).get_data(as_text=True)
    assert "A weight is a number above 0" in error_beside(page, "dimensions-1-weight")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).name == "3·15 service guarantee"


def test_published_campaigns_cannot_be_edited(client, org, login_as, metrics):
    campaign = of_alpha(org)
    campaign.status = "published"
    db.session.commit()
    login_as(org.manager)
    response = client.get(f"/campaigns/{campaign.id}/edit", follow_redirects=True)
    assert "can no longer change" in response.get_data(as_text=True)
    assert 'data-testid="edit-campaign"' not in response.get_data(as_text=True)


def test_a_draft_is_deleted_once_confirmed_and_a_launched_campaign_never(client, org, login_as, metrics):
    draft = of_alpha(org, draft=True)
    login_as(org.manager)
    response = client.post(f"/campaigns/{draft.id}/delete", follow_redirects=True)
    assert "Tick the box to confirm the deletion." in response.get_data(as_text=True)
    assert campaign_count() == 1
    response = client.post(f"/campaigns/{draft.id}/delete", data={"confirm": "y"})
    assert response.status_code == 302 and response.location.endswith("/campaigns")
    assert campaign_count() == 0

    launched = of_alpha(org)
    response = client.post(f"/campaigns/{launched.id}/delete", data={"confirm": "y"}, follow_redirects=True)
    assert "Only a draft can be deleted." in response.get_data(as_text=True)
    assert campaign_count() == 1


def test_only_those_who_run_a_campaign_edit_it(client, org, login_as, make_person, metrics):
    campaign = make_campaign(org.admin, [org.team_b], DIMENSIONS, starts=local_midnight(-1), ends=local_midnight(5),
                             now=utcnow())
    login_as(org.manager)  # manages Shanghai; Bravo Team is in London
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/launch").status_code == 403
    assert 'data-testid="manager-actions"' not in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)


# --- a campaign's page, the list and the home panel -------------------------------------------

def test_a_participant_reads_the_brief_and_acknowledges_it_from_home(client, org, login_as, metrics):
    campaign = of_alpha(org)
    login_as(org.agent)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-campaign-briefs"' in home and "Hand over to the team lead" in home
    index = client.get("/campaigns").get_data(as_text=True)
    assert "Read the brief" in index and 'data-testid="campaigns-running"' in index and "Ends in" in index
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "CSAT at least 90 %." in page and "I have read the brief" in page
    assert "Satisfaction" in page and "50%" in page  # weight 2 of 4

    response = client.post(f"/campaigns/{campaign.id}/acknowledge", data={"next": "/"})
    assert response.status_code == 302 and response.location == "/"
    assert db.session.execute(select(Acknowledgement.person_id)).scalar_one() == org.agent.id
    assert 'data-testid="home-campaign-briefs"' not in client.get("/").get_data(as_text=True)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "You acknowledged the brief on" in page and "I have read the brief" not in page
    # somewhere else is never followed
    response = client.post(f"/campaigns/{campaign.id}/acknowledge", data={"next": "https://evil.example/"})
    assert response.location.endswith(f"/campaigns/{campaign.id}")


def test_a_long_brief_is_acknowledged_on_the_campaign_page(client, org, login_as, metrics):
    requirements = [services.RequirementSpec(f"Requirement number {i}.") for i in range(7)]
    campaign = make_campaign(org.manager, [org.team_a], DIMENSIONS, requirements, starts=local_midnight(-1),
                             ends=local_midnight(5), now=utcnow())
    login_as(org.agent)
    home = client.get("/").get_data(as_text=True)
    assert "Read the whole brief (2 more requirements)" in home
    assert f'data-testid="acknowledge-{campaign.id}"' not in home


def test_other_teams_see_a_launched_campaign_but_neither_acknowledge_nor_see_drafts(client, org, login_as,
                                                                                   make_person, metrics):
    campaign = of_alpha(org)
    draft = of_alpha(org, draft=True)
    outsider_manager = make_person("manager2", role="manager")  # manages no site
    for person in (org.other_agent, org.other_supervisor, outsider_manager, org.agent, org.supervisor):
        login_as(person)
        assert client.get(f"/campaigns/{draft.id}").status_code == 404, person.username
        assert client.post(f"/campaigns/{draft.id}/acknowledge").status_code == 404, person.username
        assert f"/campaigns/{draft.id}" not in client.get("/campaigns").get_data(as_text=True)

    login_as(org.other_agent)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "CSAT at least 90 %." in page and "I have read the brief" not in page
    assert 'data-testid="home-campaign-briefs"' not in client.get("/").get_data(as_text=True)
    response = client.post(f"/campaigns/{campaign.id}/acknowledge", follow_redirects=True)
    assert "Only participants acknowledge the brief." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Acknowledgement)).scalar_one() == 0


def test_those_who_follow_the_brief_see_who_has_not_read_it(client, org, login_as, make_person, metrics):
    a2 = make_person("a2", team=org.team_a, name="Alpha Agent Two")
    b2 = make_person("b2", team=org.team_b, name="Bravo Agent Two")
    campaign = make_campaign(org.admin, [org.team_a, org.team_b], DIMENSIONS, starts=local_midnight(-1),
                             ends=local_midnight(5), now=utcnow())
    services.acknowledge_brief(campaign, org.agent, now=utcnow())
    db.session.commit()

    login_as(org.manager)  # runs it: every participant
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "1 of 4 participants have acknowledged the brief." in page
    missing = page.split('data-testid="unacknowledged"')[1].split("</ul>")[0]
    assert a2.name in missing and b2.name in missing and org.other_agent.name in missing
    assert org.agent.name not in missing

    login_as(org.supervisor)  # leads Alpha: Alpha's only
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "1 of 2 participants have acknowledged the brief." in page
    assert a2.name in page and b2.name not in page

    for person in (org.agent, org.other_agent):
        login_as(person)
        page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
        assert 'data-testid="acknowledgements"' not in page


def test_the_own_standing_block_shows_the_viewer_alone(client, org, login_as, floor, metrics):
    campaign = running(org)
    login_as(org.agent)  # ranked last by the floor's KPIs
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    own = queries.own_standing(db.session.get(Campaign, campaign.id), org.agent)
    block = page.split('data-testid="own-standing"')[1].split("</section>")[0]
    assert f"#{own.rank}" in block and f"behind #{own.rank - 1}" in block and "Only you see this." in block
    assert "Satisfaction" in block and "Handling time" in block
    for other in ("Alpha Agent", "Bravo Agent", org.other_agent.name):
        assert other not in page  # nobody else's name, rank or score on the page

    login_as(org.manager)
    assert 'data-testid="own-standing"' not in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_a_tie_on_score_is_explained_not_called_a_lead(client, org, login_as, make_person, metrics):
    campaign = of_alpha(org)  # no KPIs yet: agent1 and zoe tie, the username puts agent1 first
    zoe = make_person("zoe", team=org.team_a)
    bump_inputs(campaign)
    db.session.commit()
    login_as(zoe)
    block = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True).split('data-testid="own-standing"')[1]
    assert "#2" in block and "Level with #1 on score" in block and "Nobody is ahead" not in block
    login_as(org.agent)
    block = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True).split('data-testid="own-standing"')[1]
    assert "#1" in block and "Nobody is ahead of you." in block


def test_team_progress_against_a_target_is_shown_as_bars(client, org, login_as, floor, metrics):
    campaign = running(org)
    login_as(org.other_agent)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    target = page.split(f'data-testid="target-{campaign.requirements[1].id}"')[1].split("</li>")[0]
    assert "target 90%" in target and target.count("<progress") == 3  # all teams, Alpha, Bravo Team
    assert "Alpha" in target and "Bravo Team" in target and "Alpha Agent" not in target


def test_the_list_groups_campaigns_by_state_and_shows_drafts_to_those_who_run_them(client, org, login_as,
                                                                                   metrics):
    of_alpha(org, name="Running one")
    of_alpha(org, draft=True, name="Draft one")
    of_alpha(org, starts=-10, ends=-2, name="Ended one")
    of_alpha(org, starts=3, ends=9, name="Later one")

    def section(page: str, state: str) -> str:
        return page.split(f'data-testid="campaigns-{state}"')[1].split("</section>")[0] if (
            f'data-testid="campaigns-{state}"' in page) else ""

    login_as(org.manager)
    page = client.get("/campaigns").get_data(as_text=True)
    assert "Running one" in section(page, "running") and "Draft one" in section(page, "draft")
    assert "Ended one" in section(page, "ended") and "Later one" in section(page, "scheduled")
    assert "Starts in" in section(page, "scheduled") and 'data-testid="new-campaign"' in page
    login_as(org.agent)
    page = client.get("/campaigns").get_data(as_text=True)
    assert "Draft one" not in page and "Running one" in page and 'data-testid="new-campaign"' not in page


def test_dates_show_in_the_viewers_time_zone(client, org, login_as, make_person, metrics):
    campaign = of_alpha(org)  # starts at midnight in Shanghai: 16:00 the day before in London (GMT)
    londoner = make_person("london.agent", team=org.team_a, timezone="Europe/London")
    shanghai_start = local_midnight(-10)
    login_as(org.agent)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"{shanghai_start.month}/{shanghai_start.day}/{shanghai_start:%y}, 12:00\u202fAM" in page
    login_as(londoner)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    in_london = campaign.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert f"{in_london.month}/{in_london.day}/{in_london:%y}, {in_london:%-I}:00\u202fPM" in page


# --- queries per page ------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["agent", "supervisor", "manager"])
def test_pages_run_as_many_statements_with_many_participants_as_with_few(client, org, login_as, make_person,
                                                                         metrics, viewer):
    campaign = of_alpha(org)
    urls = [f"/campaigns/{campaign.id}", "/campaigns", "/"]
    login_as(getattr(org, viewer))

    def counts() -> list[int]:
        bump_inputs(db.session.get(Campaign, campaign.id))  # the newcomers take part in the standings
        db.session.commit()
        client.get(urls[0])  # recomputes them once
        return [statements(client, url) for url in urls]

    few = counts()
    for i in range(40):
        make_person(f"crowd{i}", team=org.team_a)
    many = counts()
    assert many == few, f"{urls}: {few} statements with few participants, {many} with many"
    assert max(many) <= 25, many


def test_dimensions_of_a_campaign_are_kept_when_nothing_changes(client, org, login_as, metrics):
    """Saving the editor as shown changes nothing: every field round-trips."""
    campaign = of_alpha(org)
    before = [(d.id, d.name, d.weight, d.source, d.metric_id, d.aggregate, d.direction, d.min_volume, d.value_id)
              for d in campaign.dimensions]
    requirements = [(r.text, r.metric_id, r.target, r.direction) for r in campaign.requirements]
    period = (campaign.starts_at, campaign.ends_at)
    login_as(org.manager)
    fields = form_fields(client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True))
    assert client.post(f"/campaigns/{campaign.id}/edit", data=fields).status_code == 302
    db.session.expire_all()
    after = db.session.get(Campaign, campaign.id)
    assert [(d.id, d.name, d.weight, d.source, d.metric_id, d.aggregate, d.direction, d.min_volume, d.value_id)
            for d in after.dimensions] == before
    assert [(r.text, r.metric_id, r.target, r.direction) for r in after.requirements] == requirements
    assert (after.starts_at, after.ends_at) == period
    assert db.session.execute(select(func.count(Dimension.id))).scalar_one() == len(before)
