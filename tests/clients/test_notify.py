"""Notifications over real protocols: a loopback HTTP receiver for the webhooks, aiosmtpd for email."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clients.notify import Email, JsonWebhook, Notice, Notifier, SlackWebhook, SmtpSettings, TeamsWebhook
from tests.support.receivers import HttpReceiver, Mailbox, http_receiver, smtp_server

NOTICE = Notice(
    kind="problem",
    key="quarantine",
    shop="shoplines-demo.myshopify.com",
    line="orders-to-warehouse",
    title="2 orders could not be sent to the warehouse",
    what="#1004 has no SKU on a line; #1009 has a negative quantity.",
    next_step="Fix the orders in Shopify; the next run sends them. `shoplines quarantine list` shows them.",
    window="2026-11-01 to 2026-11-02 (processed, shop time)",
    counts={"received": 40, "quarantined": 2},
    link="http://127.0.0.1:4200/runs/flow-run/abc",
)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as running:
        yield running


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as running:
        yield running


def test_every_channel_carries_the_same_plain_words(receiver: HttpReceiver, mailbox: Mailbox) -> None:
    notifier = Notifier(
        [
            SlackWebhook(f"{receiver.url}/slack"),
            TeamsWebhook(f"{receiver.url}/teams"),
            JsonWebhook(f"{receiver.url}/hook"),
            Email(
                SmtpSettings(
                    mailbox.host, mailbox.port, "shoplines@shop.test", ("ops@shop.test",), security="none"
                )
            ),
        ]
    )
    results = notifier.send(NOTICE)
    assert [(r.channel, r.ok) for r in results] == [("slack", True), ("teams", True), ("webhook", True),
                                                    ("email", True)]  # fmt: skip

    [slack] = receiver.bodies("/slack")
    assert (
        slack["text"]
        == "[shoplines] PROBLEM: orders-to-warehouse: 2 orders could not be sent to the warehouse"
    )
    assert "What to do: Fix the orders in Shopify" in slack["blocks"][1]["text"]["text"]
    [teams] = receiver.bodies("/teams")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block["text"] for block in card["content"]["body"]]
    assert texts[0] == slack["text"]
    assert "Counts: received 40, quarantined 2" in texts
    [hook] = receiver.bodies("/hook")
    assert (hook["kind"], hook["key"], hook["counts"], hook["link"]) == (
        "problem", "quarantine", {"received": 40, "quarantined": 2}, NOTICE.link,
    )  # fmt: skip
    assert hook["text"] == NOTICE.text()

    [mail] = mailbox.messages
    assert mail["Subject"] == slack["text"]
    assert mailbox.envelopes == [("shoplines@shop.test", ["ops@shop.test"])]
    body = mail.get_payload(decode=True).decode()
    assert "Window: 2026-11-01 to 2026-11-02 (processed, shop time)" in body
    assert "Run: http://127.0.0.1:4200/runs/flow-run/abc" in body


def test_a_failing_channel_is_reported_and_does_not_stop_the_others(receiver: HttpReceiver) -> None:
    receiver.status = 500
    unreachable = JsonWebhook("http://127.0.0.1:9/hook?token=s3cret-webhook-token")
    no_mail = Email(SmtpSettings("127.0.0.1", 9, "a@shop.test", ("b@shop.test",), security="none", timeout=2))
    results = Notifier([unreachable, SlackWebhook(f"{receiver.url}/slack"), no_mail]).send(NOTICE)
    assert [(r.channel, r.ok) for r in results] == [("webhook", False), ("slack", False), ("email", False)]
    assert results[0].detail == "webhook: could not reach the webhook (ConnectError)"
    assert results[1].detail == "slack: the webhook answered HTTP 500"
    assert results[2].detail.startswith("email: ConnectionRefusedError")
    assert len(receiver.bodies("/slack")) == 1
    assert all("s3cret" not in r.detail for r in results)
    assert "s3cret" not in repr(unreachable)


def test_an_email_channel_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match="at least one recipient"):
        Email(SmtpSettings("127.0.0.1", 25, "a@shop.test", ()))
