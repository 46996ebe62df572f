"""Fulfilments and fulfilment holds on a stored order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.ids import IdFactory
from sandbox.shopify.movements import Movement, OrderOpError, fo_location
from sandbox.shopify.totals import nodes, recompute

Order = dict[str, Any]
HOLD_REASONS = (
    "AWAITING_PAYMENT",
    "HIGH_RISK_OF_FRAUD",
    "INCORRECT_ADDRESS",
    "INVENTORY_OUT_OF_STOCK",
    "OTHER",
)


def fulfil(
    order: Order,
    ids: IdFactory,
    at: datetime,
    lines: dict[str, int] | None = None,
    *,
    tracking_number: str | None = None,
    tracking_company: str | None = None,
    locations: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[Movement]]:
    """Ship units of ``order``: one fulfilment per location shipped from.

    Args:
        order: the stored order (mutated).
        ids: id source.
        at: sandbox instant of the shipment.
        lines: line gid → units to ship; ``None`` ships everything remaining that is not on hold.
        tracking_number: carrier tracking number.
        tracking_company: carrier name.
        locations: location gid → name, for the fulfilment's ``location``.

    Returns:
        The new fulfilments and the stock movements (``ship``).

    Raises:
        OrderOpError: the order is cancelled, a line is on hold, or more than remaining is asked for.
    """
    if order.get("cancelledAt"):
        raise OrderOpError("cannot fulfil a cancelled order")
    wanted = dict(lines) if lines is not None else None
    picked: dict[str | None, list[tuple[dict[str, Any], int]]] = {}
    for fo in nodes(order.get("fulfillmentOrders")):
        for item in nodes(fo.get("lineItems")):
            take = _take(fo, item, wanted)
            if take:
                picked.setdefault(fo_location(fo), []).append((item, take))
    if wanted and any(v > 0 for v in wanted.values()):
        raise OrderOpError(f"cannot fulfil {wanted}: more than remaining or unknown line")
    if not picked:
        raise OrderOpError("nothing left to fulfil")
    made: list[dict[str, Any]] = []
    movements: list[Movement] = []
    for location_id, items in picked.items():
        tracking = [{"company": tracking_company, "number": tracking_number, "url": None}]
        shipment = record_fulfillment(
            order,
            ids,
            at,
            location_id,
            items,
            tracking=tracking if tracking_number or tracking_company else [],
            locations=locations,
        )
        made.append(shipment)
        movements.extend(Movement(i["lineItem"]["id"], location_id, "ship", q) for i, q in items)
    recompute(order)
    order["updatedAt"] = iso(at)
    return made, movements


def _take(fo: dict[str, Any], item: dict[str, Any], wanted: dict[str, int] | None) -> int:
    remaining = int(item["remainingQuantity"])
    line_id = item["lineItem"]["id"]
    if wanted is None:
        return 0 if fo.get("fulfillmentHolds") else remaining
    if wanted.get(line_id, 0) <= 0:
        return 0
    if fo.get("fulfillmentHolds"):
        raise OrderOpError(f"line {line_id} is on hold")
    take = min(remaining, wanted[line_id])
    wanted[line_id] -= take
    return take


def record_fulfillment(
    order: Order,
    ids: IdFactory,
    at: datetime,
    location_id: str | None,
    items: list[tuple[dict[str, Any], int]],
    *,
    tracking: list[dict[str, Any]],
    locations: dict[str, str] | None,
) -> dict[str, Any]:
    """Append a SUCCESS fulfilment of ``items`` (fulfilment order line item, units) and take the units off
    the fulfilment order line items' ``remainingQuantity`` (statuses are left to ``recompute``)."""
    for item, quantity in items:
        item["remainingQuantity"] = int(item["remainingQuantity"]) - quantity
    sequence = len(order.get("fulfillments", [])) + 1
    record = {
        "id": ids.new("Fulfillment"),
        "name": f"{order['name']}-F{sequence}",
        "status": "SUCCESS",
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "trackingInfo": tracking,
        "location": {"id": location_id, "name": (locations or {}).get(location_id or "", None)},
        "totalQuantity": sum(q for _, q in items),
        "fulfillmentLineItems": {
            "nodes": [
                {"id": ids.new("FulfillmentLineItem"), "quantity": q, "lineItem": {"id": i["lineItem"]["id"]}}
                for i, q in items
            ]
        },
    }
    order.setdefault("fulfillments", []).append(record)
    return record


def hold(order: Order, at: datetime, reason: str = "OTHER", notes: str | None = None) -> int:
    """Put every fulfilment order that still has units to ship ON_HOLD; returns how many were held."""
    if reason not in HOLD_REASONS:
        raise OrderOpError(f"unknown hold reason {reason!r}; one of {HOLD_REASONS}")
    held = 0
    for fo in nodes(order.get("fulfillmentOrders")):
        if any(int(i["remainingQuantity"]) for i in nodes(fo.get("lineItems"))) and not fo.get(
            "fulfillmentHolds"
        ):
            fo["fulfillmentHolds"] = [{"reason": reason, "reasonNotes": notes}]
            fo["updatedAt"] = iso(at)
            held += 1
    if not held:
        raise OrderOpError("no open fulfilment order to hold")
    recompute(order)
    order["updatedAt"] = iso(at)
    return held


def release(order: Order, at: datetime) -> int:
    """Release every held fulfilment order; returns how many were released."""
    released = 0
    for fo in nodes(order.get("fulfillmentOrders")):
        if fo.get("fulfillmentHolds"):
            fo["fulfillmentHolds"] = []
            fo["updatedAt"] = iso(at)
            released += 1
    if not released:
        raise OrderOpError("no fulfilment order is on hold")
    recompute(order)
    order["updatedAt"] = iso(at)
    return released
