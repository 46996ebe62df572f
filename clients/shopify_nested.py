"""Complete an order's nested connections with follow-up queries and normalise them to ``nodes``."""

from __future__ import annotations

from typing import Any

from clients import shopify_queries as q
from clients.shopify_errors import ShopifyQueryError
from clients.shopify_paging import Connection, Pager

ORDER_CONNECTIONS: dict[str, Connection] = {
    "shippingLines": Connection("OrderShippingLines", q.ORDER_SHIPPING_LINES, ("order", "shippingLines")),
    "lineItems": Connection("OrderLineItems", q.ORDER_LINE_ITEMS, ("order", "lineItems")),
    "fulfillmentOrders": Connection(
        "OrderFulfillmentOrders", q.ORDER_FULFILLMENT_ORDERS, ("order", "fulfillmentOrders")
    ),
}
FULFILLMENT_ORDER_LINE_ITEMS = Connection(
    "FulfillmentOrderLineItems", q.FULFILLMENT_ORDER_LINE_ITEMS, ("fulfillmentOrder", "lineItems")
)


def complete_order(order: dict[str, Any], pager: Pager) -> int:
    """Fetch the rest of every truncated nested connection of ``order``, in place.

    Each connection ends up as ``{"nodes": [...]}`` holding all its nodes (pageInfo removed);
    a fulfillment order's ``lineItems`` are completed too, including fulfillment orders that
    arrived in follow-up pages. Nothing is silently cut at the first page (peers.md #10).

    Args:
        order: An order node as Shopify returned it; modified in place.
        pager: Pager of the client, so follow-ups share its budget, retries and sizes.

    Returns:
        The query cost spent on follow-ups.
    """
    spent = 0
    for field, conn in ORDER_CONNECTIONS.items():
        if field in order:
            spent += _complete(order, field, conn, pager)
    for fulfillment_order in (order.get("fulfillmentOrders") or {}).get("nodes", []):
        if "lineItems" in fulfillment_order:
            spent += _complete(fulfillment_order, "lineItems", FULFILLMENT_ORDER_LINE_ITEMS, pager)
    return spent


def _complete(parent: dict[str, Any], field: str, conn: Connection, pager: Pager) -> int:
    connection = parent[field]
    label = f"{field} of {parent.get('id')}"
    if not isinstance(connection, dict) or not isinstance(connection.get("nodes"), list):
        raise ShopifyQueryError(f"Shopify returned {label} without a nodes list, so it cannot be completed.")
    nodes = list(connection["nodes"])
    info = connection.get("pageInfo")
    if not isinstance(info, dict):
        raise ShopifyQueryError(f"Shopify returned {label} without pageInfo, so completeness is unknown.")
    spent = 0
    if info.get("hasNextPage"):
        if not info.get("endCursor"):
            raise ShopifyQueryError(f"Shopify said {label} has more nodes but gave no cursor to fetch them.")
        for page in pager.pages(conn, {"id": parent["id"]}, after=info["endCursor"]):
            nodes.extend(page.nodes)
            spent += page.cost
    parent[field] = {"nodes": nodes}
    return spent
