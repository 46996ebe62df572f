"""Refunds and cancellations on a stored order, keeping totals, quantities and payments consistent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.builders import transaction
from sandbox.shopify.ids import IdFactory, legacy_id
from sandbox.shopify.money import ZERO, amount, bag, split, total
from sandbox.shopify.movements import (
    Movement,
    OrderOpError,
    find_line,
    fulfilled_location,
    release_unfulfilled,
)
from sandbox.shopify.totals import nodes, recompute

Order = dict[str, Any]


@dataclass(frozen=True)
class RefundLine:
    """A line to refund: its gid, how many units, and whether they go back to stock."""

    line_id: str
    quantity: int
    restock: bool = True


def refund(
    order: Order,
    ids: IdFactory,
    at: datetime,
    lines: list[RefundLine],
    *,
    shipping: bool | Decimal = False,
    money: Decimal | None = None,
    note: str | None = None,
) -> tuple[dict[str, Any], list[Movement]]:
    """Create a refund on ``order`` (lines, shipping, money) and recompute the order.

    Args:
        order: the stored order (mutated).
        ids: id source for the new objects.
        at: the sandbox instant of the refund.
        lines: lines and quantities to refund.
        shipping: ``True`` refunds all remaining shipping; a Decimal refunds that much of it.
        money: amount to pay back; default the value of the refunded lines and shipping.
        note: free-text note.

    Returns:
        The refund and the inventory movements it causes.

    Raises:
        OrderOpError: a line is unknown, a quantity exceeds what is refundable, or too much money.
    """
    movements: list[Movement] = []
    items = [_refund_line(order, ids, spec, movements) for spec in lines]
    ship_items = _refund_shipping(order, ids, shipping)
    contents = total(i["subtotalSet"] for i in items) + total(s["subtotalAmountSet"] for s in ship_items)
    paid_back = contents if money is None else money
    available = amount(order.get("totalReceivedSet")) - amount(order.get("totalRefundedSet"))
    if paid_back > available:
        paid_back = available if money is None else _too_much(money, available)
    transactions = [_refund_transaction(order, ids, at, paid_back)] if paid_back > 0 else []
    record = {
        "id": (rid := ids.new("Refund")),
        "legacyResourceId": legacy_id(rid),
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "note": note,
        "order": {"id": order["id"]},
        "totalRefundedSet": bag(sum((amount(t["amountSet"]) for t in transactions), ZERO)),
        "refundLineItems": {"nodes": items},
        "refundShippingLines": {"nodes": ship_items},
        "transactions": {"nodes": transactions},
    }
    order.setdefault("refunds", []).append(record)
    order.setdefault("transactions", []).extend(transactions)
    recompute(order)
    order["updatedAt"] = iso(at)
    return record, movements


def _too_much(money: Decimal, available: Decimal) -> Decimal:
    raise OrderOpError(f"refund amount {money} exceeds the refundable {available}")


def _refund_line(order: Order, ids: IdFactory, spec: RefundLine, out: list[Movement]) -> dict[str, Any]:
    line = find_line(order, spec.line_id)
    if spec.quantity < 1 or spec.quantity > int(line["refundableQuantity"]):
        raise OrderOpError(f"cannot refund {spec.quantity} of line {spec.line_id}")
    unfulfilled = min(spec.quantity, int(line["unfulfilledQuantity"]))
    returned = spec.quantity - unfulfilled
    out.extend(release_unfulfilled(order, line, unfulfilled))
    # A line that never had a location (a gift card, a digital product) has no stock to go back to.
    where = fulfilled_location(order, line["id"])
    restocked = spec.restock and where is not None
    if restocked and returned:
        out.append(Movement(line["id"], where, "restock", returned))
    line["refundableQuantity"] = int(line["refundableQuantity"]) - spec.quantity
    everything = int(line["refundableQuantity"]) == 0
    subtotal, tax = _pro_rata(order, line, spec.quantity, everything)
    restock_type = "NO_RESTOCK" if not restocked else ("CANCEL" if returned == 0 else "RETURN")
    return {
        "id": ids.new("RefundLineItem"),
        "quantity": spec.quantity,
        "restockType": restock_type,
        "restocked": restocked,
        "lineItem": {"id": line["id"]},
        # Shopify's RefundLineItem.location is null when nothing goes back to stock; never {"id": null}
        "location": {"id": where} if restocked else None,
        "priceSet": line["discountedUnitPriceSet"],
        "subtotalSet": bag(subtotal),
        "totalTaxSet": bag(tax),
    }


def _pro_rata(order: Order, line: dict[str, Any], quantity: int, everything: bool) -> tuple[Decimal, Decimal]:
    gross = amount(line["discountedTotalSet"])
    tax = total(t["priceSet"] for t in line.get("taxLines", []))
    if not everything:
        return split(gross, quantity, int(line["quantity"])), split(tax, quantity, int(line["quantity"]))
    # The last refund of a line takes the remainder, so refunded parts always add up to the line.
    before = [
        i
        for r in order.get("refunds", [])
        for i in nodes(r["refundLineItems"])
        if i["lineItem"]["id"] == line["id"]
    ]
    return gross - total(i["subtotalSet"] for i in before), tax - total(i["totalTaxSet"] for i in before)


def _refund_shipping(order: Order, ids: IdFactory, shipping: bool | Decimal) -> list[dict[str, Any]]:
    if shipping is False:
        return []
    refunded = [s for r in order.get("refunds", []) for s in nodes(r.get("refundShippingLines"))]
    wanted = None if shipping is True else Decimal(shipping)
    out = []
    for ship in nodes(order.get("shippingLines")):
        already = total(s["subtotalAmountSet"] for s in refunded if s["shippingLine"]["id"] == ship["id"])
        left = amount(ship["discountedPriceSet"]) - already
        part = left if wanted is None else min(left, wanted)
        if part <= 0:
            continue
        tax = total(t["priceSet"] for t in ship.get("taxLines", []))
        out.append(
            {
                "id": ids.new("RefundShippingLine"),
                "shippingLine": {"id": ship["id"], "title": ship["title"]},
                "subtotalAmountSet": bag(part),
                "taxAmountSet": bag(
                    split(tax, int(part * 100), int(amount(ship["discountedPriceSet"]) * 100))
                ),
            }
        )
        wanted = None if wanted is None else wanted - part
    if wanted is not None and wanted > 0:
        raise OrderOpError("shipping refund exceeds the shipping charged")
    return out


def _refund_transaction(order: Order, ids: IdFactory, at: datetime, money: Decimal) -> dict[str, Any]:
    parent = next(
        t for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"
    )
    return transaction(
        ids, "REFUND", parent["gateway"], money, at, parent=parent["id"], test=bool(parent.get("test"))
    )
