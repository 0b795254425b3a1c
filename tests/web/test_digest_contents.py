"""What personal and supervisor digests say, the previews, the schedules and preferences that steer them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from coaching import services as coaching
from coaching.services import ActionDraft
from core.extensions import db
from digests import services
from digests.dispatch import dispatch_due, send_run
from digests.models import Delivery
from tests.digest_helpers import IN_THE_WEEK, mailbox, smtp_server  # noqa: F401
from tests.kudos_fixtures import count_queries, give, value  # noqa: F401

MONDAY_0800_SHANGHAI = datetime(2026, 11, 23, 0, 0, 30, tzinfo=timezone.utc)
WEDNESDAY_0800_SHANGHAI = datetime(2026, 11, 25, 0, 0, 30, tzinfo=timezone.utc)
PRAISE = "Your summary of the billing dispute saved the customer a second call."


@pytest.fixture
def coached(org, give):
    """agent1: praised, two shared entries not acknowledged, an open action, a one-to-one; super1: a draft."""
    give(org.supervisor, org.agent, message=PRAISE, points=7, at=IN_THE_WEEK)
    entries = []
    for day in (16, 17):
        entry = coaching.create_entry(
            org.supervisor, org.agent, kind="side_by_side", occurred_on=date(2026, 11, day), now=IN_THE_WEEK,
            went_well="Warm greeting.", to_improve="Confirm the customer's number.",
            actions=[ActionDraft(f"Practise the verification script {day}", date(2026, 11, 20))],
            follow_up_on=date(2026, 11, 20))
        coaching.share_entry(entry, org.supervisor, now=IN_THE_WEEK)
        entries.append(entry)
    coaching.create_entry(org.supervisor, org.agent, kind="other", occurred_on=date(2026, 11, 18),
                          now=IN_THE_WEEK, to_improve="A draft nobody shared.")
    coaching.schedule_one_to_one(org.supervisor, org.agent, datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc),
                                 now=IN_THE_WEEK)
    db.session.commit()
    return org


def test_the_personal_digest_tells_the_agent_their_own_week(app, coached, mailbox):
    dispatch_due(now=MONDAY_0800_SHANGHAI)
    mail = [m for m in mailbox.to("agent1@example.com") if m.message["Message-ID"].startswith("<personal.")]
    assert len(mail) == 1
    text = mail[0].text
    assert PRAISE in text and "Super1" in text
    assert "Rank 1 with 7 points" in text and "2026-W47" in text
    assert "Practise the verification script 16" in text and "Practise the verification script 17" in text
    assert "waiting for your acknowledgement" in text
    assert "Your next one-to-one" in text
    assert "A draft nobody shared" not in text and "Confirm the customer" not in text
    # agent2 had nothing this week: skipped, not an empty e-mail
    assert not [m for m in mailbox.to("agent2@example.com") if "personal" in m.message["Message-ID"]]


def test_the_supervisor_digest_weekly_and_daily_when_overdue(app, coached, mailbox):
    dispatch_due(now=MONDAY_0800_SHANGHAI)
    weekly = [m for m in mailbox.to("super1@example.com") if m.message["Message-ID"].startswith("<supervisor.")]
    assert len(weekly) == 1
    text = weekly[0].text
    assert "Overdue actions" in text and "Practise the verification script 16" in text
    assert "Overdue follow-ups" in text and "Entries not shared yet" in text
    assert "One-to-ones due" in text and "Agent1" in text
    # super2 (London, 08:00 there) has nothing overdue, and agent2 was never praised: catch them doing good
    assert not mailbox.to("super2@example.com")
    dispatch_due(now=MONDAY_0800_SHANGHAI + timedelta(hours=8))
    other = [m for m in mailbox.to("super2@example.com") if m.message["Message-ID"].startswith("<supervisor.")]
    assert len(other) == 1 and "Catch them doing good" in other[0].text and "Agent2" in other[0].text

    dispatch_due(now=WEDNESDAY_0800_SHANGHAI)  # a daily one for super1 only: something is overdue
    daily = [m for m in mailbox.mails if m.message["Message-ID"].startswith("<supervisor.2026-11-25.")]
    assert [m.to for m in daily] == ["super1@example.com"]
    assert "Overdue" in daily[0].subject


def test_personal_frequency_and_channels_are_the_persons_choice(app, coached, mailbox):
    services.set_preference(coached.agent, "personal", email=False, in_app=True, frequency="daily")
    services.set_preference(coached.other_agent, "personal", email=True, in_app=True, frequency="none")
    db.session.commit()
    dispatch_due(now=MONDAY_0800_SHANGHAI)
    assert not [m for m in mailbox.to("agent1@example.com") if "personal" in m.message["Message-ID"]]
    daily = db.session.execute(select(Delivery).where(Delivery.kind == "personal",
                                                      Delivery.person_id == coached.agent.id)).scalars().all()
    assert [(d.period, d.channel, d.status) for d in daily] == [("2026-11-23", "in_app", "sent")]
    assert not db.session.execute(select(Delivery).where(Delivery.person_id == coached.other_agent.id,
                                                         Delivery.kind == "personal")).first()


def test_a_team_schedule_in_the_teams_time_zone(app, coached, mailbox, give):
    services.set_team_schedule(coached.team_a, frequency="daily", weekday=None, send_at="09:30",
                               actor=coached.supervisor)
    db.session.commit()
    morning = datetime(2026, 11, 19, 1, 30, 30, tzinfo=timezone.utc)  # Thursday 09:30 in Shanghai
    give(coached.other_agent, coached.agent, message="Thanks for covering my queue at lunch today!",
         at=morning - timedelta(hours=3))
    dispatch_due(now=morning - timedelta(minutes=5))
    assert not [m for m in mailbox.mails if "Alpha" in m.subject]
    dispatch_due(now=morning)
    team_mail = [m for m in mailbox.mails if "Alpha" in m.subject]
    assert sorted(m.to for m in team_mail) == ["agent1@example.com", "super1@example.com"]
    assert all("covering my queue" in m.text for m in team_mail)
    assert {m.message["Message-ID"].split(".")[1] for m in team_mail} == {"2026-11-19"}


def test_bad_schedules_and_preferences_are_refused(app, org):
    from core.errors import InvalidInput

    for kwargs in ({"frequency": "hourly", "weekday": 1, "send_at": "10:00"},
                   {"frequency": "weekly", "weekday": 9, "send_at": "10:00"},
                   {"frequency": "weekly", "weekday": 1, "send_at": "25:99"}):
        with pytest.raises(InvalidInput):
            services.set_team_schedule(org.team_a, actor=org.admin, **kwargs)
    with pytest.raises(InvalidInput):
        services.set_preference(org.agent, "personal", email=True, in_app=True, frequency="hourly")
    with pytest.raises(InvalidInput):
        services.set_preference(org.agent, "gossip", email=True, in_app=True)


def test_the_preview_api_shows_the_callers_next_digest(app, client, coached, token_for):
    response = client.get("/api/v1/digests/preview?kind=personal", headers=token_for(coached.agent))
    assert response.status_code == 200
    assert set(response.json) == {"subject", "text", "html"}
    assert "Practise the verification script 16" in response.json["text"]
    team = client.get("/api/v1/digests/preview?kind=team", headers=token_for(coached.agent)).json
    assert "Alpha" in team["subject"]
    supervisor = client.get("/api/v1/digests/preview?kind=supervisor", headers=token_for(coached.supervisor))
    assert supervisor.status_code == 200 and "Overdue actions" in supervisor.json["text"]
    refused = client.get("/api/v1/digests/preview?kind=supervisor", headers=token_for(coached.agent))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    bad = client.get("/api/v1/digests/preview?kind=gossip", headers=token_for(coached.agent))
    assert bad.status_code == 400 and "kind" in bad.json["error"]["fields"]
    teamless = client.get("/api/v1/digests/preview?kind=team", headers=token_for(coached.admin))
    assert teamless.status_code == 422 and teamless.json["error"]["code"] == "no_team"


def test_the_preferences_page_saves_choices_and_shows_previews(app, client, login_as, coached):
    login_as(coached.supervisor)
    page = client.get("/digests/preferences").get_data(as_text=True)
    assert "srcdoc=" in page and "Team lead digest" in page and "Alpha" in page
    response = client.post("/digests/preferences", data={"personal_frequency": "daily", "personal_in_app": "y",
                                                         "team_email": "y", "supervisor_email": "y"})
    assert response.status_code == 302
    choices = services.preferences_of(coached.supervisor)
    assert (choices["personal"].frequency, choices["personal"].email, choices["personal"].in_app) == (
        "daily", False, True)
    assert (choices["team"].email, choices["team"].in_app) == (True, False)
    schedule = client.post(f"/digests/teams/{coached.team_a.id}/schedule",
                           data={f"team-{coached.team_a.id}-frequency": "daily",
                                 f"team-{coached.team_a.id}-weekday": "0",
                                 f"team-{coached.team_a.id}-send_at": "07:45"})
    assert schedule.status_code == 302
    saved = services.team_schedules([coached.team_a])[coached.team_a.id]
    assert (saved.frequency, saved.at.strftime("%H:%M")) == ("daily", "07:45")
    assert client.post(f"/digests/teams/{coached.team_b.id}/schedule", data={}).status_code == 403


def test_the_personal_run_takes_a_bounded_number_of_queries(app, org, give, make_person, mailbox):
    """Batched reads: 36 more recipients cost one more statement each (recording each e-mail's outcome),
    none per kudos, entry or team member."""
    def run_with(people: int) -> int:
        for _ in range(people):
            agent = make_person(team=org.team_a)
            give(org.supervisor, agent, message=PRAISE, at=IN_THE_WEEK)
            give(org.other_supervisor, agent, message=PRAISE, at=IN_THE_WEEK)
        with count_queries() as counter:
            report = send_run("personal", now=MONDAY_0800_SHANGHAI)
        assert report.sent >= 2 * people
        return counter[0]

    small = run_with(4)
    large = run_with(36) - small  # the second run only builds for the 36 new ones... and skips the rest
    assert large <= small + 36 * 1.2, (small, large)


def test_admins_add_list_and_remove_webhooks_through_the_api(app, client, org, token_for):
    admin = token_for(org.admin)
    created = client.post("/api/v1/webhooks", headers=admin, json={
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc", "format": "dingtalk", "team": "Alpha",
        "secret": "SECxyz"})
    assert created.status_code == 201
    assert created.json["team"] == "Alpha" and created.json["signed"] is True and "secret" not in created.json
    everyone = client.post("/api/v1/webhooks", headers=admin, json={"url": "http://chat.internal/hook",
                                                                     "format": "generic"})
    assert everyone.status_code == 201 and everyone.json["team"] is None
    for body, field in (({"url": "ftp://x/y", "format": "slack"}, "url"),
                        ({"url": "https://x/y", "format": "telegram"}, "format"),
                        ({"format": "slack"}, "url")):
        bad = client.post("/api/v1/webhooks", headers=admin, json=body)
        assert bad.status_code == 400 and field in bad.json["error"]["fields"], body
    assert client.post("/api/v1/webhooks", headers=admin,
                       json={"url": "https://x/y", "format": "slack", "team": "Nope"}).status_code == 404
    assert client.post("/api/v1/webhooks", headers=token_for(org.manager),
                       json={"url": "https://x/y", "format": "slack"}).status_code == 403
    listed = client.get("/api/v1/webhooks", headers=admin).json
    assert [w["id"] for w in listed["items"]] == [created.json["id"], everyone.json["id"]]
    assert client.delete(f"/api/v1/webhooks/{created.json['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/webhooks/{created.json['id']}", headers=admin).status_code == 404
    assert len(client.get("/api/v1/webhooks", headers=admin).json["items"]) == 1


def test_the_delivery_log_shows_each_run(app, client, login_as, coached, mailbox):
    mailbox.fail_first = 1
    dispatch_due(now=MONDAY_0800_SHANGHAI)
    login_as(coached.admin)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "personal · 2026-W48" in page and "supervisor · 2026-W48" in page
    run = client.get("/admin/deliveries?kind=personal&period=2026-W48&status=failed").get_data(as_text=True)
    assert "451" in run and "Agent1" in run
