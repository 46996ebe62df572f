"""Order edits: tags, note, line quantities, added/removed lines, shipping address and method."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.builders import fulfillment_order, line_item, shipping_line
from sandbox.shopify.ids import IdFactory
from sandbox.shopify.money import amount, bag, split
from sandbox.shopify.movements import Movement, OrderOpError, find_line, fo_location, release_unfulfilled
from sandbox.shopify.totals import nodes, recompute, recompute_taxes

Order = dict[str, Any]
Node = dict[str, Any]


@dataclass
class Edit:
    """What to change; ``None`` / empty means leave it alone."""

    tags: list[str] | None = None
    note: str | None = None
    quantities: dict[str, int] = field(default_factory=dict)
    add: list[tuple[Node, Node, int]] = field(default_factory=list)  # (variant, product, quantity)
    remove: list[str] = field(default_factory=list)
    shipping_address: dict[str, Any] | None = None
    shipping_method: tuple[str, str, Decimal] | None = None  # (title, code, price)


def apply_edit(
    order: Order, ids: IdFactory, at: datetime, edit: Edit, warehouse: tuple[str, str]
) -> list[Movement]:
    """Apply ``edit`` to ``order``, re-derive taxes and totals, and bump ``updatedAt``.

    Raises:
        OrderOpError: the order is cancelled, or a line change touches shipped or refunded units.
    """
    if order.get("cancelledAt"):
        raise OrderOpError("cannot edit a cancelled order")
    movements: list[Movement] = []
    if edit.tags is not None:
        order["tags"] = sorted({t.strip() for t in edit.tags if t.strip()})
    if edit.note is not None:
        order["note"] = edit.note
    for line_id, quantity in edit.quantities.items():
        movements.extend(_set_quantity(order, find_line(order, line_id), quantity))
    for line_id in edit.remove:
        movements.extend(_remove(order, find_line(order, line_id)))
    for item in edit.add:
        movements.extend(_add(order, ids, at, item, warehouse))
    if edit.shipping_address is not None:
        order["shippingAddress"] = {**(order.get("shippingAddress") or {}), **edit.shipping_address}
    if edit.shipping_method is not None:
        _replace_shipping(order, ids, *edit.shipping_method)
    recompute_taxes(order)
    recompute(order)
    order["updatedAt"] = iso(at)
    return movements


def _set_quantity(order: Order, line: Node, quantity: int) -> list[Movement]:
    old = int(line["quantity"])
    delta = quantity - old
    if quantity < 1:
        raise OrderOpError("quantity must be >= 1 (remove the line instead)")
    if delta < 0 and -delta > int(line["unfulfilledQuantity"]):
        raise OrderOpError(f"cannot reduce {line['id']} below its shipped or refunded units")
    for allocation in line.get("discountAllocations", []):
        allocation["allocatedAmountSet"] = bag(split(amount(allocation["allocatedAmountSet"]), quantity, old))
    line["quantity"] = quantity
    if delta < 0:
        return release_unfulfilled(order, line, -delta)
    if not line.get("requiresShipping") or delta == 0:
        return []
    for fo in nodes(order.get("fulfillmentOrders")):
        for item in nodes(fo.get("lineItems")):
            if item["lineItem"]["id"] == line["id"]:
                item["remainingQuantity"] = int(item["remainingQuantity"]) + delta
                item["totalQuantity"] = int(item["totalQuantity"]) + delta
                return [Movement(line["id"], fo_location(fo), "commit", delta)]
    raise OrderOpError(f"line {line['id']} has no fulfilment order")


def _remove(order: Order, line: Node) -> list[Movement]:
    if int(line["unfulfilledQuantity"]) != int(line["quantity"]) and line.get("requiresShipping"):
        raise OrderOpError(f"line {line['id']} has shipped or refunded units; refund it instead")
    if int(line["currentQuantity"]) != int(line["quantity"]):
        raise OrderOpError(f"line {line['id']} has refunded units; it cannot be removed")
    movements = release_unfulfilled(order, line, int(line["unfulfilledQuantity"]))
    order["lineItems"]["nodes"] = [n for n in nodes(order["lineItems"]) if n["id"] != line["id"]]
    for fo in nodes(order.get("fulfillmentOrders")):
        fo["lineItems"]["nodes"] = [i for i in nodes(fo["lineItems"]) if i["lineItem"]["id"] != line["id"]]
    order["fulfillmentOrders"]["nodes"] = [
        fo for fo in nodes(order["fulfillmentOrders"]) if nodes(fo["lineItems"])
    ]
    if not nodes(order["lineItems"]):
        raise OrderOpError("an order needs at least one line")
    return movements


def _add(
    order: Order, ids: IdFactory, at: datetime, item: tuple[Node, Node, int], warehouse: tuple[str, str]
) -> list[Movement]:
    variant, product, quantity = item
    if quantity < 1:
        raise OrderOpError("quantity must be >= 1")
    line = line_item(ids, variant, product, quantity)
    order["lineItems"]["nodes"].append(line)
    if not line["requiresShipping"]:
        return []
    fos = order.setdefault("fulfillmentOrders", {"nodes": []})
    target = next(
        (
            fo
            for fo in nodes(fos)
            if fo_location(fo) == warehouse[0] and fo.get("status") in ("OPEN", "ON_HOLD")
        ),
        None,
    )
    if target is None:
        fos["nodes"].append(fulfillment_order(ids, at, warehouse, [(line["id"], quantity)]))
    else:
        new = fulfillment_order(ids, at, warehouse, [(line["id"], quantity)])
        target["lineItems"]["nodes"].extend(nodes(new["lineItems"]))
    return [Movement(line["id"], warehouse[0], "commit", quantity)]


def _replace_shipping(order: Order, ids: IdFactory, title: str, code: str, price: Decimal) -> None:
    if any(nodes(r.get("refundShippingLines")) for r in order.get("refunds", [])):
        raise OrderOpError("shipping was refunded; the method can no longer change")
    order["shippingLines"] = {"nodes": [shipping_line(ids, title, code, price)]}
