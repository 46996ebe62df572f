"""Orders and refunds → Xero end to end: the Shopify and Xero sandboxes over HTTP, the shop connected by
the real authorisation-code flow, the ledger on SQLite. Every document ties to Shopify to the cent, a
re-run posts nothing, a ghost write is adopted, a refund above the threshold waits for a person."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.orders_to_accounting import orders_to_accounting
from flows.reconcile import reconcile_books_flow
from flows.refunds_to_accounting import refunds_to_accounting
from sandbox.clock import SandboxClock
from sandbox.xero.server import start_xero_sandbox
from shoplines.demo_problems import dollar_copy
from shoplines.state.store import StateStore
from shoplines.xero_connect import connect
from shoplines.xero_tokens import load_xero_settings
from tests.clients.shopify_sandbox import Shop, running_shop
from tests.sandbox.conftest import Xero

pytestmark = pytest.mark.usefixtures("prefect_server")
FIRST, LAST = date(2026, 6, 1), date(2026, 11, 2)
TOKEN_KEY = "nB6mYl0wX6o0bH2x4Yt9Zq3u7Q1sN8cR5vD2eF4gH6I="  # a Fernet key for tests only


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=7, orders=40) as running:
        yield running


@pytest.fixture
def books() -> Iterator[Xero]:
    """The Xero sandbox on a real-time clock: its minute limits pass as they would (the client waits)."""
    clock = SandboxClock(scale=1.0)
    running = start_xero_sandbox(clock, seed=3)
    handle = Xero(running, clock)
    try:
        yield handle
    finally:
        handle.close()
        running.stop()


def documents(xero: Xero, kind: str) -> list[dict[str, Any]]:
    return xero.admin("GET", f"/documents/{kind}")[kind]


def connected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, xero: Xero) -> Path:
    """Point shoplines at both sandboxes and connect the shop to Xero the way a merchant does."""
    home = tmp_path / "home"
    env = {
        "HOME": str(home), "SHOP_DOMAIN": shop.running.shop, "SHOPIFY_URL": shop.running.url,
        "SHOPIFY_TOKEN": shop.running.token, "SHOPIFY_TIME_SCALE": str(shop.clock.scale),
        "SHOPIFY_TIMEOUT_SECONDS": "5", "WAREHOUSE_LOCATION_ID": str(shop.store.warehouse_location_id),
        "TOKEN_KEY": TOKEN_KEY, "XERO_CLIENT_ID": xero.running.client_id,
        "XERO_CLIENT_SECRET": xero.running.client_secret, "XERO_AUTHORIZE_URL": xero.running.identity_url,
        "XERO_TOKEN_URL": xero.running.token_url, "XERO_CONNECTIONS_URL": xero.running.connections_url,
        "XERO_API_URL": xero.running.api_url, "XERO_REDIRECT_PORT": "0", "XERO_TIMEOUT_SECONDS": "5",
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(f"SHOPLINES_{name}", value)
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:

        def browser(url: str) -> None:
            assert httpx.get(url, follow_redirects=True, timeout=10).status_code == 200

        connect(load_xero_settings(), state, shop.running.shop, open_url=browser)
    return home


def zar_copy(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A new order copied from `template` (same day, same money) with ids of its own."""
    return dollar_copy(template, name, id_prefix="7") | {"currencyCode": template["currencyCode"]}


def cents(amount: Any) -> int:
    return int(Decimal(str(amount)) * 100)


