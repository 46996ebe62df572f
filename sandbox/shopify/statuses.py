"""Order statuses derived from parts: financial status, fulfilment order statuses, fulfilment status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.shopify.money import amount, total

Order = dict[str, Any]
PAID_KINDS = ("SALE", "CAPTURE")


def nodes(container: dict[str, Any] | list[Any] | None) -> list[dict[str, Any]]:
    """The node list of a stored connection (``{"nodes": [...]}``) or plain list."""
    if container is None:
        return []
    if isinstance(container, list):
        return container
    return list(container.get("nodes", []))


def paid_total(order: Order, kinds: tuple[str, ...]) -> Decimal:
    """Sum of successful transactions of the given kinds."""
    return total(
        t["amountSet"]
        for t in order.get("transactions", [])
        if t["kind"] in kinds and t["status"] == "SUCCESS"
    )


def financial_status(order: Order) -> str:
    """``displayFinancialStatus`` derived from the transactions and the order total."""
    received = paid_total(order, PAID_KINDS)
    refunded = paid_total(order, ("REFUND",))
    authorized = paid_total(order, ("AUTHORIZATION",))
    voided = any(t["kind"] == "VOID" and t["status"] == "SUCCESS" for t in order.get("transactions", []))
    if received == 0:
        if order.get("cancelledAt") or voided:
            return "VOIDED"
        return "AUTHORIZED" if authorized > 0 else "PENDING"
    if refunded == 0:
        return "PAID" if received >= amount(order["totalPriceSet"]) else "PARTIALLY_PAID"
    return "REFUNDED" if refunded >= received else "PARTIALLY_REFUNDED"


def fulfillment_orders(order: Order) -> None:
    """Set each fulfilment order's ``status`` from its quantities, holds and the order's cancellation."""
    cancelled = bool(order.get("cancelledAt"))
    for fo in nodes(order.get("fulfillmentOrders")):
        items = nodes(fo.get("lineItems"))
        remaining = sum(int(i["remainingQuantity"]) for i in items)
        shipped = sum(int(i["totalQuantity"]) - int(i["remainingQuantity"]) for i in items)
        if remaining and fo.get("fulfillmentHolds"):
            fo["status"] = "ON_HOLD"
        elif remaining == 0:
            fo["status"] = "CANCELLED" if cancelled and shipped == 0 else "CLOSED"
        else:
            fo["status"] = "IN_PROGRESS" if shipped else "OPEN"


def fulfillment_status(order: Order) -> str:
    """``displayFulfillmentStatus`` derived from fulfilment orders and fulfilments."""
    fos = nodes(order.get("fulfillmentOrders"))
    shipped = sum(
        int(i["quantity"]) for f in order.get("fulfillments", []) for i in nodes(f["fulfillmentLineItems"])
    )
    remaining = sum(int(i["remainingQuantity"]) for fo in fos for i in nodes(fo.get("lineItems")))
    if not fos:
        # Only digital / gift-card lines: nothing to ship, Shopify marks these fulfilled.
        return "FULFILLED"
    if remaining == 0:
        return "FULFILLED" if shipped else "UNFULFILLED"
    if shipped:
        return "PARTIALLY_FULFILLED"
    if any(fo.get("status") == "ON_HOLD" for fo in fos):
        return "ON_HOLD"
    return "UNFULFILLED"
