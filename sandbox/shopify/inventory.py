"""Inventory levels per (item, location) and the stock movements that orders cause."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.movements import Movement

QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "incoming",
    "reserved",
    "damaged",
    "quality_control",
    "safety_stock",
)
# Counted in on_hand but not for sale (Shopify's "Unavailable"); safety_stock is units set aside.
UNAVAILABLE = ("reserved", "damaged", "quality_control", "safety_stock")
Node = dict[str, Any]

_EFFECTS = {
    "commit": {"available": -1, "committed": 1},
    "release": {"available": 1, "committed": -1},
    "ship": {"committed": -1, "on_hand": -1},
    "restock": {"available": 1, "on_hand": 1},
}


def level_id(location_id: str, item_id: str) -> str:
    """Shopify's composite level gid: ``gid://shopify/InventoryLevel/{location}?inventory_item_id={item}``."""
    location, item = parse_gid(location_id), parse_gid(item_id)
    if location is None or item is None:
        raise ValueError(f"bad ids {location_id!r}, {item_id!r}")
    return f"gid://shopify/InventoryLevel/{location[1]}?inventory_item_id={item[1]}"


def new_level(location_id: str, item_id: str, at: datetime, quantities: dict[str, int]) -> Node:
    """A stored ``InventoryLevel``; ``on_hand`` is derived as available + committed + unavailable."""
    values = {name: int(quantities.get(name, 0)) for name in QUANTITY_NAMES}
    values["on_hand"] = values["available"] + values["committed"] + sum(values[n] for n in UNAVAILABLE)
    return {
        "id": level_id(location_id, item_id),
        "item": {"id": item_id},
        "location": {"id": location_id},
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "quantities": values,
        "quantityUpdatedAt": dict.fromkeys(QUANTITY_NAMES, iso(at)),
    }


def on_hand_effect(name: str, delta: int) -> dict[str, int]:
    """Deltas by name when ``name`` changes by ``delta`` outside an order: on_hand follows every name it
    sums, and a change to on_hand itself lands in ``available`` (a count, a sale at the till)."""
    if name in ("available", "on_hand"):
        return {"available": delta, "on_hand": delta}
    if name in UNAVAILABLE:
        return {name: delta, "on_hand": delta}
    if name == "incoming":
        return {"incoming": delta}
    raise ValueError(f"{name!r} cannot be adjusted directly")


def change(level: Node, deltas: dict[str, int], at: datetime) -> None:
    """Add ``deltas`` to ``level``; ``updatedAt`` (level and each changed quantity) never goes back."""
    stamp = iso(at)
    moved = {name: delta for name, delta in deltas.items() if delta}
    for name, delta in moved.items():
        level["quantities"][name] += delta
        times = level.setdefault("quantityUpdatedAt", {})
        times[name] = max(times.get(name, stamp), stamp)
    if moved:
        level["updatedAt"] = max(level["updatedAt"], stamp)


class InventoryBook:
    """All inventory levels, keyed by (item gid, location gid)."""

    def __init__(self) -> None:
        """Create an empty book."""
        self._levels: dict[tuple[str, str], Node] = {}

    def add(self, level: Node) -> None:
        """Add or replace a level."""
        self._levels[(level["item"]["id"], level["location"]["id"])] = level

    def levels(self) -> list[Node]:
        """Every level, in insertion order."""
        return list(self._levels.values())

    def get(self, item_id: str, location_id: str) -> Node | None:
        """The level of ``item_id`` at ``location_id``, if stocked there."""
        return self._levels.get((item_id, location_id))

    def by_id(self, gid: str) -> Node | None:
        """The level with composite gid ``gid``."""
        return next((lvl for lvl in self._levels.values() if lvl["id"] == gid), None)

    def apply(self, movements: Iterable[Movement], item_of_line: dict[str, str | None], at: datetime) -> None:
        """Apply order stock movements; lines of untracked items or unknown locations are skipped."""
        for move in movements:
            item_id = item_of_line.get(move.line_id)
            level = self._levels.get((item_id or "", move.location_id or ""))
            if level is None or move.quantity == 0:
                continue
            change(level, {name: sign * move.quantity for name, sign in _EFFECTS[move.kind].items()}, at)
