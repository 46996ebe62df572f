"""`shoplines demo --problems`: plant the failures the product exists for in the sandbox shop, run the line,
and show what support sees. Talks to the sandbox only through its loopback admin endpoint (HTTP).

Planted, each on an order the warehouse already has:
- a bad row: a copy of an order in US dollars (the shop is in ZAR) → quarantined, announced;
- a change needing a person: an address change on an order then put on hold → HELD, a checkpoint;
- a forbidden transition for the warehouse: an order cancelled after delivery → a CANCEL record and an alert;
- a count mismatch: an address changed and *not* sent (no run) → the reconciliation does not tie out;
- a missed schedule: no scheduled run has completed → the freshness check announces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from shoplines.errors import ShoplinesError

ELIGIBLE = {"PAID", "AUTHORIZED", "PARTIALLY_REFUNDED"}


@dataclass(frozen=True)
class Planted:
    bad: str
    held: str
    cancelled: str
    unsent: str

    def names(self) -> list[str]:
        return [self.bad, self.held, self.cancelled, self.unsent]


class Admin:
    """The sandbox's admin endpoint (loopback only)."""

    def __init__(self, admin_url: str) -> None:
        self._http = httpx.Client(base_url=admin_url, timeout=10.0)

    def __enter__(self) -> Admin:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body)
        if not response.is_success:
            raise ShoplinesError(f"the sandbox refused {method} {path}: HTTP {response.status_code}")
        return response.json()

    def orders(self) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = self.call("GET", "/orders")["orders"]
        return orders


def unshipped(orders: list[dict[str, Any]], delivered: set[str]) -> list[dict[str, Any]]:
    """Delivered orders nobody has shipped yet, oldest number first."""
    return sorted(
        (o for o in orders if o["name"] in delivered and o["displayFulfillmentStatus"] == "UNFULFILLED"
         and not o.get("cancelledAt") and o["displayFinancialStatus"] in ELIGIBLE),
        key=lambda o: int(o["legacyResourceId"]),
    )  # fmt: skip


def dollar_copy(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A new order copied from `template` with ids of its own, in US dollars."""
    text = json.dumps(template)
    for kind in ("LineItem", "FulfillmentOrder", "FulfillmentOrderLineItem"):
        text = text.replace(f"gid://shopify/{kind}/", f"gid://shopify/{kind}/9")
    order: dict[str, Any] = json.loads(text)
    for key in ("id", "legacyResourceId", "updatedAt"):
        order.pop(key, None)
    return order | {"name": name, "currencyCode": "USD"}


def plant(admin: Admin, delivered: set[str]) -> Planted:
    """Plant the problems on orders the warehouse has; the unsent change is planted by `plant_unsent`."""
    candidates = unshipped(admin.orders(), delivered)
    if len(candidates) < 4:
        raise ShoplinesError("the demo shop has too few delivered, unshipped orders to plant problems on")
    template, held, cancelled, unsent = candidates[:4]
    bad = admin.call("POST", "/orders", {"order": dollar_copy(template, "#9001")})["order"]
    admin.call(
        "POST", f"/orders/{held['legacyResourceId']}/edit", {"shipping_address": {"address1": "1 Bree St"}}
    )
    admin.call("POST", f"/orders/{held['legacyResourceId']}/hold", {"reason": "OTHER"})
    admin.call("POST", f"/orders/{cancelled['legacyResourceId']}/cancel", {"reason": "CUSTOMER"})
    return Planted(bad["name"], held["name"], cancelled["name"], unsent["name"])


def plant_unsent(admin: Admin, planted: Planted) -> None:
    """Change an order after the last run, so the warehouse has an older version than Shopify."""
    [order] = [o for o in admin.orders() if o["name"] == planted.unsent]
    admin.call(
        "POST", f"/orders/{order['legacyResourceId']}/edit", {"shipping_address": {"address1": "3 Kloof St"}}
    )
