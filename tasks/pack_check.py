"""The independent check: Shopify's own order-level totals for the month (a separate query, `ORDER_TOTALS_PAGE`)
added up here, against what the pack's line-level sheets add up to. They must agree to the cent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tasks import received as rd
from tasks.pack_cells import amount
from tasks.pack_period import Period
from tasks.pack_totals import Totals

Page = list[dict[str, Any]]


@dataclass
class ShopifyTotals:
    """Shopify's totals of the month's non-test orders and of the refunds created in it."""

    orders: int = 0
    tests: int = 0
    gross: int = 0
    discounts: int = 0
    shipping: int = 0
    vat: int = 0
    total: int = 0
    refunds: int = 0
    refunded: int = 0
    unreadable: list[str] = field(default_factory=list)


def _newest(pages: Iterable[Page], key: str = "id") -> dict[str, dict[str, Any]]:
    """One copy per id, the newest `updatedAt` (paging by a changing field can meet an order twice)."""
    found: dict[str, dict[str, Any]] = {}
    for page in pages:
        for node in page:
            known = found.get(str(node.get(key)))
            if known is None or str(known.get("updatedAt")) <= str(node.get("updatedAt")):
                found[str(node.get(key))] = node
    return found


def _add_order(out: ShopifyTotals, o: dict[str, Any], currency: str) -> None:
    cents = {name: rd.money(o.get(f"{name}Set"), f"{name}Set") for name in
             ("totalPrice", "totalTax", "totalDiscounts", "totalShippingPrice")}  # fmt: skip
    if {c for _, c in cents.values()} != {currency}:
        raise ValueError(f"not in {currency}")
    total, vat, discounts, shipping = (cents[n][0] for n in cents)
    out.orders += 1
    out.total += total
    out.vat += vat
    out.discounts += discounts
    out.shipping += shipping
    out.gross += total + discounts - shipping - (0 if o.get("taxesIncluded", True) else vat)


def shopify_totals(
    sales: Iterable[Page], changed: Iterable[Page], period: Period, currency: str
) -> ShopifyTotals:
    """Add up `sales` (orders processed in the month) and the refunds created in it found on `changed`."""
    out = ShopifyTotals()
    for o in _newest(sales).values():
        try:
            moment = rd.timestamp(o.get("processedAt"), "processedAt")
            if moment is None or not period.contains(moment):
                continue
            if rd.flag(o.get("test"), "test"):
                out.tests += 1
                continue
            _add_order(out, o, currency)
        except ValueError as exc:
            out.unreadable.append(f"order {o.get('name')}: {exc}")
    for o in _newest(changed).values():
        if o.get("test") is True:
            continue
        for refund in o.get("refunds") or []:
            try:
                created: datetime | None = rd.timestamp(refund.get("createdAt"), "createdAt")
                if created is not None and period.contains(created):
                    out.refunded += rd.money(refund.get("totalRefundedSet"), "totalRefundedSet")[0]
                    out.refunds += 1
            except ValueError as exc:
                out.unreadable.append(f"a refund of {o.get('name')}: {exc}")
    return out


def compare(shopify: ShopifyTotals, pack: Totals, label: str) -> list[str]:
    """Where the pack's sums differ from Shopify's own totals (empty: they agree to the cent)."""
    pairs = [
        ("orders", shopify.orders, pack.orders, str), ("test orders", shopify.tests, pack.tests, str),
        ("gross sales", shopify.gross, pack.sales.gross, amount),
        ("discounts", shopify.discounts, pack.sales.discounts, amount),
        ("shipping", shopify.shipping, pack.sales.shipping, amount), ("VAT", shopify.vat, pack.sales.vat, amount),
        ("order total", shopify.total, pack.sales.total, amount), ("refunds", shopify.refunds, pack.refunds.count, str),
        ("money refunded", shopify.refunded, pack.paid, amount),
    ]  # fmt: skip
    found = [f"Shopify's {what} for {label} is {show(theirs)}, the pack's is {show(ours)}"
             for what, theirs, ours, show in pairs if theirs != ours]  # fmt: skip
    return found + [f"Shopify's totals could not be read for {u}" for u in shopify.unreadable[:10]]
