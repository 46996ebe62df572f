"""`shoplines demo --problems`: plant the failures the product exists for in the sandbox shop, run the line,
and show what support sees. Talks to the sandbox only through its loopback admin endpoint (HTTP).

Planted, each on an order the warehouse already has:
- a bad row: a copy of an order in US dollars (the shop is in ZAR) → quarantined, announced;
- a change needing a person: an address change on an order then put on hold → HELD, a checkpoint;
- an address changed after the warehouse acknowledged the order → HELD for an approval (shoplines approvals);
- a forbidden transition for the warehouse: an order cancelled after delivery → a CANCEL record and an alert;
- a count mismatch: an address changed and *not* sent (no run) → the reconciliation does not tie out;
- a missed schedule: no scheduled run has completed → the freshness check announces it.

Faults switched on during the runs (Shopify answers 503 to order pages): a short burst is retried and the run
completes; a persistent one fails the run, which is announced with what to do, and cleared by the next run.
Before all that, `plant_unknown_sku` adds an order with a SKU the 3PL does not stock (rejected by the 3PL).
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
    moved: str

    def names(self) -> list[str]:
        return [self.bad, self.held, self.cancelled, self.moved, self.unsent]


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


def dollar_copy(template: dict[str, Any], name: str, id_prefix: str = "9") -> dict[str, Any]:
    """A copy of `template` as a new order in US dollars, its ids `id_prefix` + the template's."""
    text = json.dumps(template)
    kinds = ("LineItem", "FulfillmentOrder", "FulfillmentOrderLineItem", "Fulfillment", "FulfillmentLineItem",
             "Refund", "RefundLineItem", "RefundShippingLine", "OrderTransaction")  # fmt: skip
    for kind in kinds:
        text = text.replace(f"gid://shopify/{kind}/", f"gid://shopify/{kind}/{id_prefix}")
    order: dict[str, Any] = json.loads(text)
    for key in ("id", "legacyResourceId", "updatedAt"):
        order.pop(key, None)
    return order | {"name": name, "currencyCode": "USD"}


def unknown_sku_copy(template: dict[str, Any], name: str, sku: str) -> dict[str, Any]:
    """A new order copied from `template` whose first line carries a SKU the 3PL does not stock."""
    order = dollar_copy(template, name, id_prefix="8") | {"currencyCode": template["currencyCode"]}
    order["lineItems"]["nodes"][0]["sku"] = sku
    return order


def plant_unknown_sku(admin: Admin, name: str = "#9100", sku: str = "UNKNOWN-GIFT-BOX") -> str:
    """Before the first run: an order with a SKU missing from the 3PL's catalogue (it will reject it)."""
    every = {o["name"] for o in admin.orders()}
    candidates = unshipped(admin.orders(), every)
    if not candidates:
        raise ShoplinesError("the demo shop has no paid, unshipped order to copy")
    return str(
        admin.call("POST", "/orders", {"order": unknown_sku_copy(candidates[0], name, sku)})["order"]["name"]
    )


def tracking(admin: Admin, names: list[str]) -> dict[str, list[str]]:
    """The tracking numbers Shopify shows on each named order (what customers see)."""
    orders = {o["name"]: o for o in admin.orders()}
    return {
        n: [t["number"] for f in orders[n].get("fulfillments") or [] for t in f.get("trackingInfo") or []]
        for n in names
        if n in orders
    }


def plant(admin: Admin, delivered: set[str]) -> Planted:
    """Plant the problems on orders the warehouse has; the unsent change is planted by `plant_unsent`."""
    candidates = unshipped(admin.orders(), delivered)
    if len(candidates) < 5:
        raise ShoplinesError("the demo shop has too few delivered, unshipped orders to plant problems on")
    template, held, cancelled, unsent, moved = candidates[:5]
    bad = admin.call("POST", "/orders", {"order": dollar_copy(template, "#9001")})["order"]
    admin.call(
        "POST", f"/orders/{held['legacyResourceId']}/edit", {"shipping_address": {"address1": "1 Bree St"}}
    )
    admin.call("POST", f"/orders/{held['legacyResourceId']}/hold", {"reason": "OTHER"})
    admin.call("POST", f"/orders/{cancelled['legacyResourceId']}/cancel", {"reason": "CUSTOMER"})
    admin.call(
        "POST", f"/orders/{moved['legacyResourceId']}/edit", {"shipping_address": {"address1": "22 Bree St"}}
    )
    return Planted(bad["name"], held["name"], cancelled["name"], unsent["name"], moved["name"])


def faults_on(admin: Admin, *, times: int | None) -> None:
    """Shopify answers 503 to order reads (`times` of them, or every one until `faults_off`): pages, and the
    start of a bulk read (a window longer than SHOPLINES_SHOPIFY_BULK_FROM_DAYS)."""
    for operation in ("OrdersPage", "BulkOrders"):
        fault = {"kind": "http_error", "status": 503, "operation": operation, "after": 0, "times": times}
        admin.call("POST", "/faults", fault)


def faults_off(admin: Admin) -> None:
    admin.call("DELETE", "/faults")


def plant_unsent(admin: Admin, planted: Planted) -> None:
    """Change an order after the last run, so the warehouse has an older version than Shopify."""
    [order] = [o for o in admin.orders() if o["name"] == planted.unsent]
    admin.call(
        "POST", f"/orders/{order['legacyResourceId']}/edit", {"shipping_address": {"address1": "3 Kloof St"}}
    )
