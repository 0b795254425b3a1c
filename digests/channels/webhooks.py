"""Chat-room webhooks: a digest as the JSON each chat product expects, signed where it asks for it.

Formats: ``generic`` (Bravo's own JSON), ``slack`` (``text`` + ``blocks``), ``teams`` (an Adaptive
Card message), ``wecom`` (markdown), ``dingtalk`` (markdown; with a secret, ``timestamp`` and ``sign``
query parameters), ``feishu`` (an interactive card; with a secret, ``timestamp`` and ``sign`` in the body).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, urlsplit

from flask import current_app

from digests.channels.email import OutcomeUnknown, SendFailed
from digests.models import Webhook
from digests.render import Digest


def body_for(format: str, digest: Digest, *, url: str, team: str | None = None, period: str = "") -> dict[str, Any]:
    """The unsigned JSON body of a digest in one chat format."""
    title, markdown = digest.subject, digest.markdown or digest.text
    if format == "slack":
        return {"text": title, "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_mrkdwn(_without_title(markdown))[:3000]}},
        ]}
    if format == "teams":
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                "version": "1.4",
                "body": [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
                         {"type": "TextBlock", "text": _without_title(markdown), "wrap": True}],
                "actions": [{"type": "Action.OpenUrl", "title": "Bravo", "url": url}],
            },
        }]}
    if format == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    if format == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    if format == "feishu":
        return {"msg_type": "interactive", "card": {
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": _without_title(markdown)}}],
        }}
    return {"kind": digest.kind, "period": period, "team": team, "title": title, "text": digest.text,
            "markdown": markdown, "url": url, "language": digest.locale}


def _without_title(markdown: str) -> str:
    """Formats with a title field of their own do not repeat it in the text."""
    first, _sep, rest = markdown.partition("\n")
    return rest.strip() if first.startswith("**") else markdown


def slack_mrkdwn(markdown: str) -> str:
    """Slack's own dialect: ``*bold*`` and ``<url|text>`` links."""
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"<\2|\1>", markdown)
    return re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: url-encoded base64 of HMAC-SHA256(secret, "timestamp\\nsecret")."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu: base64 of HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed(webhook: Webhook, body: dict[str, Any], *, now: datetime) -> tuple[str, dict[str, Any]]:
    """The URL and body to post, signed at the moment of sending (signatures expire)."""
    url = webhook.url
    if webhook.secret and webhook.format == "dingtalk":
        timestamp = int(now.timestamp() * 1000)
        url += ("&" if urlsplit(url).query else "?") + f"timestamp={timestamp}&sign={dingtalk_sign(webhook.secret, timestamp)}"
    elif webhook.secret and webhook.format == "feishu":
        timestamp = int(now.timestamp())
        body = {"timestamp": str(timestamp), "sign": feishu_sign(webhook.secret, timestamp), **body}
    return url, body


def post(webhook: Webhook, body: dict[str, Any], *, now: datetime) -> None:
    """Post a body to a webhook.

    :raise SendFailed: when it was refused (an HTTP error, or the chat product's error code) or never left
    :raise OutcomeUnknown: when the connection broke while waiting for the answer
    """
    url, body = signed(webhook, body, now=now)
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "Bravo"})
    try:
        with urllib.request.urlopen(request, timeout=float(current_app.config["WEBHOOK_TIMEOUT"])) as response:
            answer = response.read(65536)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:  # raised while connecting or sending: nothing was taken
        raise SendFailed(f"{error.reason}") from error
    except OSError as error:  # raised while waiting for the answer
        raise OutcomeUnknown(f"no answer: {error}") from error
    _check_answer(webhook.format, answer)


ERROR_CODE_KEYS = {"dingtalk": ("errcode",), "wecom": ("errcode",), "feishu": ("code", "StatusCode")}


def _check_answer(format: str, answer: bytes) -> None:
    """DingTalk, WeCom and Feishu answer 200 with an error code in the body."""
    keys = ERROR_CODE_KEYS.get(format, ())
    if not keys:
        return
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return
    if not isinstance(data, dict):
        return
    for key in keys:
        if data.get(key) not in (None, 0, "0"):
            raise SendFailed(f"{key} {data.get(key)}: {data.get('errmsg') or data.get('msg') or ''}".strip())
