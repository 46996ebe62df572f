"""Stock in Shopify: inventory levels per location (a full snapshot, or changed since a per-location time),
and `on_hand` set by compare-and-set with an idempotency key (`inventorySetQuantities`, API 2026-04 rules).

Levels are read location by location, each with its own `updated_at` filter: one shared cursor across
locations loses the levels whose times interleave (a known failure of other connectors).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clients.shopify_errors import ShopifyError, ShopifyQueryError
from clients.shopify_http import GraphQLSession
from clients.shopify_money_queries import LOCATION_INVENTORY_LEVELS, LOCATIONS_PAGE
from clients.shopify_paging import Connection, Pager

LOCATIONS = Connection("LocationsPage", LOCATIONS_PAGE, ("locations",))
LEVELS = Connection("LocationInventoryLevels", LOCATION_INVENTORY_LEVELS, ("location", "inventoryLevels"))
WRITE_SCOPE = "write_inventory"
STALE = "CHANGE_FROM_QUANTITY_STALE"

SET_ON_HAND = """
mutation SetOnHand($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: %s) {
    inventoryAdjustmentGroup {
      id createdAt reason referenceDocumentUri
      changes(quantityNames: ["on_hand", "available"]) {
        name delta quantityAfterChange item { id sku } location { id }
      }
    }
    userErrors { code field message }
  }
}
"""


@dataclass(frozen=True)
class InventoryPull:
    """Levels read per location, and the locations read (a location with no level is still listed)."""

    levels: list[dict[str, Any]]
    locations: list[dict[str, Any]]


@dataclass(frozen=True)
class OnHandChange:
    """Set `on_hand` of one item at one location to `to`, only if Shopify still has `expected`."""

    inventory_item_id: str
    location_id: str
    to: int
    expected: int


@dataclass(frozen=True)
class SetResult:
    """What Shopify did: applied (group id), or refused (userErrors; `stale` when a count moved first)."""

    group_id: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        """Some quantity was no longer what we compared against: nothing was written."""
        return any(error.get("code") == STALE for error in self.errors)


class InventoryRefused(ShopifyError):
    """Shopify refused the change for a reason other than a stale count (unknown item, bad location…)."""


def fetch_levels(
    pager: Pager, *, since: Mapping[str, datetime] | None = None, location_ids: Sequence[str] | None = None
) -> InventoryPull:
    """Every level at every location (active or not), or at `location_ids`; with `since`, only levels
    updated at or after that location's time (a location missing from `since` is read whole).

    Raises:
        ShopifyError: any failure; a partial read is never passed off as complete.
    """
    locations = [loc for page in pager.pages(LOCATIONS, {}) for loc in page.nodes]
    if location_ids is not None:
        known = {str(loc["id"]) for loc in locations}
        if missing := sorted(set(location_ids) - known):
            raise ShopifyQueryError(f"Shopify has no location {', '.join(missing)} (check the setting)")
        locations = [loc for loc in locations if loc["id"] in set(location_ids)]
    levels: list[dict[str, Any]] = []
    for location in locations:
        start = (since or {}).get(str(location["id"]))
        query = None if start is None else f"updated_at:>='{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        variables = {"id": location["id"], "query": query}
        for page in pager.pages(LEVELS, variables):
            levels.extend(page.nodes)
    return InventoryPull(levels, locations)


def set_on_hand(
    session: GraphQLSession, changes: Sequence[OnHandChange], *, key: str, reference: str
) -> SetResult:
    """One all-or-nothing `inventorySetQuantities` of `on_hand`, compare-and-set on every quantity.

    The idempotency key makes a retry after a lost answer safe: Shopify replays the first result. The
    same key is used for every attempt of one batch and never for different changes.

    Raises:
        InventoryRefused: userErrors other than a stale count.
        ShopifyError: Shopify could not be reached or refused the request (scope, auth).
    """
    variables = {
        "input": {
            "name": "on_hand",
            "reason": "correction",
            "referenceDocumentUri": reference,
            "quantities": [
                {"inventoryItemId": c.inventory_item_id, "locationId": c.location_id, "quantity": c.to,
                 "changeFromQuantity": c.expected}
                for c in changes
            ],
        }
    }  # fmt: skip
    document = SET_ON_HAND % json.dumps(key)
    answer = session.execute("inventorySetQuantities", document, lambda: variables)
    payload = answer.data.get("inventorySetQuantities")
    if not isinstance(payload, dict):
        raise ShopifyQueryError("Shopify's answer to inventorySetQuantities has no payload")
    errors = list(payload.get("userErrors") or [])
    group = payload.get("inventoryAdjustmentGroup")
    result = SetResult(str(group["id"]) if isinstance(group, dict) else None, errors)
    if errors and not result.stale:
        raise InventoryRefused("; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors))
    if not errors and result.group_id is None:
        raise ShopifyQueryError("Shopify's answer to inventorySetQuantities has neither a change nor errors")
    return result
