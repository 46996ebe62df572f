"""The posting recipe end to end on Shopify's data: pulled from a running sandbox, and (as a property) over
stores from the sandbox's generator. Every document ties to Shopify's own totals to the cent."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.shopify_windows import OrderWindow
from sandbox.clock import SandboxClock
from sandbox.shopify.generator import generate_store
from tasks.accounting_documents import invoice_numbers, order_invoices
from tasks.accounting_refunds import refund_credit_notes
from tasks.accounting_summaries import daily_summaries
from tasks.accounting_types import Posting, cents_of
from tasks.transform_posting_orders import flatten_posting_orders, validate_posting_orders
from tasks.transform_refunds import flatten_refunds
from tasks.validate_refunds import validate_refunds
from tests.clients.shopify_sandbox import running_shop
from tests.tasks.posting_payloads import CONFIG

CONFIG_WITH_TEST_GATEWAY = CONFIG  # the sandbox's "bogus" gateway only pays test orders, which are skipped


def cents(bag: dict[str, Any]) -> int:
    return cents_of(Decimal(bag["shopMoney"]["amount"]))


def post_everything(contents: list[dict], money: list[dict]) -> tuple[Posting, Posting, Posting]:
    orders = validate_posting_orders(flatten_posting_orders(contents), "ZAR")
    money_side = validate_refunds.fn(flatten_refunds.fn(money), "ZAR")
    assert orders.rejected == []
    assert money_side.rejected == []
    invoices = order_invoices(orders, money_side, CONFIG)
    notes = refund_credit_notes(orders, money_side, CONFIG, invoice_numbers(invoices))
    return invoices, notes, daily_summaries(orders, money_side, CONFIG)


def check_ties_to_shopify(truth: list[dict], invoices: Posting, notes: Posting, summaries: Posting) -> None:
    by_id = {o["id"]: o for o in truth}
    assert invoices.held == ()
    assert {s.source_id for s in invoices.skipped} | {d.source_ids[0] for d in invoices.documents} == set(
        by_id
    )
    for doc in invoices.documents:
        order = by_id[doc.source_ids[0]]
        assert cents_of(doc.total) == cents(order["totalPriceSet"])
        assert cents_of(doc.total_tax) == cents(order["totalTaxSet"])
        paid = sum(
            cents(t["amountSet"])
            for t in order["transactions"]
            if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"
        )
        assert sum(cents_of(p.amount) for p in invoices.payments if p.document_number == doc.number) == paid
    for doc in summaries.documents:
        assert cents_of(doc.total) == sum(cents(by_id[i]["totalPriceSet"]) for i in doc.source_ids)
    assert Counter(i for d in summaries.documents for i in d.source_ids) == Counter(
        i for d in invoices.documents for i in d.source_ids
    )
    refunds = {r["id"]: r for o in truth for r in o["refunds"]}
    assert notes.held == ()
    for note in notes.documents:
        paid_back = cents(refunds[note.source_ids[0]]["totalRefundedSet"])
        given_back = sum(cents_of(p.amount) for p in notes.payments if p.document_number == note.number)
        allocated = sum(cents_of(a.amount) for a in notes.allocations if a.credit_note_number == note.number)
        assert given_back == paid_back
        assert cents_of(note.total) == given_back + allocated
        assert cents_of(note.total) == (paid_back or cents_of(note.total))


def test_pulled_from_a_running_sandbox_every_document_ties_to_shopify() -> None:
    with running_shop(seed=7, orders=40) as shop:
        window = OrderWindow(shop.clock.start - timedelta(days=150), shop.clock.start + timedelta(days=1))
        with shop.client() as client:
            contents = client.fetch_orders(window)
            money = client.fetch_money_orders(window)
        truth = [o for o in shop.truth() if o["id"] in {c["id"] for c in contents}]
    invoices, notes, summaries = post_everything(contents, money)
    assert len(invoices.documents) > 20
    assert len(notes.documents) > 0
    check_ties_to_shopify(truth, invoices, notes, summaries)


def as_shopify_sends(order: dict) -> dict:
    """A stored order as the API answers it: a refund line with no location has `location: null`."""
    sent = copy.deepcopy(order)
    for refund in sent["refunds"]:
        for item in refund["refundLineItems"]["nodes"]:
            if not (item.get("location") or {}).get("id"):
                item["location"] = None
    return sent


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_generated_stores_post_documents_that_tie_to_shopify(seed: int) -> None:
    store = generate_store(seed, orders=30, clock=SandboxClock(scale=100.0))
    truth = [as_shopify_sends(o) for o in store.orders()]
    invoices, notes, summaries = post_everything(truth, truth)
    check_ties_to_shopify(truth, invoices, notes, summaries)
