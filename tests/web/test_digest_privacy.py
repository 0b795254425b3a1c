"""Privacy canary for digests: coaching entries, private notes and the journal carry a unique marker; then
every digest of every kind goes out over every channel, and the marker reaches only its owner (agent1)
and the people who coach them (super1, and manager1 over the site) — never a team digest, a chat room
or anyone else's mail or inbox."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.extensions import db
from digests import services
from digests.delivery import retry_due
from digests.dispatch import build_award_post, send_run
from digests.models import InboxMessage
from tests.coaching_helpers import NOW
from tests.digest_helpers import chat_server, mailbox, smtp_server  # noqa: F401  (fixtures)
from recognition import services as recognition
from tests.web.test_coaching_privacy_canary import MARKER, PRAISE, private_writing  # noqa: F401  (fixture)

# Moments after the canary's writing (Tuesday 10 March 2026): Friday 16:00 in Shanghai and in London,
# Monday 08:00 in Shanghai and in London, Tuesday 08:00 in Shanghai.
MOMENTS = [datetime(2026, 3, 13, 8, 0, 30, tzinfo=timezone.utc), datetime(2026, 3, 13, 16, 0, 30, tzinfo=timezone.utc),
           datetime(2026, 3, 16, 0, 0, 30, tzinfo=timezone.utc), datetime(2026, 3, 16, 8, 0, 30, tzinfo=timezone.utc),
           datetime(2026, 3, 17, 0, 0, 30, tzinfo=timezone.utc)]
READERS = {"agent1", "super1", "manager1"}  # the agent, their supervisor, the manager of their site


@pytest.fixture
def everything_sent(app, org, private_writing, make_person, mailbox, chat_server):
    agent3 = make_person("agent3", team=org.team_a)
    value = recognition.value_by_slug("customer-first")  # made by the canary's fixture
    for giver, receiver, message in (
            (org.supervisor, org.agent, "Handled the outage callers with real patience."),
            (agent3, org.agent, "Thanks for showing me the new refund screen today."),
            (org.other_supervisor, org.other_agent, "Great first week on the phones, well done.")):
        recognition.give_kudos(giver, value, message, 2, recipients=[receiver], now=NOW)
    for format in ("generic", "slack", "teams", "wecom", "dingtalk", "feishu"):
        services.create_webhook(f"{chat_server.base_url}/{format}", format, team=org.team_a,
                                secret="s3cret" if format in ("dingtalk", "feishu") else None, actor=org.admin)
    services.create_webhook(f"{chat_server.base_url}/everyone", "slack", actor=org.admin)
    for person in (org.agent, agent3, org.other_agent):
        services.set_preference(person, "personal", email=True, in_app=True, frequency="daily")
    db.session.commit()
    from core.hooks import emit_event
    from recognition.badges import announce

    announce("award", org.agent, {"award": 1, "campaign": 1, "title": "Spring peak · Overall · No. 1"}, now=NOW)
    emit_event("awards.published", campaign_id=1, award_ids=[1])
    db.session.commit()
    for moment in MOMENTS:
        for kind in ("team", "personal", "supervisor"):
            send_run(kind, now=moment)
        retry_due(now=moment, build_pending=build_award_post)
    return org


def test_no_team_digest_chat_post_or_someone_elses_digest_carries_the_marker(app, everything_sent, mailbox,
                                                                            chat_server):
    people = {p.email: p.username for p in (everything_sent.agent, everything_sent.other_agent,
                                            everything_sent.supervisor, everything_sent.other_supervisor,
                                            everything_sent.manager, everything_sent.admin)}
    people["agent3@example.com"] = "agent3"
    assert len(chat_server.posts) >= 8 and len(mailbox.mails) >= 10
    for post in chat_server.posts:
        assert MARKER not in post.raw.decode(), post.path
    for mail in mailbox.mails:
        kind = mail.message["Message-ID"].strip("<").split(".")[0]
        if kind == "team" or people[mail.to] not in READERS:
            assert MARKER not in mail.everything, (mail.to, mail.subject)
    for message in db.session.execute(select(InboxMessage)).scalars():
        username = db.session.get(type(everything_sent.agent), message.person_id).username
        if message.kind == "team" or username not in READERS:
            assert MARKER not in message.html + message.subject, (username, message.subject)


def test_the_marker_reaches_its_readers_so_the_walk_is_not_vacuous(app, everything_sent, mailbox, chat_server):
    personal = [m for m in mailbox.to("agent1@example.com") if m.message["Message-ID"].startswith("<personal.")]
    supervisor = [m for m in mailbox.to("super1@example.com") if m.message["Message-ID"].startswith("<supervisor.")]
    assert any(MARKER in m.text for m in personal)
    assert any(MARKER in m.text for m in supervisor)
    team_mail = [m for m in mailbox.mails if m.message["Message-ID"].startswith("<team.")]
    # the praise of a coaching entry went public as kudos, and with it into the team digest: only that
    assert team_mail and all(PRAISE in m.text for m in team_mail if "Alpha" in m.subject)
    assert any("Spring peak" in post.raw.decode() for post in chat_server.posts)


def test_previews_of_others_never_carry_the_marker(app, client, everything_sent, token_for, make_person):
    for person, kinds in ((everything_sent.other_agent, ("team", "personal")),
                          (everything_sent.other_supervisor, ("team", "personal", "supervisor")),
                          (everything_sent.agent, ("team",))):
        headers = token_for(person)
        for kind in kinds:
            response = client.get(f"/api/v1/digests/preview?kind={kind}", headers=headers)
            assert response.status_code == 200 and MARKER not in response.get_data(as_text=True), (person, kind)
    assert timedelta(0) < MOMENTS[0] - NOW
