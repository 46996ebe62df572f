"""Helpers for the Xero client tests: sample documents, clients on the sandbox, the sandbox's request log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from clients.accounting import Contact, CreditNote, Invoice, LineItem
from clients.xero import XeroClient
from clients.xero_auth import StaticToken
from clients.xero_http import XeroRetryPolicy, XeroSession
from shoplines.xero_tokens import XeroSettings
from tests.sandbox.conftest import Xero

SHOP = "demo-shop.myshopify.com"
TOKEN_KEY = "nB6mYl0wX6o0bH2x4Yt9Zq3u7Q1sN8cR5vD2eF4gH6I="  # a Fernet key for tests only
THANDI = Contact(name="Thandi Nkosi")


def mug(quantity: str = "3", tax: str | None = "13.04") -> LineItem:
    return LineItem(
        "Blue mug", Decimal(quantity), Decimal("33.33"), "200", "OUTPUT3", Decimal(tax) if tax else None
    )


def shipping(tax: str = "8.49") -> LineItem:
    return LineItem("Shipping", Decimal(1), Decimal("65.00"), "205", "OUTPUT3", Decimal(tax))


def invoice(number: str, *lines: LineItem, contact: Contact = THANDI, **fields: Any) -> Invoice:
    return Invoice(
        number=number,
        contact=contact,
        date=date(2026, 10, 31),
        due_date=date(2026, 10, 31),
        line_items=lines or (mug(), shipping()),
        reference=f"#{number}",
        url=f"https://admin.shopify.com/store/demo/orders/{number}",
        **fields,
    )


def credit_note(number: str, *lines: LineItem, contact: Contact = THANDI) -> CreditNote:
    return CreditNote(
        number=number, contact=contact, date=date(2026, 11, 1), line_items=lines or (mug("1", "4.35"),)
    )


class Sleeps(list[float]):
    """A sleep that records each wait and moves the (frozen) sandbox clock instead of the test."""

    def __init__(self, xero: Xero) -> None:
        super().__init__()
        self.xero = xero

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.xero.clock.advance(seconds)


def static_client(
    xero: Xero, sleeps: Callable[[float], None], retry: XeroRetryPolicy | None = None
) -> XeroClient:
    """A client with the fixture's access token (the frozen clock never expires it)."""
    session = XeroSession(
        xero.running.api_url, xero.running.tenant_id, StaticToken(xero.tokens["access_token"]),
        timeout=5.0, sleep=sleeps, now=xero.clock.now, retry=retry or XeroRetryPolicy(), seed=1,
    )  # fmt: skip
    return XeroClient(session)


def xero_settings(xero: Xero, **overrides: Any) -> XeroSettings:
    """Settings pointing at the sandbox, with the test token key."""
    values: dict[str, Any] = {
        "xero_client_id": xero.running.client_id,
        "xero_client_secret": SecretStr(xero.running.client_secret),
        "token_key": SecretStr(TOKEN_KEY),
        "xero_authorize_url": xero.running.identity_url,
        "xero_token_url": xero.running.token_url,
        "xero_connections_url": xero.running.connections_url,
        "xero_api_url": xero.running.api_url,
        "xero_timeout_seconds": 5.0,
    }
    return XeroSettings(**(values | overrides))


def requests(xero: Xero, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
    """The sandbox's request log, filtered."""
    log = xero.admin("GET", "/requests")["requests"]
    return [
        r
        for r in log
        if (method is None or r["method"] == method) and (path is None or r["path"].endswith(path))
    ]


def refreshes(xero: Xero) -> list[dict[str, Any]]:
    """Refresh-token grants that reached the sandbox."""
    return [r for r in requests(xero, "POST", "/connect/token") if r.get("grant_type") == "refresh_token"]


def documents(xero: Xero, kind: str) -> list[dict[str, Any]]:
    """Ground truth: every document of ``kind`` in the sandbox."""
    return xero.admin("GET", f"/documents/{kind}")[kind]
