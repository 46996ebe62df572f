"""One Shopify order (`ORDERS_PAGE` shape) read for month-end: its Orders row, its Line items rows (products
and shipping) and its figures per VAT class; anything unreadable is a ValueError naming the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tasks import received as rd
from tasks.pack_cells import amount, free_text, safe, stamp
from tasks.pack_figures import Amounts, Figures, add_figures, total_of, vat_class
from tasks.pack_period import Period

Payload = dict[str, Any]


@dataclass(frozen=True)
class PackOrder:
    """What month-end needs of one order; `line_classes` maps each line gid to (kind, VAT class, SKU) and
    `shipping_class` is the order's shipping VAT class, for its refunds."""

    order_id: str
    name: str
    processed_at: datetime
    updated_at: datetime
    test: bool
    gateway: str
    taxes_included: bool
    figures: Figures
    order_row: list[str]
    line_rows: list[list[str]]
    line_classes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # gid -> kind, class, sku
    shipping_class: str = "zero-rated"


def _tax(tax_lines: object, what: str) -> tuple[int, Decimal]:
    cents, rate = 0, Decimal(0)
    for t in tax_lines if isinstance(tax_lines, list) else []:
        cents += rd.money(t.get("priceSet"), f"{what} tax")[0]
        try:
            rate += Decimal(str(t.get("rate")))
        except InvalidOperation:
            raise ValueError(f"{what} has a tax line without a readable rate") from None
    return cents, rate


def _line(
    item: Payload, order: Payload, export: bool
) -> tuple[list[str], str, Amounts, tuple[str, str, str]]:
    name = str(rd.text(item.get("name"), "line name"))
    quantity = rd.integer(item.get("quantity"), "quantity")
    unit = rd.money(item.get("originalUnitPriceSet"), "originalUnitPriceSet")[0]
    net = rd.money(item.get("discountedTotalSet"), "discountedTotalSet")[0]
    allocated = sum(
        rd.money(a.get("allocatedAmountSet"), "allocatedAmountSet")[0]
        for a in item.get("discountAllocations") or []
    )
    if unit * quantity - net != allocated:
        raise ValueError(f"line {name!r}: discounts of {amount(allocated)} do not explain its total")
    vat, rate = _tax(item.get("taxLines"), f"line {name!r}")
    gift = rd.flag(item.get("isGiftCard"), "isGiftCard")
    kind, cls = ("gift card" if gift else "product"), vat_class(rate, gift_card=gift, export=export)
    total = net + (0 if order["taxesIncluded"] else vat)
    money = Amounts(unit * quantity, allocated, 0, vat, total)
    row = [
        safe(item.get("sku") or ""),
        safe(name),
        str(quantity),
        amount(unit),
        amount(money.gross),
        amount(money.discounts),
        amount(0),
        cls,
        amount(vat),
        amount(total),
    ]
    return [kind, *row], cls, money, (kind, cls, str(item.get("sku") or ""))


def _shipping(ship: Payload, order: Payload, export: bool, usual: str) -> tuple[list[str], str, Amounts]:
    title = str(rd.text(ship.get("title"), "shipping title"))
    original = rd.money(ship.get("originalPriceSet"), "shipping originalPriceSet")[0]
    net = rd.money(ship.get("discountedPriceSet"), "shipping discountedPriceSet")[0]
    vat, rate = _tax(ship.get("taxLines"), f"shipping {title!r}")
    # nothing charged, so no tax line: it follows the order's goods rather than reading as zero-rated
    cls = usual if net == 0 and vat == 0 else vat_class(rate, gift_card=False, export=export)
    total = net + (0 if order["taxesIncluded"] else vat)
    money = Amounts(0, original - net, original, vat, total)
    row = [
        "shipping",
        "",
        safe(title),
        "1",
        amount(original),
        amount(0),
        amount(money.discounts),
        amount(original),
        cls,
        amount(vat),
        amount(total),
    ]
    return row, cls, money


@dataclass
class _Parts:
    """An order's rows and figures while it is read."""

    country: str
    export: bool
    figures: Figures = field(default_factory=dict)
    rows: list[list[str]] = field(default_factory=list)
    classes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    shipping_class: str = ""

    def add(self, row: list[str], cls: str, money: Amounts) -> None:
        self.rows.append(row)
        self.figures = add_figures(self.figures, {cls: money})


def read_order(o: Payload, period: Period, shop_country: str, currency: str) -> PackOrder:
    """One order for the pack; raises ValueError (a plain reason) when any part cannot be read."""
    name = str(rd.text(o.get("name"), "name"))
    if o.get("currencyCode") != currency:
        raise ValueError(f"currency is {rd.show(o.get('currencyCode'))}, the shop's is {currency}")
    rd.flag(o.get("taxesIncluded"), "taxesIncluded")
    given = o.get("shippingAddress")
    address = given if isinstance(given, dict) else {}
    country = str(address.get("countryCodeV2") or "")
    parts = _Parts(country, bool(country) and country != shop_country)
    parts.shipping_class = vat_class(Decimal(0), gift_card=False, export=parts.export)
    for item in rd.nodes(o.get("lineItems"), "lineItems"):
        row, cls, money, kind = _line(item, o, parts.export)
        parts.add([name, *row], cls, money)
        parts.classes[str(rd.text(item.get("id"), "line id"))] = kind
    for ship in rd.nodes(o.get("shippingLines"), "shippingLines"):
        usual = next((c for k, c, _ in parts.classes.values() if k == "product"), parts.shipping_class)
        row, parts.shipping_class, money = _shipping(ship, o, parts.export, usual)
        parts.add([name, *row], parts.shipping_class, money)
        parts.classes[f"shipping:{row[2]}"] = ("shipping", parts.shipping_class, "")
    return _assemble(o, name, period, parts)


def _assemble(o: Payload, name: str, period: Period, parts: _Parts) -> PackOrder:
    processed = rd.timestamp(o.get("processedAt"), "processedAt")
    updated = rd.timestamp(o.get("updatedAt"), "updatedAt")
    cancelled = rd.timestamp(o.get("cancelledAt"), "cancelledAt", nullable=True)
    assert processed is not None
    assert updated is not None
    gateways = o.get("paymentGatewayNames") or []
    gateway = str(gateways[0]) if gateways else "(none)"
    money = total_of(parts.figures.values())
    products = sum(1 for row in parts.rows if row[1] != "shipping")
    row = [
        safe(name),
        safe(rd.text(str(o.get("legacyResourceId")), "legacyResourceId")),
        stamp(processed, period.timezone),
        safe(gateway),
        safe(parts.country),
        stamp(cancelled if cancelled is not None and cancelled < period.end else None, period.timezone),
        free_text(", ".join(str(t) for t in o.get("tags") or [])),
        str(products),
        *(amount(v) for v in money),
    ]
    return PackOrder(
        str(rd.text(o.get("id"), "id")),
        name,
        processed,
        updated,
        rd.flag(o.get("test"), "test"),
        gateway,
        bool(o["taxesIncluded"]),
        parts.figures,
        row,
        parts.rows,
        parts.classes,
        parts.shipping_class,
    )
