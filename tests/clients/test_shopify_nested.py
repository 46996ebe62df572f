"""Nested-connection normalisation and the loud failures of incomplete answers (no network needed)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from clients.shopify_budget import ThrottleBudget
from clients.shopify_errors import ShopifyQueryError
from clients.shopify_events import EventSink
from clients.shopify_http import GraphQLSession
from clients.shopify_nested import complete_order
from clients.shopify_paging import Pager, dig
from clients.shopify_retry import RetryPolicy

DONE = {"hasNextPage": False, "endCursor": "c1"}


@pytest.fixture
def pager() -> Iterator[Pager]:
    # Port 9 on loopback: these tests must fail before any request; a request would be refused.
    session = GraphQLSession(
        "http://127.0.0.1:9/admin/api/2026-01/graphql.json", "shpat_unused", "2026-01",
        budget=ThrottleBudget(), timeout=0.2, deadline=0.5, retry=RetryPolicy(max_attempts=1),
        transport=None, events=EventSink(None),
    )  # fmt: skip
    yield Pager(session, 250)
    session.close()


def order() -> dict[str, Any]:
    return {
        "id": "gid://shopify/Order/1",
        "lineItems": {"pageInfo": DONE, "nodes": [{"id": "gid://shopify/LineItem/1"}]},
        "shippingLines": {"pageInfo": DONE, "nodes": []},
        "fulfillmentOrders": {
            "pageInfo": DONE,
            "nodes": [
                {
                    "id": "gid://shopify/FulfillmentOrder/1",
                    "lineItems": {
                        "pageInfo": DONE,
                        "nodes": [{"lineItem": {"id": "gid://shopify/LineItem/1"}}],
                    },
                }
            ],
        },
    }


def test_complete_connections_are_normalised_to_nodes_without_requests(pager: Pager) -> None:
    given = order()
    assert complete_order(given, pager) == 0
    assert given["lineItems"] == {"nodes": [{"id": "gid://shopify/LineItem/1"}]}
    assert given["shippingLines"] == {"nodes": []}
    [fulfillment_order] = given["fulfillmentOrders"]["nodes"]
    assert fulfillment_order["lineItems"] == {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/1"}}]}


def test_a_connection_without_page_info_is_refused(pager: Pager) -> None:
    given = order()
    del given["lineItems"]["pageInfo"]
    with pytest.raises(ShopifyQueryError, match="lineItems of gid://shopify/Order/1 without pageInfo"):
        complete_order(given, pager)


def test_more_pages_without_a_cursor_is_refused(pager: Pager) -> None:
    given = order()
    given["fulfillmentOrders"]["nodes"][0]["lineItems"]["pageInfo"] = {"hasNextPage": True, "endCursor": None}
    with pytest.raises(ShopifyQueryError, match="FulfillmentOrder/1 has more nodes but gave no cursor"):
        complete_order(given, pager)


def test_a_connection_without_nodes_is_refused(pager: Pager) -> None:
    given = order()
    given["shippingLines"] = {"pageInfo": DONE, "edges": []}
    with pytest.raises(ShopifyQueryError, match="without a nodes list"):
        complete_order(given, pager)


def test_dig_returns_the_connection() -> None:
    data = {"orders": {"pageInfo": DONE, "nodes": [{"id": "x"}]}}
    assert dig(copy.deepcopy(data), ("orders",), "OrdersPage") == data["orders"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"orders": None},
        {"order": {"lineItems": None}},
        {"orders": {"nodes": []}},
        {"orders": {"pageInfo": DONE}},
    ],
    ids=["missing", "null", "wrong-key", "no-page-info", "no-nodes"],
)
def test_dig_fails_loudly_on_a_missing_or_partial_connection(data: dict[str, Any]) -> None:
    with pytest.raises(ShopifyQueryError, match="OrdersPage"):
        dig(data, ("orders",), "OrdersPage")


def test_dig_names_a_vanished_parent() -> None:
    with pytest.raises(ShopifyQueryError, match=r"order\.lineItems \(missing at 'order'\)"):
        dig({"order": None}, ("order", "lineItems"), "OrderLineItems")
