"""Where a bulk query's root objects come from: the store, read once and streamed, filtered as paging does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sandbox.shopify.access import RequestContext
from sandbox.shopify.filters import compile_orders, compile_simple

Node = dict[str, Any]
Source = Callable[[RequestContext, dict[str, Any]], Iterator[Node]]


def orders(context: RequestContext, arguments: dict[str, Any]) -> Iterator[Node]:
    """Visible orders matching ``query`` in store order (``sortKey``/``reverse`` do not reorder)."""
    predicate = compile_orders(arguments.get("query"), context.store.shop["ianaTimezone"]).predicate
    visible = context.visible
    for order in context.store.orders():
        if visible(order) and predicate(order):
            yield order


def locations(context: RequestContext, arguments: dict[str, Any]) -> Iterator[Node]:
    """Locations matching ``query``; inactive ones only with ``includeInactive``."""
    predicate = compile_simple(arguments.get("query"), context.store.shop["ianaTimezone"]).predicate
    for location in list(context.store.locations.values()):
        if (location.get("isActive", True) or arguments.get("includeInactive")) and predicate(location):
            yield location


SOURCES: dict[str, Source] = {"orders": orders, "locations": locations}
