"""``fulfillmentCreate`` and ``fulfillmentTrackingInfoUpdate`` on a stored order: check all, then write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.fulfilment import record_fulfillment
from sandbox.shopify.ids import IdFactory
from sandbox.shopify.movements import Movement, fo_location
from sandbox.shopify.totals import nodes, recompute

Order = dict[str, Any]
Pick = tuple[dict[str, Any], dict[str, Any], int]  # (fulfilment order, its line item, units)
FULFILLABLE = ("OPEN", "IN_PROGRESS")

# userError messages. Observed in Shopify's replies (REST, same back end): OVER_FULFIL, NOT_FULFILLABLE.
# The others are the sandbox's wording (unconfirmed; see README.md).
OVER_FULFIL = "Invalid fulfillment order line item quantity requested."
NOT_FULFILLABLE = "Cannot create fulfillment for the fulfillment order."
FO_NOT_FOUND = "Fulfillment order does not exist."
LINE_NOT_FOUND = "Fulfillment order line item does not exist."
NOT_POSITIVE = "Fulfillment order line item quantity must be greater than 0."
MIXED = "All fulfillment orders must belong to the same order and be assigned to the same location."
NO_FULFILLMENT_ORDERS = "Line items by fulfillment order must not be empty."
FULFILLMENT_NOT_FOUND = "Fulfillment does not exist."
FULFILLMENT_CANCELLED = "Cannot update tracking information of a cancelled fulfillment."


class Refused(ValueError):
    """A request Shopify answers with a userError (and no write)."""

    def __init__(self, message: str, field: list[str]) -> None:
        """Carry the userError's ``message`` and ``field`` path."""
        super().__init__(message)
        self.user_error = {"field": field, "message": message}


def tracking_entries(tracking: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``FulfillmentTrackingInput`` → stored ``trackingInfo`` (``numbers``/``urls`` win over singles)."""
    if not tracking:
        return []
    numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
    urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
    count = max(len(numbers), len(urls), 1 if tracking.get("company") else 0)
    return [
        {
            "company": tracking.get("company"),
            "number": numbers[i] if i < len(numbers) else None,
            "url": urls[i] if i < len(urls) else None,
        }
        for i in range(count)
    ]


def _fulfillment_order(order: Order, gid: str, field: list[str]) -> dict[str, Any]:
    fo = next((f for f in nodes(order.get("fulfillmentOrders")) if f["id"] == gid), None)
    if fo is None:
        raise Refused(FO_NOT_FOUND, [*field, "fulfillmentOrderId"])
    if order.get("cancelledAt") or fo.get("status") not in FULFILLABLE:
        raise Refused(NOT_FULFILLABLE, [*field, "fulfillmentOrderId"])
    return fo


def _wanted(fo: dict[str, Any], lines: list[dict[str, Any]] | None, field: list[str]) -> list[Pick]:
    """The units asked of one fulfilment order (all that remains when no line items are given)."""
    items = {i["id"]: i for i in nodes(fo.get("lineItems"))}
    if not lines:
        return [(fo, i, int(i["remainingQuantity"])) for i in items.values() if int(i["remainingQuantity"])]
    picks: list[Pick] = []
    for index, line in enumerate(lines):
        where = [*field, "fulfillmentOrderLineItems", str(index)]
        if line["id"] not in items:
            raise Refused(LINE_NOT_FOUND, [*where, "id"])
        if int(line["quantity"]) <= 0:
            raise Refused(NOT_POSITIVE, [*where, "quantity"])
        picks.append((fo, items[line["id"]], int(line["quantity"])))
    return picks


def plan(order: Order, requests: list[dict[str, Any]]) -> list[Pick]:
    """Every unit to ship, checked against what remains; raises :class:`Refused` on the first problem."""
    if not requests:
        raise Refused(NO_FULFILLMENT_ORDERS, ["fulfillment", "lineItemsByFulfillmentOrder"])
    picks: list[Pick] = []
    asked: dict[str, int] = {}
    locations: set[str | None] = set()
    for index, request in enumerate(requests):
        field = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        fo = _fulfillment_order(order, request["fulfillmentOrderId"], field)
        locations.add(fo_location(fo))
        if len(locations) > 1:
            raise Refused(MIXED, [*field, "fulfillmentOrderId"])
        for pick in _wanted(fo, request.get("fulfillmentOrderLineItems"), field):
            item_id = pick[1]["id"]
            asked[item_id] = asked.get(item_id, 0) + pick[2]
            if asked[item_id] > int(pick[1]["remainingQuantity"]):
                raise Refused(OVER_FULFIL, ["fulfillment"])
            picks.append(pick)
    if not picks:
        raise Refused(NOT_FULFILLABLE, ["fulfillment"])
    return picks


def create_fulfillment(
    order: Order,
    ids: IdFactory,
    at: datetime,
    requests: list[dict[str, Any]],
    *,
    tracking: dict[str, Any] | None,
    locations: dict[str, str],
) -> tuple[dict[str, Any], list[Movement]]:
    """One fulfilment for ``requests`` (``lineItemsByFulfillmentOrder``) on ``order`` (mutated).

    Returns:
        The fulfilment record and the ``ship`` stock movements.

    Raises:
        Refused: anything Shopify answers with a userError; ``order`` must then be thrown away.
    """
    picks = plan(order, requests)
    location_id = fo_location(picks[0][0])
    merged: dict[str, tuple[dict[str, Any], int]] = {}
    for fo, item, units in picks:
        fo["updatedAt"] = iso(at)
        merged[item["id"]] = (item, merged.get(item["id"], (item, 0))[1] + units)
    items = list(merged.values())
    record = record_fulfillment(
        order, ids, at, location_id, items, tracking=tracking_entries(tracking), locations=locations
    )
    recompute(order)
    order["updatedAt"] = iso(at)
    return record, [Movement(i["lineItem"]["id"], location_id, "ship", q) for i, q in items]


def update_tracking(
    order: Order, fulfillment_id: str, tracking: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Replace the tracking information of one fulfilment of ``order`` (mutated); returns the fulfilment."""
    record = next((f for f in order.get("fulfillments", []) if f["id"] == fulfillment_id), None)
    if record is None:
        raise Refused(FULFILLMENT_NOT_FOUND, ["fulfillmentId"])
    if record.get("status") == "CANCELLED":
        raise Refused(FULFILLMENT_CANCELLED, ["fulfillmentId"])
    record["trackingInfo"] = tracking_entries(tracking)
    record["updatedAt"] = iso(at)
    order["updatedAt"] = iso(at)
    return record
