"""Cancelling a stored order: refund what was paid, void what was only authorised, release stock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.builders import transaction
from sandbox.shopify.ids import IdFactory
from sandbox.shopify.money import amount
from sandbox.shopify.movements import Movement, OrderOpError
from sandbox.shopify.refunds import RefundLine, refund
from sandbox.shopify.totals import nodes, recompute

Order = dict[str, Any]
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF")


def cancel(
    order: Order, ids: IdFactory, at: datetime, reason: str = "CUSTOMER", *, restock: bool = True
) -> list[Movement]:
    """Cancel ``order``: a refund of every remaining unit and shipping, a VOID of open authorisations.

    Returns:
        The stock movements (unfulfilled units released; shipped units restocked when ``restock``).

    Raises:
        OrderOpError: already cancelled or an unknown reason.
    """
    if order.get("cancelledAt"):
        raise OrderOpError(f"order {order['name']} is already cancelled")
    if reason not in CANCEL_REASONS:
        raise OrderOpError(f"unknown cancel reason {reason!r}; one of {CANCEL_REASONS}")
    _void_authorizations(order, ids, at)
    lines = [
        RefundLine(line["id"], int(line["refundableQuantity"]), restock)
        for line in nodes(order.get("lineItems"))
        if int(line["refundableQuantity"]) > 0
    ]
    movements: list[Movement] = []
    if lines or _shipping_left(order) > 0:
        _, movements = refund(order, ids, at, lines, shipping=True, note="Order cancelled")
    order["cancelledAt"] = iso(at)
    order["cancelReason"] = reason
    order["closed"] = True
    order["closedAt"] = iso(at)
    recompute(order)
    order["updatedAt"] = iso(at)
    return movements


def _shipping_left(order: Order) -> Decimal:
    charged = sum((amount(s["discountedPriceSet"]) for s in nodes(order.get("shippingLines"))), Decimal(0))
    refunded = sum(
        (
            amount(s["subtotalAmountSet"])
            for r in order.get("refunds", [])
            for s in nodes(r.get("refundShippingLines"))
        ),
        Decimal(0),
    )
    return charged - refunded


def _void_authorizations(order: Order, ids: IdFactory, at: datetime) -> None:
    transactions = order.setdefault("transactions", [])
    captured = {(t.get("parentTransaction") or {}).get("id") for t in transactions if t["kind"] == "CAPTURE"}
    voided = {(t.get("parentTransaction") or {}).get("id") for t in transactions if t["kind"] == "VOID"}
    for auth in [t for t in transactions if t["kind"] == "AUTHORIZATION" and t["status"] == "SUCCESS"]:
        if auth["id"] in captured or auth["id"] in voided:
            continue
        void = transaction(ids, "VOID", auth["gateway"], amount(auth["amountSet"]), at, parent=auth["id"])
        void["test"] = bool(auth.get("test"))
        transactions.append(void)