def test_orders_post_once_and_tie_to_shopify_to_the_cent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, books: Xero
) -> None:
    xero = books
    connected(monkeypatch, tmp_path, shop, xero)
    xero.admin("POST", "/faults", {"kind": "ghost_5xx", "method": "PUT", "path": "/Invoices", "status": 503})
    counts = orders_to_accounting(FIRST, LAST)
    invoices = documents(xero, "invoices")
    assert counts["invoices_posted"] + counts["invoices_already"] == len(invoices) > 20
    assert counts["refused"] == 0
    assert counts["held"] == 0
    numbers = Counter(i["InvoiceNumber"] for i in invoices)
    assert max(numbers.values()) == 1  # the ghost write was adopted, not posted again
    truth = {o["name"].lstrip("#"): o for o in shop.truth()}
    for invoice in invoices:
        order = truth[invoice["InvoiceNumber"].removeprefix("ZA-")]
        assert cents(invoice["Total"]) == cents(order["totalPriceSet"]["shopMoney"]["amount"])
        assert cents(invoice["TotalTax"]) == cents(order["totalTaxSet"]["shopMoney"]["amount"])
        assert invoice["Date"] or invoice["DateString"]
        assert {li["TaxType"] for li in invoice["LineItems"]} <= {
            "OUTPUT3",
            "ZERORATEDOUTPUT",
            "ZERORATED",
            "NONE",
        }
    payments = documents(xero, "payments")
    assert len(payments) == counts["payments_posted"] + counts["payments_already"]
    paid = [i for i in invoices if i["Status"] == "PAID"]
    assert len(paid) == len(payments)

    again = orders_to_accounting(FIRST, LAST)
    assert (again["invoices_posted"], again["payments_posted"]) == (0, 0)
    assert again["invoices_already"] == len(invoices)
    assert len(documents(xero, "invoices")) == len(invoices)
    assert len(documents(xero, "payments")) == len(payments)


def test_refunds_post_once_and_those_above_the_threshold_wait_for_a_person(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, books: Xero
) -> None:
    xero = books
    home = connected(monkeypatch, tmp_path, shop, xero)
    monkeypatch.setenv("SHOPLINES_REFUND_APPROVAL_THRESHOLD", "300")
    early = refunds_to_accounting(FIRST, LAST)  # before the orders are in the books: held, nothing posted
    assert early["credit_notes_posted"] == 0
    assert early["held"] > 0  # each says its order is not in the books yet
    orders_to_accounting(FIRST, LAST)

    counts = refunds_to_accounting(FIRST, LAST)
    notes = documents(xero, "credit_notes")
    assert counts["held"] == 0
    assert counts["refused"] == 0
    assert counts["waiting_for_approval"] > 0
    assert len(notes) == counts["credit_notes_posted"] > 0
    assert all(cents(n["Total"]) <= 30_000 for n in notes)  # nothing above the threshold went in
    refunds = {r["id"]: r for o in shop.truth() for r in o["refunds"]}
    by_reference = {n["CreditNoteNumber"]: n for n in notes}
    assert len(by_reference) == len(notes)  # no number twice
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        waiting = state.approvals(shop.running.shop)
        assert {a.kind for a in waiting} == {"refund-over-threshold"}
        assert all(a.amount_cents is not None and a.amount_cents > 30_000 for a in waiting)
        first, *rest = waiting
        state.decide_approval(
            shop.running.shop, first.id, approve=True, by="Lerato", reason="checked the return"
        )
        for other in rest:
            state.decide_approval(shop.running.shop, other.id, approve=False, by="Lerato", reason="duplicate")
        ledger = state.postings(shop.running.shop, kind="credit_note")
        assert all(p.approved_by.startswith("policy: refunds up to ZAR 300.00") for p in ledger)

    after = refunds_to_accounting(FIRST, LAST)
    assert after["credit_notes_posted"] == 1  # the approved one, once
    assert after["waiting_for_approval"] == 0
    assert after["rejected_by_a_person"] == len(rest)
    notes = documents(xero, "credit_notes")
    approved_note = first.detail["credit_note"]
    assert approved_note in {n["CreditNoteNumber"] for n in notes}
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        [posting] = state.postings(shop.running.shop, kind="credit_note", keys=[approved_note])
        assert posting.approved_by == f"Lerato (approval {first.id})"
        story = [s.summary for s in state.trace(shop.running.shop, first.entity_id)]
        assert any("approved by Lerato" in s for s in story), story
    again = refunds_to_accounting(FIRST, LAST)
    assert (again["credit_notes_posted"], again["refund_payments_posted"], again["allocations_posted"]) == (
        0,
        0,
        0,
    )
    assert len(documents(xero, "credit_notes")) == len(notes)
    for note in notes:  # each credit note is the money paid back, or credit allocated to its invoice
        number = note["CreditNoteNumber"]
        paid_out = sum(
            cents(p["Amount"])
            for p in documents(xero, "payments")
            if (p.get("CreditNote") or {}).get("CreditNoteNumber") == number
        )
        assert paid_out + cents(note.get("AppliedAmount") or 0) + cents(note["RemainingCredit"]) == cents(
            note["Total"]
        )
    assert refunds


