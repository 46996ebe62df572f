"""Load a store from JSON Lines of orders in the Admin GraphQL shape (recorded real data, replayed)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sandbox.clock import iso, parse_instant
from sandbox.shopify.ids import legacy_id, parse_gid
from sandbox.shopify.shopgen import DEFAULT_SHOP, shop_record
from sandbox.shopify.store import Store
from sandbox.shopify.totals import nodes, recompute

_ORDER_DEFAULTS: dict[str, Any] = {
    "tags": [],
    "test": False,
    "closed": False,
    "taxesIncluded": True,
    "cancelledAt": None,
    "cancelReason": None,
    "closedAt": None,
    "note": None,
    "email": None,
    "phone": None,
    "paymentGatewayNames": [],
    "customer": None,
    "shippingAddress": None,
    "billingAddress": None,
    "refunds": [],
    "transactions": [],
    "fulfillments": [],
    "discountCodes": [],
    "sourceName": "web",
}
_CONNECTIONS = ("lineItems", "shippingLines", "fulfillmentOrders")


def load_orders_jsonl(
    paths: str | Path | Iterable[str | Path], *, shop: str | None = None, seed: int = 0
) -> Store:
    """Build a store from one or more JSON Lines files, one order object per line.

    Nested connections may be given as ``{"nodes": [...]}`` or ``{"edges": [{"node": ...}]}``;
    timestamps are normalised to UTC ``Z`` seconds. Totals present in the data are kept as recorded
    (only orders without ``totalPriceSet`` are derived); locations come from fulfilment (orders).

    Args:
        paths: a file or several.
        shop: the myshopify domain (default: the demo shop's).
        seed: seeds ids and generated data for orders created later through the admin endpoint.

    Returns:
        The store.
    """
    store = Store(shop_record(shop or DEFAULT_SHOP), seed)
    files = [paths] if isinstance(paths, str | Path) else list(paths)
    for path in files:
        with Path(path).open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    store.put_order(order_from_json(json.loads(raw), f"{path}:{number}"))
    _locations(store)
    store.ids.observe(_all_ids(store))
    return store


def normalise(value: Any) -> Any:
    """Connections → ``{"nodes": [...]}``, timestamps → UTC ``Z``, recursively."""
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("edges"), list) and "node" not in value:
        return {"nodes": [normalise(edge["node"]) for edge in value["edges"]]}
    if isinstance(value.get("nodes"), list):
        return {"nodes": [normalise(node) for node in value["nodes"]]}
    out = {}
    for key, item in value.items():
        is_stamp = key.endswith("At") and isinstance(item, str)
        out[key] = iso(parse_instant(item)) if is_stamp else normalise(item)
    return out


def order_from_json(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """One order from recorded JSON, normalised and with Shopify's defaults for missing fields.

    Raises:
        ValueError: no gid ``id`` or no ``createdAt`` (``where`` names the source in the message).
    """
    order = normalise(raw)
    if not isinstance(order.get("id"), str) or parse_gid(order["id"]) is None or "createdAt" not in order:
        raise ValueError(f"{where}: an order needs a gid `id` and `createdAt`")
    for key, default in _ORDER_DEFAULTS.items():
        order.setdefault(key, json.loads(json.dumps(default)))
    for key in _CONNECTIONS:
        order.setdefault(key, {"nodes": []})
    order.setdefault("legacyResourceId", legacy_id(order["id"]))
    order.setdefault("name", f"#{order['legacyResourceId']}")
    order.setdefault("updatedAt", order["createdAt"])
    order.setdefault("processedAt", order["createdAt"])
    order.setdefault("currencyCode", "ZAR")
    for line in nodes(order["lineItems"]):
        line.setdefault("currentQuantity", line.get("quantity", 0))
        line.setdefault("refundableQuantity", line["currentQuantity"])
        line.setdefault("discountAllocations", [])
        line.setdefault("taxLines", [])
    for refund in nodes(order["refunds"]):
        for item in nodes(refund.get("refundLineItems")):
            if isinstance(item.get("location"), dict) and not item["location"].get("id"):
                item["location"] = None  # recorded by an older sandbox: Location.id is non-null
    if "totalPriceSet" not in order:
        recompute(order)
    return order


def _locations(store: Store) -> None:
    seen: Counter[str] = Counter()
    for order in store.orders():
        refs = [
            (fo.get("assignedLocation") or {}).get("location") for fo in nodes(order["fulfillmentOrders"])
        ]
        refs += [f.get("location") for f in order["fulfillments"]]
        for ref in filter(None, refs):
            seen[ref["id"]] += 1
            store.locations.setdefault(
                ref["id"],
                {
                    "id": ref["id"],
                    "legacyResourceId": legacy_id(ref["id"]),
                    "name": ref.get("name") or ref["id"],
                    "isActive": True,
                    "fulfillsOnlineOrders": True,
                    "isFulfillmentService": False,
                    "address": None,
                },
            )
    named = [gid for gid, loc in store.locations.items() if "warehouse" in str(loc["name"]).lower()]
    store.warehouse_location_id = named[0] if named else (seen.most_common(1)[0][0] if seen else None)


def _all_ids(store: Store) -> Iterable[str]:
    def walk(value: Any) -> Iterable[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" and isinstance(item, str):
                    yield item
                else:
                    yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for order in store.orders():
        yield from walk(order)
