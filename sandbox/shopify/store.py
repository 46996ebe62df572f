"""The sandbox shop's data behind one small interface (in memory; a later issue may back it by SQLite)."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from sandbox.shopify.idempotency import IdempotencyBook
from sandbox.shopify.ids import IdFactory, parse_gid
from sandbox.shopify.inventory import InventoryBook
from sandbox.shopify.movements import Movement
from sandbox.shopify.totals import nodes

Node = dict[str, Any]
Order = dict[str, Any]
T = TypeVar("T")

# Child objects of an order that can be fetched by id (``fulfillmentOrder(id:)``, references).
_CHILD_PATHS = {
    "LineItem": ("lineItems",),
    "FulfillmentOrder": ("fulfillmentOrders",),
    "Fulfillment": ("fulfillments",),
    "Refund": ("refunds",),
    "OrderTransaction": ("transactions",),
    "ShippingLine": ("shippingLines",),
}


class Store:
    """Orders in Shopify's GraphQL shape (connections stored as ``{"nodes": [...]}``) plus catalogue,
    locations and inventory. Money amounts are strings, timestamps ISO-8601 UTC strings: the stored
    order *is* the ground truth served by ``GET /_sandbox/orders``.
    """

    def __init__(self, shop: Node, seed: int = 0) -> None:
        """Create an empty store for ``shop`` (name, myshopifyDomain, currencyCode, ianaTimezone)."""
        self.shop = shop
        self.rng = random.Random(seed)
        self.ids = IdFactory(random.Random(seed + 1))
        self.locations: dict[str, Node] = {}
        self.products: dict[str, Node] = {}
        self.variants: dict[str, Node] = {}
        self.inventory_items: dict[str, Node] = {}
        self.inventory = InventoryBook()
        self.warehouse_location_id: str | None = None
        self.idempotency = IdempotencyBook()
        self._orders: dict[str, Order] = {}
        self._owner: dict[str, str] = {}

    # -- orders ------------------------------------------------------------------------------------
    def orders(self) -> Iterator[Order]:
        """Every order, including test and old ones (callers filter visibility)."""
        return iter(list(self._orders.values()))

    def order_count(self) -> int:
        """How many orders the store holds."""
        return len(self._orders)

    def get_order(self, gid: str) -> Order | None:
        """The order ``gid`` or ``None``."""
        return self._orders.get(gid)

    def put_order(self, order: Order) -> None:
        """Insert or replace an order and index its children."""
        self._orders[order["id"]] = order
        for kind, (key,) in _CHILD_PATHS.items():
            for child in nodes(order.get(key)):
                if (parse_gid(child.get("id", "")) or ("",))[0] == kind:
                    self._owner[child["id"]] = order["id"]

    def mutate(self, gid: str, change: Callable[[Order], T]) -> T:
        """Apply ``change`` to a copy of order ``gid``; store the copy only if ``change`` succeeds.

        Raises:
            KeyError: no such order.
        """
        draft = copy.deepcopy(self._orders[gid])
        result = change(draft)
        self.put_order(draft)
        return result

    def find(self, gid: str) -> Node | None:
        """Any stored object by gid: an order, a child of one, a location, product, variant or item."""
        for table in (self._orders, self.locations, self.products, self.variants, self.inventory_items):
            if gid in table:
                return table[gid]
        if gid.startswith("gid://shopify/InventoryLevel/"):
            return self.inventory.by_id(gid)
        owner = self._orders.get(self._owner.get(gid, ""))
        parsed = parse_gid(gid)
        if owner is None or parsed is None or parsed[0] not in _CHILD_PATHS:
            return None
        (key,) = _CHILD_PATHS[parsed[0]]
        return next((c for c in nodes(owner.get(key)) if c.get("id") == gid), None)

    def owner_of(self, gid: str) -> Order | None:
        """The order that holds child object ``gid``."""
        return self._orders.get(self._owner.get(gid, ""))

    # -- inventory ---------------------------------------------------------------------------------
    def item_of_lines(self, order: Order) -> dict[str, str | None]:
        """Line gid → inventory item gid for the lines of ``order``."""
        out: dict[str, str | None] = {}
        for line in nodes(order.get("lineItems")):
            variant = self.variants.get((line.get("variant") or {}).get("id", ""))
            out[line["id"]] = ((variant or {}).get("inventoryItem") or {}).get("id")
        return out

    def apply_movements(self, order: Order, movements: list[Movement], at: datetime) -> None:
        """Apply stock movements caused by a change to ``order``."""
        self.inventory.apply(movements, self.item_of_lines(order), at)

    def location_names(self) -> dict[str, str]:
        """Location gid → name."""
        return {gid: loc["name"] for gid, loc in self.locations.items()}

    def warehouse(self) -> tuple[str, str]:
        """(gid, name) of the 3PL warehouse location."""
        if self.warehouse_location_id is None:
            raise LookupError("this store has no warehouse location")
        return self.warehouse_location_id, self.locations[self.warehouse_location_id]["name"]

    def item_by_sku(self, sku: str) -> Node:
        """The inventory item with ``sku``."""
        found = next((i for i in self.inventory_items.values() if i.get("sku") == sku), None)
        if found is None:
            raise KeyError(sku)
        return found

    def variant_by_sku(self, sku: str) -> tuple[Node, Node]:
        """(variant, product) for ``sku``."""
        for variant in self.variants.values():
            if variant.get("sku") == sku:
                return variant, self.products[variant["product"]["id"]]
        raise KeyError(sku)
