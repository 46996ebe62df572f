"""The seeded store: determinism, money identities on every order, coverage of cases, JSONL replay."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandbox.clock import SandboxClock, parse_instant
from sandbox.shopify.generator import generate_store, load_orders_jsonl
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.server import start_shopify_sandbox

CENT = Decimal("0.01")
SAST = ZoneInfo("Africa/Johannesburg")


def money(bag: dict[str, Any] | None) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"]) if bag else Decimal(0)


def total(items: list[dict[str, Any]], key: str) -> Decimal:
    return sum((money(item[key]) for item in items), Decimal(0))


def assert_money_identities(order: dict[str, Any]) -> None:
    """The documented identities, recomputed here from the order's parts with plain Decimal."""
    lines = order["lineItems"]["nodes"]
    ships = order["shippingLines"]["nodes"]
    export = (order.get("shippingAddress") or {}).get("countryCodeV2") not in (None, "ZA")
    for line in lines:
        original = money(line["originalUnitPriceSet"]) * line["quantity"]
        discount = sum((money(a["allocatedAmountSet"]) for a in line["discountAllocations"]), Decimal(0))
        assert money(line["originalTotalSet"]) == original
        assert money(line["discountedTotalSet"]) == original - discount
        expected_vat = (money(line["discountedTotalSet"]) * 15 / 115).quantize(CENT, ROUND_HALF_UP)
        taxes = [t for t in line["taxLines"]]
        if line["taxable"] and not export and expected_vat:
            assert [(t["title"], t["rate"], money(t["priceSet"])) for t in taxes] == [
                ("VAT", 0.15, expected_vat)
            ]
        else:
            assert taxes == []
        assert 0 <= line["currentQuantity"] <= line["quantity"]
    for ship in ships:
        assert (ship["taxLines"] == []) == (export or money(ship["discountedPriceSet"]) == 0)
    line_discounts = sum(
        (money(a["allocatedAmountSet"]) for li in lines for a in li["discountAllocations"]), Decimal(0)
    )
    ship_discounts = total(ships, "originalPriceSet") - total(ships, "discountedPriceSet")
    tax = sum((money(t["priceSet"]) for item in lines + ships for t in item["taxLines"]), Decimal(0))
    assert order["taxesIncluded"] is True
    assert money(order["subtotalPriceSet"]) == total(lines, "originalTotalSet") - line_discounts
    assert money(order["totalShippingPriceSet"]) == total(ships, "originalPriceSet")
    assert money(order["totalDiscountsSet"]) == line_discounts + ship_discounts
    assert money(order["totalTaxSet"]) == tax
    assert money(order["totalPriceSet"]) == (
        total(lines, "originalTotalSet")
        + money(order["totalShippingPriceSet"])
        - money(order["totalDiscountsSet"])
    )
    refunds = order["refunds"]
    refund_txs = [t for t in order["transactions"] if t["kind"] == "REFUND" and t["status"] == "SUCCESS"]
    assert (
        money(order["totalRefundedSet"])
        == total(refunds, "totalRefundedSet")
        == total(refund_txs, "amountSet")
    )
    paid = [t for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"]
    net = total(paid, "amountSet") - money(order["totalRefundedSet"])
    assert money(order["netPaymentSet"]) == net
    assert money(order["totalOutstandingSet"]) == money(order["currentTotalPriceSet"]) - net
    assert money(order["totalRefundedSet"]) <= total(paid, "amountSet")
    for bag_key in [k for k in order if k.endswith("Set")]:
        assert order[bag_key]["shopMoney"]["currencyCode"] == "ZAR"
        assert Decimal(order[bag_key]["shopMoney"]["amount"]).as_tuple().exponent == -2


def test_same_seed_gives_an_identical_store() -> None:
    first = json.dumps(list(generate_store(11, orders=60).orders()), sort_keys=True)
    again = json.dumps(list(generate_store(11, orders=60).orders()), sort_keys=True)
    other = json.dumps(list(generate_store(12, orders=60).orders()), sort_keys=True)
    assert first == again
    assert first != other


def test_clock_start_anchors_the_data_and_nothing_is_after_it() -> None:
    clock = SandboxClock(parse_instant("2027-03-01T00:00:00Z"), scale=50)
    store = generate_store(3, orders=80, clock=clock)
    for order in store.orders():
        stamps = [order["createdAt"], order["updatedAt"], order["processedAt"]]
        assert all(parse_instant(s) <= clock.start for s in stamps)
        assert parse_instant(order["updatedAt"]) >= parse_instant(order["createdAt"])


@pytest.mark.parametrize("seed", [1, 2, 42])
def test_every_generated_order_keeps_the_money_identities(seed: int) -> None:
    for order in generate_store(seed, orders=150).orders():
        assert_money_identities(order)


def test_generated_store_covers_the_cases_downstream_needs() -> None:
    store = generate_store(5, orders=120)
    orders = list(store.orders())
    start = SandboxClock().start
    financial = Counter(o["displayFinancialStatus"] for o in orders)
    fulfilment = Counter(o["displayFulfillmentStatus"] for o in orders)
    assert {"PAID", "AUTHORIZED", "PENDING", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED"} <= set(financial)
    assert {"FULFILLED", "UNFULFILLED", "PARTIALLY_FULFILLED", "ON_HOLD"} <= set(fulfilment)
    assert any(o["test"] for o in orders)
    assert any(o["cancelledAt"] for o in orders)
    exports = [o for o in orders if o["shippingAddress"]["countryCodeV2"] in ("NA", "BW", "LS")]
    assert {o["shippingAddress"]["countryCodeV2"] for o in exports} == {"NA", "BW", "LS"}
    assert all(money(o["totalTaxSet"]) == 0 for o in exports)
    gateways = {g for o in orders for g in o["paymentGatewayNames"]}
    assert {"PayFast", "Yoco", "Peach Payments", "Ozow"} <= gateways
    lines = [li for o in orders for li in o["lineItems"]["nodes"]]
    assert any(not li["requiresShipping"] for li in lines)
    assert any(li["discountAllocations"] for li in lines)
    texts = [o.get("note") or "" for o in orders] + [
        o["shippingAddress"].get("address2") or "" for o in orders
    ]
    assert {t[0] for t in texts if t} >= {"=", "+", "-", "@"}
    assert any("ë" in o["shippingAddress"]["name"] or "é" in o["shippingAddress"]["name"] for o in orders)
    refunds = [r for o in orders for r in o["refunds"]]
    assert any(r["refundShippingLines"]["nodes"] and not r["refundLineItems"]["nodes"] for r in refunds)
    created = [parse_instant(o["createdAt"]) for o in orders]
    assert sum(1 for c in created if start - c > timedelta(days=60)) >= 1
    assert all(start - c <= timedelta(days=30) or start - c > timedelta(days=60) for c in created)
    near_midnight = [c for c in created if c.astimezone(SAST).hour in (23, 0)]
    assert len(near_midnight) >= 2
    warehouse = store.warehouse_location_id
    assigned = Counter(
        fo["assignedLocation"]["location"]["id"] for o in orders for fo in o["fulfillmentOrders"]["nodes"]
    )
    assert assigned.most_common(1)[0][0] == warehouse
    assert warehouse is not None
    assert store.locations[warehouse]["name"] == "Cape Town 3PL Warehouse"


def test_ids_look_like_shopify_ids() -> None:
    order = next(generate_store(9, orders=5).orders())
    kind, number = parse_gid(order["id"]) or ("", 0)
    assert kind == "Order"
    assert len(str(number)) == 13
    assert order["legacyResourceId"] == str(number)
    assert order["name"] == "#1001"


def test_jsonl_replay_serves_the_same_orders(tmp_path: Path) -> None:
    source = list(generate_store(21, orders=25).orders())
    path = tmp_path / "orders.jsonl"
    lines = []
    for order in source:
        # Recorded data often comes with edges instead of nodes.
        replayed = dict(order, lineItems={"edges": [{"node": n} for n in order["lineItems"]["nodes"]]})
        lines.append(json.dumps(replayed, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = load_orders_jsonl(path)
    assert [o["id"] for o in store.orders()] == [o["id"] for o in source]
    assert store.warehouse_location_id is not None
    clock = SandboxClock(scale=10)
    with start_shopify_sandbox(store, clock) as running:
        query = (
            "{ orders(first: 30) { nodes { id totalPriceSet { shopMoney { amount } } lineItems(first: 10) "
            "{ nodes { id sku } } } } }"
        )
        response = httpx.post(
            running.graphql_url(), json={"query": query}, headers={"X-Shopify-Access-Token": running.token}
        )
        nodes = response.json()["data"]["orders"]["nodes"]
    by_id = {o["id"]: o for o in source}
    assert len(nodes) == len(source)
    for node in nodes:
        want = by_id[node["id"]]
        assert node["totalPriceSet"]["shopMoney"]["amount"] == want["totalPriceSet"]["shopMoney"]["amount"]
        assert [li["sku"] for li in node["lineItems"]["nodes"]] == [
            li["sku"] for li in want["lineItems"]["nodes"]
        ]
