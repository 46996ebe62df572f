"""The production client's exact GraphQL documents validate and return data consistent with ground truth."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, parse

from clients import shopify_queries
from sandbox.shopify.errors import validation_errors
from sandbox.shopify.schema import shopify_schema
from tests.sandbox.conftest import Shop


def _operations(text: str) -> list[OperationDefinitionNode]:
    try:
        return [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    except GraphQLError:
        return []


# Every operation document the client module exports (fragments alone are checked through them).
DOCUMENTS = {
    name: value
    for name, value in vars(shopify_queries).items()
    if name.isupper() and isinstance(value, str) and _operations(value)
}


def test_there_are_client_documents_to_check() -> None:
    assert {"ORDERS_PAGE", "ORDERS_COUNT", "ACCESS_SCOPES"} <= set(DOCUMENTS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_client_document_validates(name: str) -> None:
    assert _operations(DOCUMENTS[name])
    assert validation_errors(shopify_schema(), parse(DOCUMENTS[name])) == []


def _page_all(shop: Shop, first: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"first": first, "after": after, "query": None, "sortKey": "UPDATED_AT"}
        body = shop.gql(shopify_queries.ORDERS_PAGE, variables)
        assert "errors" not in body, body
        page = body["data"]["orders"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_orders_page_returns_every_order_consistently(shared_shop: Shop) -> None:
    truth = {o["id"]: o for o in shared_shop.orders_truth()}
    nodes = _page_all(shared_shop, first=8)
    assert [n["id"] for n in nodes] == [o["id"] for o in sorted(truth.values(), key=_update_key)]
    for node in nodes:
        order = truth[node["id"]]
        for key in (
            "name",
            "updatedAt",
            "createdAt",
            "displayFinancialStatus",
            "displayFulfillmentStatus",
            "tags",
        ):
            assert node[key] == order[key]
        for key in (
            "totalPriceSet",
            "subtotalPriceSet",
            "totalTaxSet",
            "totalRefundedSet",
            "totalDiscountsSet",
        ):
            assert node[key]["shopMoney"] == order[key]["shopMoney"]
        lines = order["lineItems"]["nodes"]
        assert [li["id"] for li in node["lineItems"]["nodes"]] == [li["id"] for li in lines[:5]]
        assert node["lineItems"]["pageInfo"]["hasNextPage"] == (len(lines) > 5)
        fos = order["fulfillmentOrders"]["nodes"]
        assert [fo["id"] for fo in node["fulfillmentOrders"]["nodes"]] == [fo["id"] for fo in fos[:2]]
        for got, want in zip(node["fulfillmentOrders"]["nodes"], fos, strict=False):
            assert got["assignedLocation"]["location"]["id"] == want["assignedLocation"]["location"]["id"]
            assert [i["remainingQuantity"] for i in got["lineItems"]["nodes"]] == [
                i["remainingQuantity"] for i in want["lineItems"]["nodes"][:5]
            ]


def _update_key(order: dict[str, Any]) -> tuple[str, int]:
    return order["updatedAt"], int(order["legacyResourceId"])


def test_follow_up_queries_fetch_the_rest_of_nested_connections(shop: Shop) -> None:
    order = shop.orders_truth()[3]
    sku_lines = [
        {"sku": s, "quantity": 1}
        for s in (
            "RB-TEA-250",
            "BLT-100",
            "MUG-TBL-01",
            "SCF-SPR-01",
            "FDG-AMA-200",
            "SOP-RB-01",
            "CSH-NDB-45",
        )
    ]
    if order["cancelledAt"]:
        order = next(o for o in shop.orders_truth() if not o["cancelledAt"])
    edited = shop.admin("POST", f"/orders/{order['legacyResourceId']}/edit", {"add_lines": sku_lines})[
        "order"
    ]
    assert len(edited["lineItems"]["nodes"]) > 5
    seen: list[str] = []
    after = None
    while True:
        page = shop.data(shopify_queries.ORDER_LINE_ITEMS, {"id": order["id"], "first": 3, "after": after})
        connection = page["order"]["lineItems"]
        seen += [n["id"] for n in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == [li["id"] for li in edited["lineItems"]["nodes"]]
    fo = edited["fulfillmentOrders"]["nodes"][0]
    items = shop.data(shopify_queries.FULFILLMENT_ORDER_LINE_ITEMS, {"id": fo["id"], "first": 250})
    assert [i["lineItem"]["id"] for i in items["fulfillmentOrder"]["lineItems"]["nodes"]] == [
        i["lineItem"]["id"] for i in fo["lineItems"]["nodes"]
    ]


def test_orders_count_and_access_scopes_documents(shared_shop: Shop) -> None:
    count = shared_shop.data(shopify_queries.ORDERS_COUNT, {"query": "test:false"})["ordersCount"]
    assert count == {
        "count": sum(1 for o in shared_shop.orders_truth() if not o["test"]),
        "precision": "EXACT",
    }
    scopes = shared_shop.data(shopify_queries.ACCESS_SCOPES)["currentAppInstallation"]["accessScopes"]
    assert {s["handle"] for s in scopes} == {
        "read_orders",
        "read_all_orders",
        "read_inventory",
        "read_locations",
        "read_fulfillments",
        "read_products",
    }
