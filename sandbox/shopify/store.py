"""The sandbox shop's data behind one small interface (in memory; ``disk_store.DiskStore`` uses SQLite)."""

from __future__ import annotations

import contextlib
import copy
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from sandbox.clock import parse_instant
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
# Order fields ``orders_between`` can range over.
TIME_FIELDS = ("createdAt", "updatedAt", "processedAt")


def child_ids(order: Order) -> Iterator[str]:
    """Gids of the order's children that ``find``/``owner_of`` answer for (kinds in ``_CHILD_PATHS``)."""
    for kind, (key,) in _CHILD_PATHS.items():
        for child in nodes(order.get(key)):
            if (parse_gid(child.get("id", "")) or ("",))[0] == kind:
                yield child["id"]


def child_kind(gid: str) -> str | None:
    """The kind of ``gid`` if it names an order's child that the owner index holds."""
    parsed = parse_gid(gid)
    return parsed[0] if parsed is not None and parsed[0] in _CHILD_PATHS else None


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
        """Every order, including test and old ones (callers filter visibility), in insertion order."""
        return iter(list(self._orders.values()))

    def orders_between(self, field: str, start: datetime | None, end: datetime | None) -> Iterator[Order]:
        """Orders whose ``field`` (``createdAt``, ``updatedAt``, ``processedAt``) lies in ``[start, end)``.

        ``None`` leaves that side open; orders without the field are left out. Ordered by that instant,
        ties in insertion order.
        """
        if field not in TIME_FIELDS:
            raise ValueError(f"orders_between takes one of {TIME_FIELDS}, not {field!r}")
        found = []
        for order in list(self._orders.values()):
            if order.get(field):
                at = parse_instant(order[field])
                if (start is None or at >= start) and (end is None or at < end):
                    found.append((at, order))
        found.sort(key=lambda pair: pair[0])
        return iter([order for _, order in found])

    def time_span(self, field: str) -> tuple[datetime, datetime] | None:
        """The earliest and latest ``field`` instant over all orders (``None`` if no order has one)."""
        stamps = [parse_instant(o[field]) for o in self.orders_between(field, None, None)]
        return (stamps[0], stamps[-1]) if stamps else None

    def order_count(self, *, test: bool | None = None) -> int:
        """How many orders the store holds (only test or only non-test ones with ``test``)."""
        if test is None:
            return len(self._orders)
        return sum(1 for o in self._orders.values() if bool(o.get("test")) == test)

    def get_order(self, gid: str) -> Order | None:
        """The order ``gid`` or ``None``."""
        return self._orders.get(gid)

    def put_order(self, order: Order) -> None:
        """Insert or replace an order and index its children."""
        self._orders[order["id"]] = order
        for child in child_ids(order):
            self._owner[child] = order["id"]

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Group many ``put_order`` calls (one transaction per few thousand on disk; nothing in memory)."""
        return contextlib.nullcontext()

    def mutate(self, gid: str, change: Callable[[Order], T]) -> T:
        """Apply ``change`` to a copy of order ``gid``; store the copy only if ``change`` succeeds.

        Raises:
            KeyError: no such order.
        """
        with self._exclusive():
            draft = self._draft(gid)
            result = change(draft)
            self.put_order(draft)
            return result

    def _draft(self, gid: str) -> Order:
        return copy.deepcopy(self._orders[gid])

    def _exclusive(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def find(self, gid: str) -> Node | None:
        """Any stored object by gid: an order, a child of one, a location, product, variant or item."""
        for table in (self.locations, self.products, self.variants, self.inventory_items):
            if gid in table:
                return table[gid]
        if gid.startswith("gid://shopify/InventoryLevel/"):
            return self.inventory.by_id(gid)
        kind = child_kind(gid)
        if kind is None:
            return self.get_order(gid)
        owner = self.owner_of(gid)
        (key,) = _CHILD_PATHS[kind]
        return next((c for c in nodes((owner or {}).get(key)) if c.get("id") == gid), None)

    def owner_of(self, gid: str) -> Order | None:
        """The order that holds child object ``gid``."""
        return self._orders.get(self._owner.get(gid, ""))

    def max_order_number(self) -> int | None:
        """The largest numeric order name (``#1234`` → 1234), ``None`` if no order has one."""
        numbers = [int(o["name"].lstrip("#")) for o in self.orders() if o["name"].lstrip("#").isdigit()]
        return max(numbers, default=None)

    def close(self) -> None:
        """Release what the store holds open (nothing in memory)."""

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
