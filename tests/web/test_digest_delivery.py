"""Digests delivered through real channels: an SMTP server and a chat webhook server on localhost.

The dispatcher is driven with an injected ``now``: team digests go out at each team's own local time,
each digest once per recipient and channel however often the run repeats, failures are retried.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from core.extensions import db
from digests import services
from digests.delivery import retry_due
from digests.dispatch import build_award_post, dispatch_due, send_run
from digests.models import Delivery, InboxMessage
from tests.digest_helpers import (  # noqa: F401  (fixtures)
    IN_THE_WEEK, LONDON_FRIDAY_1600, SHANGHAI_FRIDAY_1600, chat_server, mailbox, smtp_server,
)
from tests.kudos_fixtures import give, value  # noqa: F401  (fixtures)

THANKS = "Thank you for staying late to clear the refund queue with such patience."


def statuses(kind: str | None = None) -> dict[str, int]:
    stmt = select(Delivery.status, Delivery.id)
    if kind:
        stmt = stmt.where(Delivery.kind == kind)
    counts: dict[str, int] = {}
    for status, _id in db.session.execute(stmt):
        counts[status] = counts.get(status, 0) + 1
    return counts


@pytest.fixture
def wins(org, give, make_person):
    """Kudos inside the week of both teams: Alpha (Shanghai) and Bravo Team (London)."""
    org.agent3 = make_person("agent3", team=org.team_a, locale="zh_Hans_CN")
    give(org.supervisor, org.agent, message=THANKS, points=5, at=IN_THE_WEEK)
    give(org.other_supervisor, org.other_agent, message="Calm and kind on a very hard escalation call.",
         points=3, at=IN_THE_WEEK)
    return org


def test_each_team_gets_its_digest_at_its_own_local_time(app, wins, mailbox):
    """Shanghai at 16:00 Shanghai time (08:00 UTC), London at 16:00 London time (16:00 UTC)."""
    reports = dispatch_due(now=SHANGHAI_FRIDAY_1600)
    alpha = {"agent1@example.com", "agent3@example.com", "super1@example.com"}
    assert {m.to for m in mailbox.mails if "Alpha" in m.subject} == alpha
    assert not [m for m in mailbox.mails if "Bravo Team" in m.subject]
    assert reports["team"].sent == 2 * len(alpha)  # e-mail and in-app

    dispatch_due(now=SHANGHAI_FRIDAY_1600 + timedelta(hours=4))  # 12:00 in London: nothing new
    assert not [m for m in mailbox.mails if "Bravo Team" in m.subject]

    dispatch_due(now=LONDON_FRIDAY_1600)
    assert {m.to for m in mailbox.mails if "Bravo Team" in m.subject} == {"agent2@example.com",
                                                                           "super2@example.com"}
    assert len([m for m in mailbox.mails if "Alpha" in m.subject]) == len(alpha)  # not sent again


def test_a_digest_is_sent_once_however_often_the_run_repeats(app, wins, mailbox):
    for minute in range(3):
        dispatch_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=minute))
    send_run("team", now=SHANGHAI_FRIDAY_1600 + timedelta(hours=1))
    send_run("team", now=SHANGHAI_FRIDAY_1600 + timedelta(hours=1), period="2026-W47")
    team_mail = [m for m in mailbox.mails if "Alpha" in m.subject]
    assert sorted(m.to for m in team_mail) == ["agent1@example.com", "agent3@example.com", "super1@example.com"]
    inbox = db.session.execute(select(InboxMessage).where(InboxMessage.kind == "team")).scalars().all()
    assert len(inbox) == 3


def test_the_team_digest_email_speaks_the_recipients_language_and_links_back(app, wins, mailbox):
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    english = [m for m in mailbox.to("agent1@example.com") if "Alpha" in m.subject][0]
    chinese = [m for m in mailbox.to("agent3@example.com") if "Alpha" in m.subject][0]
    assert english.language == "en" and chinese.language == "zh-Hans-CN"
    assert "wins" in english.subject and THANKS in english.text and THANKS in english.html
    assert english.subject != chinese.subject
    assert "http://127.0.0.1:5000/" in english.text
    assert english.message.is_multipart() and english.html.lstrip().startswith("<!doctype html>")
    assert english.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert english.message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/digests/unsubscribe/")
    assert english.message["Message-ID"] == f"<team.2026-W47.{wins.agent.id}@127.0.0.1>"


def test_one_click_unsubscribe_works_without_signing_in(app, client, wins, mailbox):
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    mail = [m for m in mailbox.to("agent1@example.com") if "Alpha" in m.subject][0]
    path = urlsplit(mail.message["List-Unsubscribe"].strip("<>")).path
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert services.preferences_of(wins.agent)["team"].email  # a GET changes nothing
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    choice = services.preferences_of(wins.agent)["team"]
    assert not choice.email and choice.in_app
    assert client.post(path[:-3] + "xyz").status_code == 404  # a forged token


def test_in_app_messages_and_the_unread_count_in_the_header(app, client, login_as, wins, mailbox):
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    login_as(wins.agent)
    home = client.get("/inbox").get_data(as_text=True)
    assert 'data-testid="inbox"' in home and '<span class="badge badge-due">' in home
    message = db.session.execute(select(InboxMessage).where(InboxMessage.person_id == wins.agent.id,
                                                            InboxMessage.kind == "team")).scalar_one()
    assert THANKS in message.html
    assert client.get(f"/inbox/{message.id}").status_code == 200
    db.session.refresh(message)
    assert message.read_at is not None
    login_as(wins.other_agent)
    assert client.get(f"/inbox/{message.id}").status_code == 404  # someone else's message
    login_as(wins.agent)
    client.post("/inbox/read")
    assert '<span class="badge badge-due">' not in client.get("/inbox").get_data(as_text=True)


FORMATS = ("generic", "slack", "teams", "wecom", "dingtalk", "feishu")


@pytest.fixture
def rooms(app, wins, chat_server):
    """A webhook of every format for Alpha, and one for every team."""
    hooks = {}
    for format in FORMATS:
        secret = "SEC-test-secret" if format in ("dingtalk", "feishu") else None
        hooks[format] = services.create_webhook(f"{chat_server.base_url}/{format}", format, team=wins.team_a,
                                                secret=secret, actor=wins.admin)
    hooks["everyone"] = services.create_webhook(f"{chat_server.base_url}/everyone", "generic", actor=wins.admin)
    db.session.commit()
    return hooks


def test_team_digests_reach_chat_rooms_in_each_format(app, rooms, chat_server, mailbox):
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    dispatch_due(now=LONDON_FRIDAY_1600)
    for format in FORMATS:
        posts = chat_server.to(f"/{format}")
        assert len(posts) == 1, format  # Alpha's digest only, once
        assert THANKS[:60] in posts[0].raw.decode(), format
    assert set(chat_server.to("/slack")[0].body) == {"text", "blocks"}
    assert chat_server.to("/teams")[0].body["attachments"][0]["contentType"] == \
        "application/vnd.microsoft.card.adaptive"
    assert chat_server.to("/wecom")[0].body["msgtype"] == "markdown"
    assert set(chat_server.to("/dingtalk")[0].body["markdown"]) == {"title", "text"}
    assert chat_server.to("/feishu")[0].body["msg_type"] == "interactive"
    generic = chat_server.to("/generic")[0].body
    assert generic["kind"] == "team" and generic["team"] == "Alpha" and generic["period"] == "2026-W47"
    everyone = sorted(p.body["team"] for p in chat_server.to("/everyone"))
    assert everyone == ["Alpha", "Bravo Team"]  # an organisation-wide room gets every team's digest


def test_dingtalk_and_feishu_posts_are_signed(app, rooms, chat_server, mailbox):
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    ding = chat_server.to("/dingtalk")[0]
    timestamp, sign = ding.query["timestamp"][0], ding.query["sign"][0]  # parse_qs has url-decoded sign
    expected = base64.b64encode(hmac.new(b"SEC-test-secret", f"{timestamp}\nSEC-test-secret".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected
    assert abs(int(timestamp) - SHANGHAI_FRIDAY_1600.timestamp() * 1000) < 1000
    feishu = chat_server.to("/feishu")[0].body
    key = f"{feishu['timestamp']}\nSEC-test-secret".encode()
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def test_failed_deliveries_are_retried_with_backoff_and_never_sent_twice(app, wins, mailbox):
    mailbox.fail_first = 2
    report = dispatch_due(now=SHANGHAI_FRIDAY_1600)["team"]
    assert report.failed == 2 and mailbox.refused == 2
    assert len([m for m in mailbox.mails if "Alpha" in m.subject]) == 1
    failed = db.session.execute(select(Delivery).where(Delivery.status == "failed")).scalars().all()
    assert {d.attempts for d in failed} == {1} and all("451" in d.last_error for d in failed)
    assert {d.next_attempt_at for d in failed} == {SHANGHAI_FRIDAY_1600 + timedelta(minutes=1)}

    assert retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(seconds=30)).sent == 0  # not yet
    mailbox.fail_first = 1
    report = retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=1))
    assert (report.sent, report.failed) == (1, 1)
    again = db.session.execute(select(Delivery).where(Delivery.status == "failed")).scalar_one()
    assert again.attempts == 2 and again.next_attempt_at == SHANGHAI_FRIDAY_1600 + timedelta(minutes=6)
    assert retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=6)).sent == 1
    dispatch_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=7))
    retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(hours=2))
    assert sorted(m.to for m in mailbox.mails if "Alpha" in m.subject) == [
        "agent1@example.com", "agent3@example.com", "super1@example.com"]


def test_a_delivery_gives_up_after_the_last_retry(app, wins, mailbox):
    mailbox.fail_first = 1000
    now = SHANGHAI_FRIDAY_1600
    dispatch_due(now=now)
    for minutes in (1, 6, 36, 100):
        retry_due(now=now + timedelta(minutes=minutes))
    counts = statuses("team")
    assert counts.get("gave_up") == 3 and not counts.get("failed")
    assert {d.attempts for d in db.session.execute(select(Delivery).where(Delivery.status == "gave_up")).scalars()} \
        == {4}


def test_a_claim_interrupted_by_a_crash_is_not_sent_again(app, wins, mailbox):
    """At most once: a row left ``sending`` by a dead process is marked interrupted, not resent."""
    db.session.add(Delivery(kind="team", period="2026-W47", recipient=f"person:{wins.agent.id}", channel="email",
                            person_id=wins.agent.id, status="sending", attempts=1,
                            created_at=SHANGHAI_FRIDAY_1600, claimed_at=SHANGHAI_FRIDAY_1600))
    db.session.commit()
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    assert not mailbox.to("agent1@example.com") or all("Alpha" not in m.subject
                                                        for m in mailbox.to("agent1@example.com"))
    retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=20))
    row = db.session.execute(select(Delivery).where(Delivery.recipient == f"person:{wins.agent.id}",
                                                    Delivery.channel == "email")).scalar_one()
    assert row.status == "interrupted" and "at most once" in row.last_error
    assert all("Alpha" not in m.subject for m in mailbox.to("agent1@example.com"))


def test_a_chat_room_that_took_the_post_but_never_answered_is_not_posted_again(app, rooms, chat_server, mailbox):
    """At most once: the body went out, the answer never came; the room may have it, so no retry."""
    app.config["WEBHOOK_TIMEOUT"] = 0.3
    chat_server.delay = 1.0
    dispatch_due(now=SHANGHAI_FRIDAY_1600)
    chat_server.delay = 0
    for minutes in (1, 6, 36):
        retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=minutes))
    assert len(chat_server.to("/slack")) == 1
    row = db.session.execute(select(Delivery).where(Delivery.channel == "webhook",
                                                    Delivery.recipient == f"webhook:{rooms['slack'].id}")).scalar_one()
    assert row.status == "interrupted" and "no answer" in row.last_error


def test_at_least_once_resends_what_a_crash_interrupted(app, wins, mailbox):
    """With DIGEST_RESEND_INTERRUPTED the message is kept at claim time and sent again after a crash."""
    app.config["DIGEST_RESEND_INTERRUPTED"] = True
    from digests.delivery import Outgoing, _claim, _commit

    message = "Subject: resent\r\nTo: agent1@example.com\r\nMessage-ID: <team.x.1@test>\r\n\r\nHello\r\n"
    _claim([Outgoing("team", "2026-W47", f"person:{wins.agent.id}", "email",
                     {"to": "agent1@example.com", "message": message}, person_id=wins.agent.id)],
           status="sending", now=SHANGHAI_FRIDAY_1600, keep_payload=True)
    _commit()  # ...and the process dies before sending
    assert retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=10)).sent == 0  # not stale yet
    assert retry_due(now=SHANGHAI_FRIDAY_1600 + timedelta(minutes=16)).sent == 1
    assert [m.subject for m in mailbox.to("agent1@example.com")] == ["resent"]


def test_nothing_to_say_is_recorded_as_skipped(app, org, mailbox):
    report = dispatch_due(now=SHANGHAI_FRIDAY_1600)["team"]
    assert report.sent == 0 and report.skipped > 0 and not mailbox.mails


def test_awards_published_are_announced_in_chat_rooms_once(app, wins, rooms, chat_server, mailbox):
    from core.clock import utcnow
    from core.hooks import emit_event
    from recognition.badges import announce

    now = utcnow()
    announce("award", wins.agent, {"award": 41, "campaign": 7, "title": "Spring peak · Overall · No. 1"}, now=now)
    emit_event("awards.published", campaign_id=7, award_ids=[41])
    db.session.commit()
    emit_event("awards.published", campaign_id=7, award_ids=[41])  # published again: nothing new
    db.session.commit()
    assert statuses("awards") == {"pending": len(rooms)}
    assert retry_due(now=utcnow(), build_pending=build_award_post).sent == len(rooms)
    retry_due(now=utcnow() + timedelta(minutes=5), build_pending=build_award_post)
    for path in [f"/{format}" for format in FORMATS] + ["/everyone"]:
        posts = chat_server.to(path)
        assert len(posts) == 1, path
        assert "Spring peak" in posts[0].raw.decode() and "Agent1" in posts[0].raw.decode()