def test_the_books_reconcile_and_a_credit_note_posted_twice_is_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, books: Xero
) -> None:
    xero = books
    connected(monkeypatch, tmp_path, shop, xero)
    empty = reconcile_books_flow(FIRST, LAST)
    assert empty is not None
    assert not empty.ties_out  # nothing posted yet: every order is missing
    assert len(empty.missing_invoices) == empty.expected_invoices > 20
    orders_to_accounting(FIRST, LAST)
    refunds_to_accounting(FIRST, LAST)
    result = reconcile_books_flow(FIRST, LAST)
    assert result is not None
    assert result.ties_out, result.sentence()
    assert result.expected_credit_notes > 0

    # A copy of a posted credit note typed into Xero by hand: Xero does not keep those numbers unique.
    note = documents(xero, "credit_notes")[0]
    copy = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": note["Contact"]["ContactID"]},
            "CreditNoteNumber": note["CreditNoteNumber"], "Date": "2026-11-01",
            "LineAmountTypes": "Inclusive", "Status": "AUTHORISED",
            "LineItems": [{"Description": "typed by hand", "Quantity": 1, "UnitAmount": 10.00,
                           "AccountCode": "200", "TaxType": "OUTPUT3"}]}  # fmt: skip
    assert xero.call("PUT", "/CreditNotes", {"CreditNotes": [copy]}).status_code == 200
    doubled = reconcile_books_flow(FIRST, LAST)
    assert doubled is not None
    assert doubled.doubled == [note["CreditNoteNumber"]]
    assert "DOES NOT TIE OUT" in doubled.sentence()


def test_daily_summaries_tie_out_and_a_late_order_goes_in_an_adjustment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, books: Xero
) -> None:
    xero = books
    home = connected(monkeypatch, tmp_path, shop, xero)
    monkeypatch.setenv("SHOPLINES_ACCOUNTING_MODE", "daily-summary")
    counts = orders_to_accounting(FIRST, LAST)
    invoices = documents(xero, "invoices")
    assert counts["invoices_posted"] == len(invoices) > 3
    assert all(re.fullmatch(r"ZA-D-\d{8}-[A-Z]+", i["InvoiceNumber"]) for i in invoices)
    truth = {o["id"]: o for o in shop.truth()}
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        ledger = {p.key: p for p in state.postings(shop.running.shop, kind="invoice")}
    for invoice in invoices:  # each day's summary is the sum of its orders, to the cent
        orders = ledger[invoice["InvoiceNumber"]].entity_ids
        shopify = sum(cents(truth[o]["totalPriceSet"]["shopMoney"]["amount"]) for o in orders)
        assert cents(invoice["Total"]) == shopify
        assert cents(invoice["TotalTax"]) == sum(
            cents(truth[o]["totalTaxSet"]["shopMoney"]["amount"]) for o in orders
        )
    assert orders_to_accounting(FIRST, LAST)["invoices_posted"] == 0

    # An order for a day already posted arrives late: an adjustment document, the posted one untouched.
    template = next(o for o in shop.truth() if not o["test"] and o["displayFinancialStatus"] == "PAID")
    late = shop.post("/orders", {"order": zar_copy(template, "#9300")})["order"]
    before = {i["InvoiceNumber"]: cents(i["Total"]) for i in invoices}
    again = orders_to_accounting(FIRST, LAST)
    assert again["invoices_posted"] == 1
    after = {i["InvoiceNumber"]: cents(i["Total"]) for i in documents(xero, "invoices")}
    [adjustment] = set(after) - set(before)
    assert re.fullmatch(r"ZA-D-\d{8}-[A-Z]+-A1", adjustment)
    assert after[adjustment] == cents(late["totalPriceSet"]["shopMoney"]["amount"])
    assert {n: after[n] for n in before} == before
