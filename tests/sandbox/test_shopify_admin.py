"""The admin endpoint: each change bumps updatedAt to sandbox now and keeps totals and statuses consistent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandbox.clock import parse_instant
from sandbox.shopify.admin import is_loopback
from tests.sandbox.conftest import Shop
from tests.sandbox.test_shopify_generator import assert_money_identities, money

LEVEL = """query L($id: ID!) { inventoryLevel(id: $id) {
  quantities(names: ["available", "committed", "on_hand"])
  { name quantity } } }"""


def pick(shop: Shop, **want: Any) -> dict[str, Any]:
    for order in shop.orders_truth():
        if all(order.get(k) == v for k, v in want.items()) and not order["test"]:
            return order
    raise AssertionError(f"no order with {want}")


def act(
    shop: Shop, order: dict[str, Any], action: str, payload: dict[str, Any] | None = None, status: int = 200
) -> dict[str, Any]:
    return shop.admin("POST", f"/orders/{order['legacyResourceId']}/{action}", payload or {}, status=status)


def bumped(shop: Shop, before: dict[str, Any], after: dict[str, Any]) -> None:
    assert parse_instant(after["updatedAt"]) > parse_instant(before["updatedAt"])
    assert abs((parse_instant(after["updatedAt"]) - shop.clock.now()).total_seconds()) < 120
    assert_money_identities(after)
    served = shop.data(
        "query($id: ID!) { order(id: $id) { updatedAt totalPriceSet { shopMoney { amount } } } }",
        {"id": after["id"]},
    )["order"]
    assert served == {
        "updatedAt": after["updatedAt"],
        "totalPriceSet": {"shopMoney": {"amount": after["totalPriceSet"]["shopMoney"]["amount"]}},
    }


def level(shop: Shop, order: dict[str, Any], line: dict[str, Any]) -> dict[str, int]:
    store = shop.running.state.store
    item = store.variants[line["variant"]["id"]]["inventoryItem"]["id"]
    location = order["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    level_id = f"gid://shopify/InventoryLevel/{location.rsplit('/', 1)[1]}"
    level_id += f"?inventory_item_id={item.rsplit('/', 1)[1]}"
    data = shop.data(LEVEL, {"id": level_id})["inventoryLevel"]
    return {q["name"]: q["quantity"] for q in data["quantities"]}


def test_edit_quantities_tags_note_and_lines(shop: Shop) -> None:
    order = pick(shop, displayFulfillmentStatus="UNFULFILLED", displayFinancialStatus="PAID")
    line = next(li for li in order["lineItems"]["nodes"] if li["requiresShipping"])
    stock = level(shop, order, line)
    edited = act(
        shop,
        order,
        "edit",
        {
            "tags": ["priority", "=cmd"],
            "note": "@desk",
            "lines": [{"id": line["id"], "quantity": line["quantity"] + 2}],
            "add_lines": [{"sku": "GC-500", "quantity": 1}],
        },
    )["order"]
    bumped(shop, order, edited)
    assert edited["tags"] == ["=cmd", "priority"]
    assert edited["note"] == "@desk"
    new_line = next(li for li in edited["lineItems"]["nodes"] if li["id"] == line["id"])
    assert new_line["quantity"] == line["quantity"] + 2
    assert money(edited["totalPriceSet"]) > money(order["totalPriceSet"])
    assert edited["displayFinancialStatus"] == "PARTIALLY_PAID"
    remaining = sum(
        i["remainingQuantity"]
        for fo in edited["fulfillmentOrders"]["nodes"]
        for i in fo["lineItems"]["nodes"]
        if i["lineItem"]["id"] == line["id"]
    )
    assert remaining == line["quantity"] + 2
    after = level(shop, order, line)
    assert after["committed"] == stock["committed"] + 2
    assert after["available"] == stock["available"] - 2
    gift = next(li for li in edited["lineItems"]["nodes"] if li["sku"] == "GC-500")
    removed = act(shop, edited, "edit", {"remove_lines": [gift["id"]]})["order"]
    assert gift["id"] not in {li["id"] for li in removed["lineItems"]["nodes"]}
    assert_money_identities(removed)


def test_shipping_address_to_namibia_makes_the_order_zero_rated(shop: Shop) -> None:
    order = pick(shop, displayFulfillmentStatus="UNFULFILLED", displayFinancialStatus="PAID")
    assert money(order["totalTaxSet"]) > 0
    edited = act(
        shop,
        order,
        "edit",
        {
            "shipping_address": {
                "countryCodeV2": "NA",
                "country": "Namibia",
                "city": "Windhoek",
                "provinceCode": None,
            }
        },
    )["order"]
    bumped(shop, order, edited)
    assert money(edited["totalTaxSet"]) == 0
    moved = act(
        shop, edited, "edit", {"shipping_method": {"title": "DHL Express", "code": "DHL", "price": "450.00"}}
    )
    assert [s["title"] for s in moved["order"]["shippingLines"]["nodes"]] == ["DHL Express"]
    assert money(moved["order"]["totalShippingPriceSet"]) == Decimal("450.00")


def test_fulfil_in_two_shipments(shop: Shop) -> None:
    order = pick(shop, displayFulfillmentStatus="UNFULFILLED", displayFinancialStatus="PAID")
    line = next(li for li in order["lineItems"]["nodes"] if li["requiresShipping"])
    stock = level(shop, order, line)
    first = act(
        shop,
        order,
        "fulfil",
        {
            "lines": [{"id": line["id"], "quantity": 1}],
            "tracking_number": "TCG1",
            "tracking_company": "The Courier Guy",
        },
    )
    shipped = first["order"]
    bumped(shop, order, shipped)
    total_units = sum(
        i["totalQuantity"] for fo in order["fulfillmentOrders"]["nodes"] for i in fo["lineItems"]["nodes"]
    )
    assert shipped["displayFulfillmentStatus"] == ("FULFILLED" if total_units == 1 else "PARTIALLY_FULFILLED")
    assert first["fulfillments"][0]["trackingInfo"] == [
        {"company": "The Courier Guy", "number": "TCG1", "url": None}
    ]
    after = level(shop, order, line)
    assert (after["committed"], after["on_hand"]) == (stock["committed"] - 1, stock["on_hand"] - 1)
    if total_units > 1:
        done = act(shop, shipped, "fulfil", {})["order"]
        assert done["displayFulfillmentStatus"] == "FULFILLED"
        assert {fo["status"] for fo in done["fulfillmentOrders"]["nodes"]} == {"CLOSED"}
    act(shop, shipped, "fulfil", {"lines": [{"id": line["id"], "quantity": 99}]}, status=422)


def test_hold_and_release(shop: Shop) -> None:
    order = pick(shop, displayFulfillmentStatus="UNFULFILLED", displayFinancialStatus="PAID")
    held = act(shop, order, "hold", {"reason": "INCORRECT_ADDRESS"})["order"]
    bumped(shop, order, held)
    assert held["displayFulfillmentStatus"] == "ON_HOLD"
    assert {fo["status"] for fo in held["fulfillmentOrders"]["nodes"]} == {"ON_HOLD"}
    act(shop, held, "fulfil", {}, status=422)
    released = act(shop, held, "release")["order"]
    assert released["displayFulfillmentStatus"] == "UNFULFILLED"
    act(shop, released, "release", status=422)


def test_partial_refund_with_restock_then_shipping_refund(shop: Shop) -> None:
    order = pick(shop, displayFulfillmentStatus="UNFULFILLED", displayFinancialStatus="PAID")
    line = order["lineItems"]["nodes"][0]
    result = act(
        shop,
        order,
        "refund",
        {"lines": [{"id": line["id"], "quantity": 1, "restock": True}], "note": "-damaged"},
    )
    refunded = result["order"]
    bumped(shop, order, refunded)
    assert refunded["displayFinancialStatus"] in ("PARTIALLY_REFUNDED", "REFUNDED")
    unit = money(line["discountedTotalSet"]) / line["quantity"]
    assert abs(money(result["refund"]["totalRefundedSet"]) - unit) <= Decimal("0.01")
    assert next(li for li in refunded["lineItems"]["nodes"] if li["id"] == line["id"])["currentQuantity"] == (
        line["quantity"] - 1
    )
    if refunded["shippingLines"]["nodes"] and money(
        refunded["shippingLines"]["nodes"][0]["discountedPriceSet"]
    ):
        shipping = act(shop, refunded, "refund", {"shipping": True})
        assert shipping["refund"]["refundLineItems"]["nodes"] == []
        assert_money_identities(shipping["order"])
    act(shop, order, "refund", {"lines": [{"id": line["id"], "quantity": 99}]}, status=422)
    act(shop, order, "refund", {"amount": "999999.00"}, status=422)


def test_cancel_paid_order_refunds_everything_and_releases_stock(shop: Shop) -> None:
    order = pick(shop, displayFulfillmentStatus="UNFULFILLED", displayFinancialStatus="PAID")
    line = next(li for li in order["lineItems"]["nodes"] if li["requiresShipping"])
    stock = level(shop, order, line)
    cancelled = act(shop, order, "cancel", {"reason": "CUSTOMER"})["order"]
    bumped(shop, order, cancelled)
    assert cancelled["cancelledAt"] == cancelled["updatedAt"]
    assert cancelled["cancelReason"] == "CUSTOMER"
    assert cancelled["displayFinancialStatus"] == "REFUNDED"
    assert cancelled["closed"] is True
    assert money(cancelled["totalRefundedSet"]) == money(order["totalPriceSet"])
    assert money(cancelled["currentTotalPriceSet"]) == 0
    assert money(cancelled["totalOutstandingSet"]) == 0
    assert all(li["currentQuantity"] == 0 for li in cancelled["lineItems"]["nodes"])
    after = level(shop, order, line)
    assert after["committed"] == stock["committed"] - line["quantity"]
    act(shop, cancelled, "cancel", status=422)
    act(shop, cancelled, "edit", {"note": "x"}, status=422)


def test_cancel_authorized_order_voids_it(shop: Shop) -> None:
    order = pick(shop, displayFinancialStatus="AUTHORIZED", cancelledAt=None)
    cancelled = act(shop, order, "cancel", {"reason": "FRAUD"})["order"]
    assert cancelled["displayFinancialStatus"] == "VOIDED"
    assert [t["kind"] for t in cancelled["transactions"]][-1] == "VOID"
    assert_money_identities(cancelled)


def test_create_orders_generated_and_given(shop: Shop) -> None:
    made = shop.admin("POST", "/orders", {"scenario": {"export": True, "payment": "authorized"}})["order"]
    assert made["shippingAddress"]["countryCodeV2"] in ("NA", "BW", "LS")
    assert made["displayFinancialStatus"] == "AUTHORIZED"
    assert made["name"] == "#1041"
    assert_money_identities(made)
    given = shop.admin(
        "POST",
        "/orders",
        {
            "order": {
                "name": "#9001",
                "lineItems": {
                    "nodes": [
                        {
                            "id": "gid://shopify/LineItem/1",
                            "sku": "X",
                            "name": "X",
                            "title": "X",
                            "quantity": 1,
                            "requiresShipping": True,
                            "taxable": True,
                            "originalUnitPriceSet": {
                                "shopMoney": {"amount": "115.00", "currencyCode": "ZAR"}
                            },
                        }
                    ]
                },
            }
        },
    )["order"]
    assert given["createdAt"] == given["updatedAt"]
    assert money(given["totalPriceSet"]) == Decimal("115.00")
    served = shop.data(
        "query($id: ID!) { order(id: $id) { name lineItems(first: 1) { nodes { sku } } } }",
        {"id": given["id"]},
    )
    assert served == {"order": {"name": "#9001", "lineItems": {"nodes": [{"sku": "X"}]}}}
    assert shop.admin("GET", f"/orders/{given['legacyResourceId']}")["order"]["id"] == given["id"]
    shop.admin("GET", "/orders/1", status=404)
    shop.admin("POST", "/orders", {"scenario": {"colour": "red"}}, status=400)


def test_state_clock_and_tokens(shop: Shop) -> None:
    state = shop.admin("GET", "/state")
    assert state["counts"]["orders"] == 40
    assert state["plan"] == "standard"
    assert state["warehouse_location_id"] == shop.running.state.store.warehouse_location_id
    before = parse_instant(shop.admin("POST", "/clock", {"scale": 0})["now"])
    after = parse_instant(shop.admin("POST", "/clock", {"advance_seconds": 86400})["now"])
    assert (after - before).total_seconds() == pytest.approx(86400, abs=1)
    token = shop.admin("POST", "/tokens", {"scopes": ["read_orders"]})["token"]
    assert token.startswith("shpat_")
    assert token != shop.running.token
    shop.admin("POST", "/tokens", {"scopes": "read_orders"}, status=400)


def test_admin_answers_loopback_peers_only() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.5.6.7")
    assert is_loopback("::1")
    assert not is_loopback("10.0.0.5")
    assert not is_loopback("192.168.1.2")
    assert not is_loopback(None)
    assert not is_loopback("not-an-ip")
