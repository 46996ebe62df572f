"""Complete the connections nested in an order's refunds (lines, shipping lines, transactions) with follow-up
queries through the order, and normalise them to ``nodes``: nothing is cut off at the first page."""

from __future__ import annotations

from functools import partial
from typing import Any

from clients.shopify_errors import ShopifyQueryError
from clients.shopify_http import GraphQLSession
from clients.shopify_money_queries import (
    REFUND_LINE_ITEM_FIELDS,
    REFUND_SHIPPING_LINE_FIELDS,
    TRANSACTION_FIELDS,
)
from clients.shopify_queries import MONEY
from clients.shopify_sizing import CONNECTION_COST, MAX_QUERY_COST

# Order.refunds is a plain list (there is no path to one refund's connection but through all of them), so a
# follow-up asks every refund of the order for the same page and keeps the one it is completing.
FRAGMENTS = {
    "refundLineItems": ("RefundLineItemFields", REFUND_LINE_ITEM_FIELDS),
    "refundShippingLines": ("RefundShippingLineFields", REFUND_SHIPPING_LINE_FIELDS),
    "transactions": ("TransactionFields", TRANSACTION_FIELDS),
}
NODE_COST = 12  # a generous upper bound for one node of any of the three (objects and money bags)
MAX_FOLLOW_UP_SIZE = 50


def _follow_up(field: str) -> str:
    fragment, text = FRAGMENTS[field]
    return f"""
query OrderRefund{field[0].upper()}{field[1:]}($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    refunds {{ id {field}(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ ...{fragment} }} }} }}
  }}
}}
{text}{MONEY}"""


FOLLOW_UPS = {field: _follow_up(field) for field in FRAGMENTS}


def complete_refunds(order: dict[str, Any], session: GraphQLSession) -> int:
    """Fetch the rest of every truncated connection of ``order``'s refunds, in place; return the cost spent.

    Raises:
        ShopifyQueryError: a connection without nodes or pageInfo, a missing cursor, a refund that vanished
            between pages, or cursors that repeat.
    """
    spent = 0
    refunds = order.get("refunds") or []
    for refund in refunds:
        for field in FRAGMENTS:
            if field in refund:
                spent += _complete(order["id"], refund, field, len(refunds), session)
    return spent


def _complete(
    order_id: str, refund: dict[str, Any], field: str, siblings: int, session: GraphQLSession
) -> int:
    label = f"{field} of {refund.get('id')}"
    connection = refund[field]
    if not isinstance(connection, dict) or not isinstance(connection.get("nodes"), list):
        raise ShopifyQueryError(f"Shopify returned {label} without a nodes list, so it cannot be completed.")
    info = connection.get("pageInfo")
    if not isinstance(info, dict):
        raise ShopifyQueryError(f"Shopify returned {label} without pageInfo, so completeness is unknown.")
    nodes, spent, seen = list(connection["nodes"]), 0, set()
    # every sibling refund asks for the same page, so the page size keeps the whole query under the limit
    first = max(1, min(MAX_FOLLOW_UP_SIZE, (MAX_QUERY_COST // siblings - CONNECTION_COST) // NODE_COST))
    while info.get("hasNextPage"):
        after = info.get("endCursor")
        if not after or after in seen:
            raise ShopifyQueryError(f"Shopify's cursors for {label} repeated or vanished, so paging stopped.")
        seen.add(after)
        variables: partial[dict[str, Any]] = partial(dict, id=order_id, first=first, after=after)
        answer = session.execute(f"{label} page {len(seen) + 1}", FOLLOW_UPS[field], variables)
        page = _page(answer.data, refund.get("id"), field, label)
        nodes.extend(page["nodes"])
        info = page["pageInfo"]
        spent += 0 if answer.cost is None else int(answer.cost.actual or answer.cost.requested)
    refund[field] = {"nodes": nodes}
    return spent


def _page(data: dict[str, Any], refund_id: object, field: str, label: str) -> dict[str, Any]:
    order = data.get("order")
    refunds = order.get("refunds") if isinstance(order, dict) else None
    found = [r for r in refunds or [] if isinstance(r, dict) and r.get("id") == refund_id]
    page = found[0].get(field) if found else None
    if not isinstance(page, dict) or not isinstance(page.get("nodes"), list):
        raise ShopifyQueryError(
            f"Shopify's follow-up answer has no {label}, so the refund cannot be completed."
        )
    if not isinstance(page.get("pageInfo"), dict):
        raise ShopifyQueryError(f"Shopify's follow-up answer for {label} lacks pageInfo.")
    return page
