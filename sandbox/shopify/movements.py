"""Shared pieces of order operations: the error type, line look-up, and inventory movements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sandbox.shopify.totals import nodes

Order = dict[str, Any]
MovementKind = Literal["commit", "release", "ship", "restock"]


class OrderOpError(ValueError):
    """An order operation that Shopify would refuse (answered as HTTP 422 by the admin endpoint)."""


@dataclass(frozen=True)
class Movement:
    """A stock movement caused by an order change, applied to the line's inventory item at a location.

    ``commit``: available → committed; ``release``: committed → available; ``ship``: committed and
    on_hand go down; ``restock``: on_hand and available go up.
    """

    line_id: str
    location_id: str | None
    kind: MovementKind
    quantity: int


def find_line(order: Order, line_id: str) -> dict[str, Any]:
    """The line item ``line_id`` of ``order``."""
    for line in nodes(order.get("lineItems")):
        if line["id"] == line_id:
            return line
    raise OrderOpError(f"line item {line_id} is not on order {order.get('name')}")


def fo_location(fo: dict[str, Any]) -> str | None:
    """The location gid a fulfilment order is assigned to."""
    return ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")


def fulfilled_location(order: Order, line_id: str) -> str | None:
    """Where a line was (or would be) shipped from: its fulfilment's or fulfilment order's location."""
    for fulfillment in order.get("fulfillments", []):
        if any(i["lineItem"]["id"] == line_id for i in nodes(fulfillment["fulfillmentLineItems"])):
            return (fulfillment.get("location") or {}).get("id")
    for fo in nodes(order.get("fulfillmentOrders")):
        if any(i["lineItem"]["id"] == line_id for i in nodes(fo.get("lineItems"))):
            return fo_location(fo)
    return None


def release_unfulfilled(order: Order, line: dict[str, Any], quantity: int) -> list[Movement]:
    """Take ``quantity`` unfulfilled units of ``line`` off its fulfilment orders (refund or removal)."""
    out: list[Movement] = []
    left = quantity
    for fo in nodes(order.get("fulfillmentOrders")):
        for item in nodes(fo.get("lineItems")):
            if left == 0 or item["lineItem"]["id"] != line["id"]:
                continue
            take = min(left, int(item["remainingQuantity"]))
            if take:
                item["remainingQuantity"] = int(item["remainingQuantity"]) - take
                item["totalQuantity"] = int(item["totalQuantity"]) - take
                out.append(Movement(line["id"], fo_location(fo), "release", take))
                left -= take
    line["unfulfilledQuantity"] = int(line.get("unfulfilledQuantity", 0)) - (quantity - left)
    return out
