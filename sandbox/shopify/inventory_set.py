"""``inventorySetQuantities`` as from 2026-04: check every quantity first, then set them all (or none)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.ids import IdFactory
from sandbox.shopify.inventory import change, on_hand_effect
from sandbox.shopify.store import Store

Node = dict[str, Any]
Problem = dict[str, Any]  # an InventorySetQuantitiesUserError: code, field, message
SET_NAMES = ("available", "on_hand")
# Shopify's adjustment reasons (docs/reference/shopify-inventory.md; movement_*, reservation_* unconfirmed).
REASONS = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)
MAX_QUANTITY = 1_000_000_000
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
# Messages: the enum descriptions of InventorySetQuantitiesUserErrorCode, except STALE (observed live).
MESSAGES = {
    "INVALID_NAME": "The quantity name must be either 'available' or 'on_hand'.",
    "INVALID_REASON": "The specified reason is invalid.",
    "INVALID_REFERENCE_DOCUMENT": "The specified reference document is invalid.",
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": "The combination of inventoryItemId and locationId "
    "must be unique.",
    "INVALID_QUANTITY_NEGATIVE": "The quantity can't be negative.",
    "INVALID_QUANTITY_TOO_HIGH": "The total quantity can't be higher than 1,000,000,000.",
    "CHANGE_FROM_QUANTITY_STALE": "The changeFromQuantity argument no longer matches the persisted quantity.",
}


def problem(code: str, field: list[str] | None) -> Problem:
    """One userError with Shopify's code and the sandbox's message for it."""
    return {"code": code, "field": field, "message": MESSAGES.get(code, code)}


def check(store: Store, data: dict[str, Any]) -> list[Problem]:
    """Every reason not to apply ``data`` (an ``InventorySetQuantitiesInput``); empty when all is well."""
    found: list[Problem] = []
    if data["name"] not in SET_NAMES:
        found.append(problem("INVALID_NAME", ["input", "name"]))
    if data["reason"] not in REASONS:
        found.append(problem("INVALID_REASON", ["input", "reason"]))
    uri = data.get("referenceDocumentUri")
    if uri is not None and not _URI.match(uri):
        found.append(problem("INVALID_REFERENCE_DOCUMENT", ["input", "referenceDocumentUri"]))
    seen: set[tuple[str, str]] = set()
    for index, quantity in enumerate(data["quantities"]):
        found += _check_quantity(store, data["name"], quantity, ["input", "quantities", str(index)], seen)
    return found


def _check_quantity(
    store: Store, name: str, wanted: dict[str, Any], where: list[str], seen: set[tuple[str, str]]
) -> list[Problem]:
    item, location = wanted["inventoryItemId"], wanted["locationId"]
    found = []
    if item not in store.inventory_items:
        found.append(problem("INVALID_INVENTORY_ITEM", [*where, "inventoryItemId"]))
    if location not in store.locations:
        found.append(problem("INVALID_LOCATION", [*where, "locationId"]))
    level = store.inventory.get(item, location)
    if found or level is None:
        return found or [problem("ITEM_NOT_STOCKED_AT_LOCATION", [*where, "locationId"])]
    if (item, location) in seen:
        return [problem("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", where)]
    seen.add((item, location))
    if wanted["quantity"] < 0:
        return [problem("INVALID_QUANTITY_NEGATIVE", [*where, "quantity"])]
    if wanted["quantity"] > MAX_QUANTITY:
        return [problem("INVALID_QUANTITY_TOO_HIGH", [*where, "quantity"])]
    expected = wanted.get("changeFromQuantity")
    if expected is not None and name in SET_NAMES and expected != level["quantities"][name]:
        return [problem("CHANGE_FROM_QUANTITY_STALE", [*where, "changeFromQuantity"])]
    return []


def adjustment_group(ids: IdFactory, at: datetime, reason: str, uri: str | None, changes: list[Node]) -> Node:
    """A stored ``InventoryAdjustmentGroup``."""
    return {
        "id": ids.new("InventoryAdjustmentGroup"),
        "createdAt": iso(at),
        "reason": reason,
        "referenceDocumentUri": uri,
        "changes": changes,
    }


def adjust(level: Node, name: str, delta: int, at: datetime) -> list[Node]:
    """Change ``name`` by ``delta`` (on_hand follows; see :func:`on_hand_effect`); the ``InventoryChange``
    records, the named quantity first."""
    deltas = on_hand_effect(name, delta)
    change(level, deltas, at)
    names = sorted(deltas, key=lambda n: n != name)
    return [
        {
            "name": n,
            "delta": deltas[n],
            "quantityAfterChange": level["quantities"][n],
            "ledgerDocumentUri": None,
            "item": level["item"],
            "location": level["location"],
        }
        for n in names
    ]


def set_quantities(store: Store, at: datetime, data: dict[str, Any]) -> Node:
    """Apply a checked ``InventorySetQuantitiesInput``; returns the adjustment group."""
    changes: list[Node] = []
    for wanted in data["quantities"]:
        level = store.inventory.get(wanted["inventoryItemId"], wanted["locationId"])
        assert level is not None, "checked first"
        delta = int(wanted["quantity"]) - level["quantities"][data["name"]]
        changes += adjust(level, data["name"], delta, at)
    return adjustment_group(store.ids, at, data["reason"], data.get("referenceDocumentUri"), changes)
