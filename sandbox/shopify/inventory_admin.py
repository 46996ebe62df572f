"""Admin inventory routes: read levels by SKU and location, adjust one (a count, a sale at the till)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from sandbox.shopify.admin_orders import json_body
from sandbox.shopify.inventory import QUANTITY_NAMES
from sandbox.shopify.inventory_set import REASONS, adjust, adjustment_group
from sandbox.shopify.state import SandboxState
from sandbox.shopify.store import Store

Node = dict[str, Any]
Handler = Callable[[Request, SandboxState], Awaitable[Any]]
ADJUSTABLE = tuple(n for n in QUANTITY_NAMES if n != "committed")  # committed moves with orders only


def _location(store: Store, given: Any) -> str:
    """A location gid from a gid or a legacy id."""
    text = str(given or "")
    gid = text if text.startswith("gid://") else f"gid://shopify/Location/{text}"
    if gid not in store.locations:
        raise KeyError(f"location {given}")
    return gid


def level_json(store: Store, level: Node) -> Node:
    """A level as the admin endpoint shows it (ground truth plus the item's SKU and the location's name)."""
    sku = store.inventory_items[level["item"]["id"]].get("sku")
    name = store.locations[level["location"]["id"]]["name"]
    return {**level, "sku": sku, "location_name": name}


async def get_levels(request: Request, state: SandboxState) -> dict[str, Any]:
    """``GET /_sandbox/inventory/levels[?sku=…][&location_id=…]``: the matching levels as stored."""
    store = state.store
    sku, location = request.query_params.get("sku"), request.query_params.get("location_id")
    item = store.item_by_sku(sku)["id"] if sku is not None else None
    where = _location(store, location) if location is not None else None
    found = [
        lvl
        for lvl in store.inventory.levels()
        if item in (None, lvl["item"]["id"]) and where in (None, lvl["location"]["id"])
    ]
    return {"levels": [level_json(store, lvl) for lvl in found]}


async def post_adjust(request: Request, state: SandboxState) -> dict[str, Any]:
    """``POST /_sandbox/inventory/adjust`` ``{sku, location_id, name, delta, reason}``: one change as the
    merchant's own systems make it (on_hand and available move together; see README.md)."""
    data = await json_body(request)
    store, now = state.store, state.clock.now()
    item = store.item_by_sku(str(data.get("sku")))
    location = _location(store, data.get("location_id"))
    name, delta, reason = data.get("name", "available"), data.get("delta"), data.get("reason", "correction")
    if name not in ADJUSTABLE:
        raise ValueError(f"name must be one of {ADJUSTABLE}")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ValueError("delta must be a non-zero integer")
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}")
    level = store.inventory.get(item["id"], location)
    if level is None:
        raise KeyError(f"{data.get('sku')} is not stocked at {location}")
    changes = adjust(level, name, delta, now)
    group = adjustment_group(store.ids, now, reason, data.get("reference_document_uri"), changes)
    return {"level": level_json(store, level), "adjustment_group": group}


async def post_idempotency(request: Request, state: SandboxState) -> dict[str, Any]:
    """``POST /_sandbox/inventory/idempotency`` ``{"replay": false}``: repeats of a key run again."""
    replay = (await json_body(request)).get("replay", True)
    if not isinstance(replay, bool):
        raise ValueError("replay must be true or false")
    state.store.idempotency.replay = replay
    return {"replay": replay, "keys": len(state.store.idempotency)}


def inventory_routes() -> list[tuple[str, Handler, list[str]]]:
    """(path, handler, methods) of the inventory routes."""
    return [
        ("/_sandbox/inventory/levels", get_levels, ["GET"]),
        ("/_sandbox/inventory/adjust", post_adjust, ["POST"]),
        ("/_sandbox/inventory/idempotency", post_idempotency, ["POST"]),
    ]
