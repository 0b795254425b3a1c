"""E-mail over SMTP (``BRAVO_SMTP_*``): multipart text + HTML in the recipient's language, with a
one-click unsubscribe (RFC 8058) and a ``Message-ID`` fixed by the delivery, one connection per batch.

A send either surely failed (:class:`SendFailed`: refused, or the connection broke before the message
was handed over) or its outcome is unknown (:class:`OutcomeUnknown`: the connection broke after the
whole message went out, so the server may have accepted it); the caller retries only the first.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape

from digests.render import Digest, in_language

END_OF_DATA = b"\r\n.\r\n"


class SendFailed(Exception):
    """Nothing was delivered; safe to try again."""


class ConnectionLost(SendFailed):
    """The connection broke before the message went out."""


class OutcomeUnknown(Exception):
    """The message may have been delivered; trying again could deliver it twice."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    timeout: float


def mail_settings() -> MailSettings | None:
    """The SMTP settings, or ``None`` when ``BRAVO_SMTP_HOST`` is unset (e-mail is off)."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return None
    return MailSettings(config["SMTP_HOST"], int(config["SMTP_PORT"]), config.get("SMTP_USER"),
                        config.get("SMTP_PASSWORD"), bool(config.get("SMTP_STARTTLS")), config["MAIL_FROM"],
                        float(config["SMTP_TIMEOUT"]))


def compose(digest: Digest, *, to: str, sender: str, message_id: str, unsubscribe_url: str | None) -> str:
    """The whole message as text (7-bit: base64 bodies, encoded headers), ready to hand to
    :meth:`Mailer.send` now or on a retry."""
    text, html = digest.text, digest.html
    if unsubscribe_url:
        with in_language(digest.locale):
            label = _("Stop these e-mails")
        text += f"\n--\n{label}: {unsubscribe_url}\n"
        footer = (f'<p style="text-align:center;font-size:12px;"><a href="{escape(unsubscribe_url)}" '
                  f'style="color:#5f6b7a;">{escape(label)}</a></p>')
        html = html.replace("</body>", footer + "\n</body>", 1)
    # The classic MIME classes: several times faster than EmailMessage's header registry, same result.
    message = MIMEMultipart("alternative")
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    message["Subject"] = Header(digest.subject, "utf-8")
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    message["Content-Language"] = "zh-Hans-CN" if digest.locale == "zh_Hans_CN" else "en"
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message.as_string()


class _SMTP(smtplib.SMTP):
    """Knows whether the current message's data went out in full (its final ``CRLF.CRLF``)."""

    data_sent = False

    def send(self, s):
        super().send(s)
        if isinstance(s, bytes) and s.endswith(END_OF_DATA):
            self.data_sent = True


class Mailer:
    """One SMTP connection, opened on the first message and reused for the batch."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: _SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connection(self) -> _SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        try:
            smtp = _SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except (smtplib.SMTPException, OSError) as error:
            raise SendFailed(f"SMTP {s.host}:{s.port}: {error}") from error
        self._smtp = smtp
        return smtp

    def send(self, to: str, message: str) -> None:
        """:raise SendFailed: when the server refused it or it never left
        :raise OutcomeUnknown: when the connection broke after the message went out in full"""
        reused = self._smtp is not None
        try:
            self._send(to, message)
        except ConnectionLost:
            if not reused:
                raise
            # The server may have closed an idle connection: one more try on a new one (nothing went out).
            self._send(to, message)

    def _send(self, to: str, message: str) -> None:
        smtp = self._connection()
        smtp.data_sent = False
        try:
            smtp.sendmail(self.settings.sender, [to], message)  # str: smtplib sends CRLF line ends
        except smtplib.SMTPResponseException as error:  # a reply code: the server did not take it
            raise SendFailed(f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}") from error
        except smtplib.SMTPRecipientsRefused as error:
            raise SendFailed(f"recipient refused: {error.recipients}") from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            if smtp.data_sent:
                raise OutcomeUnknown(f"connection lost after the message was sent: {error}") from error
            raise ConnectionLost(f"connection lost: {error}") from error

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
