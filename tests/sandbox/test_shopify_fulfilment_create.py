"""fulfillmentCreate and fulfillmentTrackingInfoUpdate over real HTTP: userErrors, scopes, ghost writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sandbox.shopify.fulfilment_create import (
    FULFILLMENT_NOT_FOUND,
    LINE_NOT_FOUND,
    NO_FULFILLMENT_ORDERS,
    NOT_FULFILLABLE,
    NOT_POSITIVE,
    OVER_FULFIL,
)
from tests.sandbox.conftest import Shop
from tests.sandbox.test_shopify_admin import level

Node = dict[str, Any]
SCOPES = ["read_orders", "read_all_orders", "write_merchant_managed_fulfillment_orders"]
CREATE = """mutation FulfilOrder($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id status createdAt trackingInfo(first: 5) { number company url }
    fulfillmentLineItems(first: 50) { nodes { quantity lineItem { id } } } }
  userErrors { field message } } }"""
UPDATE = """mutation Track($id: ID!, $t: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: false) {
    fulfillment { id trackingInfo { number company url } } userErrors { field message } } }"""
FO = """query FO($id: ID!) { fulfillmentOrder(id: $id) {
  status lineItems(first: 50) { nodes { id remainingQuantity } } } }"""
ORDER = """query Order($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillments { id status trackingInfo { number company url }
    fulfillmentLineItems(first: 50) { nodes { quantity lineItem { id } } } } } }"""
TRACKING = {"number": "TCG-100200", "company": "The Courier Guy", "url": "https://tcg.example/TCG-100200"}


def writer(shop: Shop, scopes: list[str] = SCOPES) -> str:
    return str(shop.admin("POST", "/tokens", {"scopes": scopes})["token"])


def open_order(shop: Shop, *, line_units: int = 1, skip: int = 0) -> tuple[Node, Node]:
    """A plain order with one OPEN fulfilment order, one of whose lines has ``line_units`` left."""
    found = [
        (order, order["fulfillmentOrders"]["nodes"][0])
        for order in shop.orders_truth()
        if not order["test"]
        and not order.get("cancelledAt")
        and len(order["fulfillmentOrders"]["nodes"]) == 1
        and order["fulfillmentOrders"]["nodes"][0]["status"] == "OPEN"
        and max(i["remainingQuantity"] for i in order["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"])
        >= line_units
    ]
    return found[skip]


def create(shop: Shop, token: str, fo: Node, lines: list[Node] | None = None, **more: Any) -> Node:
    entry: Node = {"fulfillmentOrderId": fo["id"]}
    if lines is not None:
        entry["fulfillmentOrderLineItems"] = lines
    body = shop.gql(CREATE, {"f": {"lineItemsByFulfillmentOrder": [entry], **more}}, token=token)
    assert "errors" not in body, body
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    return body["data"]["fulfillmentCreate"]


def remaining(shop: Shop, fo: Node) -> tuple[str, dict[str, int]]:
    data = shop.data(FO, {"id": fo["id"]})["fulfillmentOrder"]
    return data["status"], {i["id"]: i["remainingQuantity"] for i in data["lineItems"]["nodes"]}


def truth(shop: Shop, order: Node) -> Node:
    return shop.admin("GET", f"/orders/{order['legacyResourceId']}")["order"]


def test_full_fulfilment_with_tracking_closes_the_fulfilment_order(shop: Shop) -> None:
    order, fo = open_order(shop)
    before = {i["id"]: i["remainingQuantity"] for i in fo["lineItems"]["nodes"]}
    item = fo["lineItems"]["nodes"][0]
    stock = level(
        shop, order, next(li for li in order["lineItems"]["nodes"] if li["id"] == item["lineItem"]["id"])
    )
    result = create(shop, writer(shop), fo, trackingInfo=TRACKING, notifyCustomer=True)
    assert result["userErrors"] == []
    made = result["fulfillment"]
    assert made["status"] == "SUCCESS"
    assert made["trackingInfo"] == [TRACKING]
    shipped = sorted(i["quantity"] for i in made["fulfillmentLineItems"]["nodes"])
    assert shipped == sorted(q for q in before.values() if q)
    assert remaining(shop, fo) == ("CLOSED", dict.fromkeys(before, 0))
    shipped_line = next(li for li in order["lineItems"]["nodes"] if li["id"] == item["lineItem"]["id"])
    assert level(shop, order, shipped_line) == {
        "available": stock["available"],
        "committed": stock["committed"] - item["remainingQuantity"],
        "on_hand": stock["on_hand"] - item["remainingQuantity"],
    }
    after = truth(shop, order)
    assert after["displayFulfillmentStatus"] == "FULFILLED"
    assert after["updatedAt"] > order["updatedAt"]


def test_partial_then_the_rest_moves_the_statuses(shop: Shop) -> None:
    order, fo = open_order(shop, line_units=2)
    token = writer(shop)
    item = max(fo["lineItems"]["nodes"], key=lambda i: i["remainingQuantity"])
    first = create(shop, token, fo, [{"id": item["id"], "quantity": 1}], trackingInfo={"number": "P1"})
    assert first["userErrors"] == []
    assert [i["quantity"] for i in first["fulfillment"]["fulfillmentLineItems"]["nodes"]] == [1]
    status, left = remaining(shop, fo)
    assert (status, left[item["id"]]) == ("IN_PROGRESS", item["remainingQuantity"] - 1)
    assert shop.data(ORDER, {"id": order["id"]})["order"]["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"

    rest = create(shop, token, fo, trackingInfo={"number": "P2"})  # no line items: all that remains
    assert rest["userErrors"] == []
    assert sum(i["quantity"] for i in rest["fulfillment"]["fulfillmentLineItems"]["nodes"]) == sum(
        left.values()
    )
    assert remaining(shop, fo)[0] == "CLOSED"
    served = shop.data(ORDER, {"id": order["id"]})["order"]
    assert served["displayFulfillmentStatus"] == "FULFILLED"
    assert [f["trackingInfo"][0]["number"] for f in served["fulfillments"][-2:]] == ["P1", "P2"]


def _over(fo: Node, other: Node) -> list[Node]:
    first, *rest = fo["lineItems"]["nodes"]
    return [{"id": i["id"], "quantity": 1} for i in rest] + [
        {"id": first["id"], "quantity": first["remainingQuantity"] + 1}
    ]


LINE = ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderLineItems", "0"]
Build = Callable[[Node, Node], list[Node]]
REFUSALS: dict[str, tuple[Build, str, list[str]]] = {
    "over-fulfilment after valid lines": (_over, OVER_FULFIL, ["fulfillment"]),
    "zero quantity": (
        lambda fo, _: [{"id": fo["lineItems"]["nodes"][0]["id"], "quantity": 0}],
        NOT_POSITIVE,
        [*LINE, "quantity"],
    ),
    "negative quantity": (
        lambda fo, _: [{"id": fo["lineItems"]["nodes"][0]["id"], "quantity": -2}],
        NOT_POSITIVE,
        [*LINE, "quantity"],
    ),
    "line of another fulfilment order": (
        lambda _, other: [{"id": other["lineItems"]["nodes"][0]["id"], "quantity": 1}],
        LINE_NOT_FOUND,
        [*LINE, "id"],
    ),
    "unknown line item": (
        lambda _, __: [{"id": "gid://shopify/FulfillmentOrderLineItem/1", "quantity": 1}],
        LINE_NOT_FOUND,
        [*LINE, "id"],
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refused_requests_are_user_errors_and_write_nothing(shop: Shop, case: str) -> None:
    _, fo = open_order(shop)
    _, other = open_order(shop, skip=1)
    build, message, field = REFUSALS[case]
    before = shop.orders_truth()
    result = create(shop, writer(shop), fo, build(fo, other), trackingInfo=TRACKING)
    assert result == {"fulfillment": None, "userErrors": [{"field": field, "message": message}]}
    assert shop.orders_truth() == before


def test_unknown_fulfilment_order_and_mixed_orders_are_refused(shop: Shop) -> None:
    (_, fo), (_, other) = open_order(shop), open_order(shop, skip=1)
    token = writer(shop)
    before = shop.orders_truth()
    missing = create(shop, token, {"id": "gid://shopify/FulfillmentOrder/1"})
    assert missing["userErrors"][0]["message"] == "Fulfillment order does not exist."
    empty = shop.gql(CREATE, {"f": {"lineItemsByFulfillmentOrder": []}}, token=token)["data"]
    assert empty["fulfillmentCreate"]["userErrors"] == [
        {"field": ["fulfillment", "lineItemsByFulfillmentOrder"], "message": NO_FULFILLMENT_ORDERS}
    ]
    mixed = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}, {"fulfillmentOrderId": other["id"]}]
    }
    body = shop.gql(CREATE, {"f": mixed}, token=token)["data"]["fulfillmentCreate"]
    assert body["fulfillment"] is None
    assert body["userErrors"][0]["field"] == [
        "fulfillment",
        "lineItemsByFulfillmentOrder",
        "1",
        "fulfillmentOrderId",
    ]
    assert shop.orders_truth() == before


@pytest.mark.parametrize("action", ["hold", "cancel"])
def test_held_or_cancelled_fulfilment_order_is_refused(shop: Shop, action: str) -> None:
    order, fo = open_order(shop)
    shop.admin("POST", f"/orders/{order['legacyResourceId']}/{action}", {})
    assert remaining(shop, fo)[0] == {"hold": "ON_HOLD", "cancel": "CANCELLED"}[action]
    before = truth(shop, order)
    result = create(shop, writer(shop), fo)
    assert result == {
        "fulfillment": None,
        "userErrors": [
            {
                "field": ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"],
                "message": NOT_FULFILLABLE,
            }
        ],
    }
    assert truth(shop, order) == before


def test_missing_write_scope_is_access_denied(shop: Shop) -> None:
    order, fo = open_order(shop)
    for token in (shop.running.token, writer(shop, ["read_orders", "read_assigned_fulfillment_orders"])):
        body = shop.gql(
            CREATE, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}, token=token
        )
        assert body["data"] == {"fulfillmentCreate": None}
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "ACCESS_DENIED"
        assert error["message"].startswith("Access denied for fulfillmentCreate field. Required access: ")
        assert "`write_merchant_managed_fulfillment_orders` access scope" in error["message"]
    assert truth(shop, order)["fulfillments"] == order.get("fulfillments", [])


@pytest.mark.parametrize(
    "scope",
    [
        "write_assigned_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
        "write_third_party_fulfillment_orders",
        "write_fulfillments",
    ],
)
def test_each_write_scope_grants_the_writes(shop: Shop, scope: str) -> None:
    _, fo = open_order(shop)
    assert create(shop, writer(shop, ["read_orders", "read_all_orders", scope]), fo)["userErrors"] == []


def test_fulfilment_is_found_with_its_tracking_through_the_order(shop: Shop) -> None:
    order, fo = open_order(shop)
    made = create(shop, writer(shop), fo, trackingInfo={"number": "DEDUP-1", "company": "Aramex"})[
        "fulfillment"
    ]
    served = shop.data(ORDER, {"id": order["id"]})["order"]["fulfillments"]
    found = [f for f in served if any(t["number"] == "DEDUP-1" for t in f["trackingInfo"])]
    assert [f["id"] for f in found] == [made["id"]]
    assert found[0]["fulfillmentLineItems"] == made["fulfillmentLineItems"]
    assert found[0]["trackingInfo"] == [{"number": "DEDUP-1", "company": "Aramex", "url": None}]


def test_tracking_update_replaces_the_tracking(shop: Shop) -> None:
    order, fo = open_order(shop)
    token = writer(shop)
    made = create(shop, token, fo, trackingInfo={"number": "OLD-1"})["fulfillment"]
    new = {"company": "DSV", "numbers": ["DSV-1", "DSV-2"], "urls": ["https://dsv.example/1"]}
    body = shop.gql(UPDATE, {"id": made["id"], "t": new}, token=token)
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    updated = body["data"]["fulfillmentTrackingInfoUpdate"]
    assert updated["userErrors"] == []
    expected = [
        {"number": "DSV-1", "company": "DSV", "url": "https://dsv.example/1"},
        {"number": "DSV-2", "company": "DSV", "url": None},
    ]
    assert updated["fulfillment"]["trackingInfo"] == expected
    served = shop.data(ORDER, {"id": order["id"]})["order"]["fulfillments"]
    assert next(f for f in served if f["id"] == made["id"])["trackingInfo"] == expected
    gone = shop.gql(UPDATE, {"id": "gid://shopify/Fulfillment/1", "t": new}, token=token)
    assert gone["data"]["fulfillmentTrackingInfoUpdate"] == {
        "fulfillment": None,
        "userErrors": [{"field": ["fulfillmentId"], "message": FULFILLMENT_NOT_FOUND}],
    }
    denied = shop.gql(UPDATE, {"id": made["id"], "t": new})  # default token: read scopes only
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "http_error", "status": 502, "commit": True},
        {"kind": "http_error", "status": 500, "commit": True},
        {"kind": "reset", "commit": True},
        {"kind": "truncated"},
    ],
    ids=["502", "500", "reset", "truncated"],
)
def test_ghost_write_leaves_the_fulfilment_in_place(shop: Shop, rule: Node) -> None:
    order, fo = open_order(shop)
    token = writer(shop)
    shop.admin("POST", "/faults", {**rule, "operation": "FulfilOrder"})
    lines = [{"id": i["id"], "quantity": i["remainingQuantity"]} for i in fo["lineItems"]["nodes"]]
    variables = {
        "f": {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": lines}
            ],
            "trackingInfo": {"number": "GHOST-1"},
        }
    }
    try:
        lost = shop.post(CREATE, variables, token=token)
        assert rule["kind"] == "http_error", lost.text
        assert lost.status_code == rule["status"]
    except httpx.TransportError:
        assert rule["kind"] in ("reset", "truncated")
    served = shop.data(ORDER, {"id": order["id"]})["order"]
    assert served["displayFulfillmentStatus"] == "FULFILLED"
    assert [t["number"] for f in served["fulfillments"] for t in f["trackingInfo"]].count("GHOST-1") == 1
    (logged,) = [
        r for r in shop.admin("GET", "/requests")["requests"] if r["operation_name"] == "FulfilOrder"
    ]
    assert (logged["fault"], logged["actual_cost"]) == (rule["kind"], 10)
    retry = shop.gql(CREATE, variables, token=token)["data"]["fulfillmentCreate"]  # the blind retry
    assert (retry["fulfillment"], retry["userErrors"][0]["message"]) == (None, NOT_FULFILLABLE)
    assert len(shop.data(ORDER, {"id": order["id"]})["order"]["fulfillments"]) == len(served["fulfillments"])


def test_commit_is_only_for_http_error_and_reset(shop: Shop) -> None:
    for kind in ("http_429", "stall", "throttled", "truncated"):
        shop.admin("POST", "/faults", {"kind": kind, "commit": True}, status=400)


def test_throttled_mutation_writes_nothing(shop: Shop) -> None:
    order, fo = open_order(shop)
    shop.admin("POST", "/plan", {"restore_rate": 0.001, "currently_available": 5})
    body = shop.gql(
        CREATE, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}, token=writer(shop)
    )
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in body
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    assert truth(shop, order) == order


def test_idempotent_directive_is_accepted_but_does_not_deduplicate_fulfillment_create(shop: Shop) -> None:
    order, fo = open_order(shop)
    token = writer(shop)
    query = CREATE.replace(
        "fulfillmentCreate(fulfillment: $f)", 'fulfillmentCreate(fulfillment: $f) @idempotent(key: "k-1")'
    )
    variables = {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
    first = shop.data(query, variables, token=token)["fulfillmentCreate"]
    assert first["userErrors"] == []
    again = shop.data(query, variables, token=token)["fulfillmentCreate"]  # not a replay: run again
    assert (again["fulfillment"], again["userErrors"][0]["message"]) == (None, NOT_FULFILLABLE)
    assert len(truth(shop, order)["fulfillments"]) == len(order.get("fulfillments", [])) + 1
