"""`fetch_money_orders` against the sandbox over real HTTP: every order's refunds and transactions as stored,
refund connections completed past their first page, no request over Shopify's 1,000-point limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from clients.shopify_windows import OrderWindow
from tests.clients.shopify_sandbox import Shop, in_window, nodes, running_shop

EXTRA_SKUS = ["RB-TEA-250", "BLT-100", "TSH-PRO-S", "TSH-PRO-M", "TSH-PRO-L", "MUG-TBL-01"]


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    with running_shop(seed=7, orders=40) as running:
        yield running


def everything(shop: Shop) -> OrderWindow:
    return OrderWindow(shop.clock.start - timedelta(days=150), shop.clock.start + timedelta(days=1))


def ids(listed: list) -> list[str]:
    return [x["id"] for x in listed]


def test_every_order_comes_with_all_its_refunds_and_transactions(shop: Shop) -> None:
    shop.reset()
    window = everything(shop)
    with shop.client() as client:
        got = {o["id"]: o for o in client.fetch_money_orders(window)}
    truth = {o["id"]: o for o in shop.truth() if in_window(o, window.start, window.end)}
    assert got.keys() == truth.keys()
    for oid, order in got.items():
        assert ids(order["transactions"]) == ids(truth[oid]["transactions"])
        assert ids(order["refunds"]) == ids(truth[oid]["refunds"])
        for mine, theirs in zip(order["refunds"], truth[oid]["refunds"], strict=True):
            for field in ("refundLineItems", "refundShippingLines", "transactions"):
                assert mine[field].keys() == {"nodes"}
                assert ids(mine[field]["nodes"]) == ids(nodes(theirs[field]))
    costs = [r["requested_cost"] for r in shop.requests() if r["operation_name"] == "OrdersMoneyPage"]
    assert max(costs) <= 1000
    assert len(costs) >= 3  # a probe, then pages sized by cost


def test_a_refund_with_more_lines_than_the_first_page_is_completed(shop: Shop) -> None:
    shop.reset()
    target = next(
        o
        for o in shop.truth()
        if o["displayFinancialStatus"] == "PAID"
        and not o["test"]
        and nodes(o["shippingLines"])
        and o["displayFulfillmentStatus"] == "UNFULFILLED"
    )
    legacy = target["legacyResourceId"]
    shop.post(f"/orders/{legacy}/edit", {"add_lines": [{"sku": s, "quantity": 1} for s in EXTRA_SKUS]})
    lines = nodes(shop.admin.get(f"/orders/{legacy}").json()["order"]["lineItems"])
    made = shop.post(f"/orders/{legacy}/refund", {"lines": [{"id": x["id"], "quantity": 1} for x in lines]})
    expected = ids(nodes(made["refund"]["refundLineItems"]))
    assert len(expected) > 5  # more than ORDERS_MONEY_PAGE's first page of refund lines
    with shop.client() as client:
        got = {o["id"]: o for o in client.fetch_money_orders(everything(shop), field="updated_at")}
    refund = next(r for r in got[target["id"]]["refunds"] if r["id"] == made["refund"]["id"])
    assert ids(refund["refundLineItems"]["nodes"]) == expected
    follow_ups = [r for r in shop.requests() if r["operation_name"] == "OrderRefundRefundLineItems"]
    assert follow_ups
    assert all(r["requested_cost"] <= 1000 for r in follow_ups)
