"""Real servers on localhost for the digest tests: an SMTP server (aiosmtpd) that keeps every message,
and an HTTP server that keeps every webhook body; plus fixtures that point the app at them."""
from __future__ import annotations

import email
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

# Friday 20 November 2026: 16:00 in Shanghai is 08:00 UTC, 16:00 in London is 16:00 UTC.
SHANGHAI_FRIDAY_1600 = datetime(2026, 11, 20, 8, 0, 30, tzinfo=timezone.utc)
LONDON_FRIDAY_1600 = datetime(2026, 11, 20, 16, 0, 30, tzinfo=timezone.utc)
IN_THE_WEEK = datetime(2026, 11, 18, 4, 0, tzinfo=timezone.utc)  # Wednesday, inside both teams' week


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mail:
    """A message as the SMTP server received it."""

    envelope_to: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def language(self) -> str:
        return str(self.message["Content-Language"])

    def part(self, subtype: str) -> str:
        found = self.message.get_body(preferencelist=(subtype,))
        return found.get_content() if found is not None else ""

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    @property
    def everything(self) -> str:
        """Headers and decoded bodies: what a privacy check must search."""
        return str(self.message.items()) + self.text + self.html


class SmtpCapture:
    """aiosmtpd handler: answers ``451`` to the first ``fail_first`` messages, keeps the rest."""

    def __init__(self):
        self.mails: list[Mail] = []
        self.fail_first = 0
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=default_policy)
            self.mails.append(Mail(list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address in m.envelope_to]


@dataclass
class Post:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    body: dict = field(default_factory=dict)


class HttpCapture:
    """A ThreadingHTTPServer in a thread that keeps every POST; answers ``status`` with ``answer``."""

    def __init__(self):
        self.posts: list[Post] = []
        self.status = 200
        self.answer: dict = {"errcode": 0, "code": 0}
        self.delay = 0.0  # seconds before answering (after the body was taken)
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                capture.posts.append(Post(parts.path, parse_qs(parts.query), dict(self.headers), raw,
                                          json.loads(raw or b"{}")))
                time.sleep(capture.delay)
                payload = json.dumps(capture.answer).encode()
                self.send_response(capture.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def to(self, path: str) -> list[Post]:
        return [p for p in self.posts if p.path == path]


@pytest.fixture
def smtp_server():
    handler = SmtpCapture()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """The app sends e-mail to a real SMTP server on localhost; yields what it received."""
    controller, handler = smtp_server
    app.config.update(SMTP_HOST=controller.hostname, SMTP_PORT=controller.port, SMTP_TIMEOUT=5)
    return handler


@pytest.fixture
def chat_server():
    capture = HttpCapture()
    capture.thread.start()
    try:
        yield capture
    finally:
        capture.server.shutdown()
        capture.server.server_close()
