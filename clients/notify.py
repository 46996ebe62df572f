"""Notifications for people: Slack- and Teams-compatible webhooks, a generic JSON webhook and email (SMTP).

A `Notice` is written for ops, finance and support, not engineers: which line, which window, what is wrong,
the counts, what to do next and a link to the run. Every channel renders the same words. A channel that fails
is reported back, never raised over the others, so the caller can keep the notice pending and try again.
Callers mask personal data before a notice is built; this module adds none.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any, Literal, Protocol

import httpx

Kind = Literal["problem", "reminder", "resolved"]
HEADINGS: dict[Kind, str] = {"problem": "PROBLEM", "reminder": "STILL OPEN", "resolved": "RESOLVED"}
HTTP_TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True, slots=True)
class Notice:
    """One message about one problem of one line of one shop."""

    kind: Kind
    key: str  # the problem's identity: a problem still open is not announced again
    shop: str
    line: str
    title: str  # one line, e.g. "3 orders could not be sent to the warehouse"
    what: str  # what happened, in plain words
    next_step: str  # what a person should do
    window: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    link: str | None = None

    @property
    def subject(self) -> str:
        return f"[shoplines] {HEADINGS[self.kind]}: {self.line}: {self.title}"

    def lines(self) -> list[str]:
        """The body as plain lines, the same on every channel."""
        body = [f"Shop: {self.shop}", f"Line: {self.line}"]
        if self.window:
            body.append(f"Window: {self.window}")
        body.append(f"What happened: {self.what}")
        if self.counts:
            body.append("Counts: " + ", ".join(f"{name} {value}" for name, value in self.counts.items()))
        body.append(f"What to do: {self.next_step}")
        if self.link:
            body.append(f"Run: {self.link}")
        return body

    def text(self) -> str:
        return "\n".join([self.subject, *self.lines()])


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one channel did with one notice."""

    channel: str
    ok: bool
    detail: str  # "HTTP 200", "250 accepted", or why it failed (never the URL or a password)


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> None:
        """Deliver or raise."""


class NotifyError(Exception):
    """A channel refused or could not be reached."""


class _Webhook:
    """POST a JSON document; anything but 2xx is a failure. The URL is a secret and is never shown."""

    name = "webhook"

    def __init__(self, url: str, transport: httpx.BaseTransport | None = None) -> None:
        self._url = url
        self._transport = transport

    def payload(self, notice: Notice) -> dict[str, Any]:
        return {"version": 1, **asdict(notice), "subject": notice.subject, "text": notice.text()}

    def send(self, notice: Notice) -> None:
        try:
            with httpx.Client(timeout=HTTP_TIMEOUT, transport=self._transport) as client:
                response = client.post(self._url, json=self.payload(notice))
        except httpx.HTTPError as exc:
            raise NotifyError(f"{self.name}: could not reach the webhook ({type(exc).__name__})") from None
        if not response.is_success:
            raise NotifyError(f"{self.name}: the webhook answered HTTP {response.status_code}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url=<hidden>)"


class JsonWebhook(_Webhook):
    """A generic JSON webhook: the notice's fields, its subject and its text."""

    name = "webhook"


class SlackWebhook(_Webhook):
    """A Slack incoming webhook (or anything Slack-compatible: Mattermost, Rocket.Chat)."""

    name = "slack"

    def payload(self, notice: Notice) -> dict[str, Any]:
        body = "\n".join(notice.lines())
        return {
            "text": notice.subject,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": notice.subject[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(body)[:3000]}},
            ],
        }


class TeamsWebhook(_Webhook):
    """A Microsoft Teams channel through a Power Automate Workflows URL: an Adaptive Card message."""

    name = "teams"

    def payload(self, notice: Notice) -> dict[str, Any]:
        heading = {"type": "TextBlock", "text": notice.subject, "weight": "Bolder", "wrap": True}
        facts = [{"type": "TextBlock", "text": line, "wrap": True} for line in notice.lines()]
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [heading, *facts],
        }
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    timeout: float = 15.0


class Email:
    """Plain-text email over SMTP (STARTTLS or SSL when configured)."""

    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.recipients:
            raise ValueError("email notifications need at least one recipient")
        self._settings = settings

    def message(self, notice: Notice) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = notice.subject
        message["From"] = self._settings.sender
        message["To"] = ", ".join(self._settings.recipients)
        message.set_content("\n".join(notice.lines()) + "\n\n-- shoplines\n")
        return message

    def send(self, notice: Notice) -> None:
        self._deliver(self.message(notice))

    def send_files(self, subject: str, body: str, files: Sequence[tuple[str, bytes, str]]) -> None:
        """One message with attachments, each (file name, content, MIME type "maintype/subtype")."""
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self._settings.sender
        message["To"] = ", ".join(self._settings.recipients)
        message.set_content(body + "\n\n-- shoplines\n")
        for name, content, mime in files:
            maintype, subtype = mime.split("/", 1)
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
        self._deliver(message)

    def _deliver(self, message: EmailMessage) -> None:
        s = self._settings
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(f"email: {type(exc).__name__}: {_smtp_reason(exc)}") from None
        if refused:
            raise NotifyError(f"email: refused for {len(refused)} recipient(s)")


class Notifier:
    """Send a notice on every configured channel; report each channel's outcome."""

    def __init__(self, channels: Sequence[Channel]) -> None:
        self.channels = list(channels)

    def send(self, notice: Notice) -> list[Delivery]:
        results: list[Delivery] = []
        for channel in self.channels:
            try:
                channel.send(notice)
            except NotifyError as exc:
                results.append(Delivery(channel.name, False, str(exc)))
            except Exception as exc:  # a bad URL or header: the other channels and the run go on
                results.append(Delivery(channel.name, False, f"{channel.name}: {type(exc).__name__}"))
            else:
                results.append(Delivery(channel.name, True, "sent"))
        return results


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _smtp_reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"{exc.smtp_code} {detail}".strip()
    return str(exc).splitlines()[0] if str(exc) else "no detail"
