"""The independent check: Shopify's own order-level totals for the month (a query of their own,
`ORDER_TOTALS_PAGE`) added up here, against what the pack's line-level sheets add up to, to the cent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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


Counted = tuple[int, ...]  # orders, tests, gross, discounts, shipping, VAT, total, refunds, refunded


def _order(o: dict[str, Any], period: Period, currency: str) -> Counted:
    """What one order adds to the sales side: nothing outside the month, a test, or its totals."""
    moment = rd.timestamp(o.get("processedAt"), "processedAt")
    if moment is None or not period.contains(moment):
        return ()
    if rd.flag(o.get("test"), "test"):
        return (0, 1)
    cents = {
        name: rd.money(o.get(f"{name}Set"), f"{name}Set")
        for name in ("totalPrice", "totalTax", "totalDiscounts", "totalShippingPrice")
    }
    if {c for _, c in cents.values()} != {currency}:
        raise ValueError(f"not in {currency}")
    total, vat, discounts, shipping = (cents[n][0] for n in cents)
    gross = total + discounts - shipping - (0 if o.get("taxesIncluded", True) else vat)
    return (1, 0, gross, discounts, shipping, vat, total)


def _refunds(o: dict[str, Any], period: Period) -> Counted:
    """What one order adds to the refund side: its refunds created in the month."""
    if o.get("test") is True:
        return ()
    count = cents = 0
    for refund in o.get("refunds") or []:
        created = rd.timestamp(refund.get("createdAt"), "createdAt")
        if created is not None and period.contains(created):
            cents += rd.money(refund.get("totalRefundedSet"), "totalRefundedSet")[0]
            count += 1
    return (0, 0, 0, 0, 0, 0, 0, count, cents) if count else ()


class _Adder:
    """Adds each order once, its newest copy (paging by a changing field can meet an order twice); only
    orders that add something are remembered, as a few integers."""

    def __init__(self) -> None:
        self.sums = [0] * 9
        self.kept: dict[str, tuple[str, Counted]] = {}
        self.unreadable: list[str] = []

    def add(self, o: dict[str, Any], count: Callable[[dict[str, Any]], Counted]) -> None:
        ident, updated = str(o.get("id")), str(o.get("updatedAt"))
        known = self.kept.get(ident)
        if known is not None and known[0] > updated:
            return
        try:
            found = count(o)
        except ValueError as exc:
            self.unreadable.append(f"{o.get('name')}: {exc}")
            return
        for i, v in enumerate(known[1] if known else ()):
            self.sums[i] -= v
        for i, v in enumerate(found):
            self.sums[i] += v
        if found:
            self.kept[ident] = (updated, found)
        else:
            self.kept.pop(ident, None)


def shopify_totals(
    sales: Iterable[Page], changed: Iterable[Page], period: Period, currency: str
) -> ShopifyTotals:
    """Add up `sales` (orders processed in the month) and the refunds created in it found on `changed`."""
    sold, refunded = _Adder(), _Adder()
    for page in sales:
        for o in page:
            sold.add(o, lambda x: _order(x, period, currency))
    for page in changed:
        for o in page:
            refunded.add(o, lambda x: _refunds(x, period))
    s, r = sold.sums, refunded.sums
    return ShopifyTotals(
        s[0], s[1], s[2], s[3], s[4], s[5], s[6], r[7], r[8], sold.unreadable + refunded.unreadable
    )


def compare(shopify: ShopifyTotals, pack: Totals, label: str) -> list[str]:
    """Where the pack's sums differ from Shopify's own totals (empty: they agree to the cent)."""
    pairs: list[tuple[str, int, int, Callable[[int], str]]] = [
        ("orders", shopify.orders, pack.orders, str),
        ("test orders", shopify.tests, pack.tests, str),
        ("gross sales", shopify.gross, pack.sales.gross, amount),
        ("discounts", shopify.discounts, pack.sales.discounts, amount),
        ("shipping", shopify.shipping, pack.sales.shipping, amount),
        ("VAT", shopify.vat, pack.sales.vat, amount),
        ("order total", shopify.total, pack.sales.total, amount),
        ("refunds", shopify.refunds, pack.refunds.count, str),
        ("money refunded", shopify.refunded, pack.paid, amount),
    ]
    found = [
        f"Shopify's {what} for {label} is {show(theirs)}, the pack's is {show(ours)}"
        for what, theirs, ours, show in pairs
        if theirs != ours
    ]
    return found + [f"Shopify's totals could not be read for {u}" for u in shopify.unreadable[:10]]
