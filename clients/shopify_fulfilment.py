"""Shipments into Shopify: fulfilments with tracking on an order's fulfilment orders, exactly once.

`fulfillmentCreate` takes no idempotency key, so a retry after a lost response could ship a parcel twice in
Shopify. Each attempt therefore first reads the order's fulfilments and stops if one already carries the
parcel's tracking number; a transient failure of the mutation itself is never retried blindly (the next
attempt starts with that read).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clients.shopify_errors import ShopifyError, ShopifyQueryError, ShopifyTransientError
from clients.shopify_http import GraphQLSession

WRITE_SCOPES = (
    "write_assigned_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "write_third_party_fulfillment_orders",
    "write_fulfillments",
)
ATTEMPTS = 3

ORDER_FULFILMENT = """
query OrderFulfilment($id: ID!) {
  order(id: $id) {
    id name
    fulfillments { id trackingInfo { number company } }
    fulfillmentOrders(first: 5) {
      nodes {
        id status assignedLocation { location { id } }
        lineItems(first: 50) { nodes { id remainingQuantity lineItem { id sku } } }
      }
    }
  }
}
"""

FULFIL = """
mutation FulfilOrder($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { number company } }
    userErrors { field message }
  }
}
"""


class FulfilmentRefused(ShopifyError):
    """Shopify refused the fulfilment (userErrors), or the parcel does not fit the order's open lines."""


class _MaybeWritten(Exception):
    def __init__(self, error: ShopifyTransientError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class Fulfilled:
    """A parcel's fulfilment in Shopify: created now, or found (an earlier attempt had created it)."""

    fulfillment_id: str
    created: bool


def _order(session: GraphQLSession, order_id: str) -> dict[str, Any]:
    data = session.execute("order fulfilment", ORDER_FULFILMENT, lambda: {"id": order_id}).data
    order = data.get("order")
    if not isinstance(order, dict):
        raise ShopifyQueryError(
            f"Shopify does not show order {order_id} (deleted, or not visible to the app)."
        )
    return order


def _existing(order: Mapping[str, Any], tracking: str) -> str | None:
    for fulfilment in order.get("fulfillments") or []:
        if any(t.get("number") == tracking for t in fulfilment.get("trackingInfo") or []):
            return str(fulfilment["id"])
    return None


def _line_items(order: Mapping[str, Any], location_id: str, units: Mapping[str, int]) -> list[dict[str, Any]]:
    """Fulfilment-order lines at `location_id` covering `units` (sku → quantity), or FulfilmentRefused."""
    wanted = dict(units)
    by_fo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fo in order["fulfillmentOrders"]["nodes"]:
        if fo["assignedLocation"]["location"]["id"] != location_id or fo["status"] not in (
            "OPEN",
            "IN_PROGRESS",
        ):
            continue
        for item in fo["lineItems"]["nodes"]:
            sku = item["lineItem"].get("sku") or ""
            take = min(wanted.get(sku, 0), int(item["remainingQuantity"]))
            if take > 0:
                by_fo[fo["id"]].append({"id": item["id"], "quantity": take})
                wanted[sku] -= take
    short = {sku: n for sku, n in wanted.items() if n > 0}
    if short:
        listed = ", ".join(f"{n} x {sku}" for sku, n in sorted(short.items()))
        raise FulfilmentRefused(
            f"{order['name']}: Shopify has no open units left for {listed} at the warehouse"
        )
    return [{"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": lines} for fo, lines in by_fo.items()]


def fulfil_parcel(
    session: GraphQLSession,
    order_id: str,
    *,
    location_id: str,
    units: Mapping[str, int],
    tracking: str,
    carrier: str,
    notify_customer: bool = False,
) -> Fulfilled:
    """Create the fulfilment of one parcel (sku → units, one tracking number), once.

    Raises:
        FulfilmentRefused: Shopify's userErrors, or units the order has no open lines for.
        ShopifyError: Shopify could not be read or written after `ATTEMPTS` tries.
    """
    last: ShopifyTransientError | None = None
    for _ in range(ATTEMPTS):
        order = _order(session, order_id)
        found = _existing(order, tracking)
        if found is not None:
            return Fulfilled(found, created=False)
        variables = {
            "fulfillment": {
                "lineItemsByFulfillmentOrder": _line_items(order, location_id, units),
                "trackingInfo": {"number": tracking, "company": carrier},
                "notifyCustomer": notify_customer,
            }
        }

        def stop(error: ShopifyTransientError) -> None:
            raise _MaybeWritten(error)

        try:
            answer = session.execute("FulfilOrder", FULFIL, variables.copy, on_failure=stop)
        except _MaybeWritten as unsure:  # it may have been written: look before trying again
            last = unsure.error
            continue
        payload = answer.data.get("fulfillmentCreate") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise FulfilmentRefused(f"{order['name']}: Shopify refused the fulfilment: "
                                    + "; ".join(str(e.get("message")) for e in errors))  # fmt: skip
        return Fulfilled(str(payload["fulfillment"]["id"]), created=True)
    raise ShopifyError(f"creating the fulfilment of {order_id} failed {ATTEMPTS} times: {last}")
