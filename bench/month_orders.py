"""A synthetic month of orders for the month-end benchmark, made a page at a time from a seed (the same pages
every time) in Shopify's GraphQL shape: products with 15% VAT, discounts, shipping, exports, gift cards, test
orders, and a refund on about one order in twelve, created later in the month."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from shoplines.money import format_cents

Order = dict[str, Any]
PAGE = 250
GATEWAYS = ("PayFast", "Yoco", "Peach Payments", "Ozow")
PRICES = (5995, 14900, 34900, 59900, 129900)


def bag(cents: int) -> dict[str, Any]:
    return {"shopMoney": {"amount": format_cents(cents), "currencyCode": "ZAR"}}


def vat_of(gross: int) -> int:
    return (gross * 15 + 57) // 115  # VAT inside a VAT-inclusive price, rounded half up


def _line(rng: random.Random, number: int, index: int, export: bool) -> tuple[Order, int, int, int]:
    gift = rng.random() < 0.02
    unit, quantity = (50000, 1) if gift else (rng.choice(PRICES), rng.randint(1, 3))
    discount = (unit * quantity) // 10 if rng.random() < 0.2 and not gift else 0
    net = unit * quantity - discount
    vat = 0 if gift or export else vat_of(net)
    line = {
        "id": f"gid://shopify/LineItem/{number}{index:02d}",
        "sku": f"SKU-{unit}",
        "name": f"Product {unit}",
        "quantity": quantity,
        "isGiftCard": gift,
        "originalUnitPriceSet": bag(unit),
        "discountedTotalSet": bag(net),
        "discountAllocations": [{"allocatedAmountSet": bag(discount)}] if discount else [],
        "taxLines": [{"rate": 0.15, "priceSet": bag(vat)}] if vat else [],
    }
    return line, unit * quantity, discount, vat


def order(rng: random.Random, number: int, at: datetime) -> Order:
    """One order processed at `at`, its totals consistent with its lines (as Shopify's are)."""
    export = rng.random() < 0.05
    made = [_line(rng, number, i, export) for i in range(rng.randint(1, 4))]
    ship = rng.choice((0, 6500, 10900))
    ship_vat = 0 if export or not ship else vat_of(ship)
    gross, discounts, vat = sum(m[1] for m in made), sum(m[2] for m in made), sum(m[3] for m in made)
    total = gross - discounts + ship
    return {
        "id": f"gid://shopify/Order/{number}",
        "legacyResourceId": str(number),
        "name": f"#{number}",
        "processedAt": f"{at:%Y-%m-%dT%H:%M:%SZ}",
        "updatedAt": f"{at + timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}",
        "cancelledAt": None,
        "test": rng.random() < 0.01,
        "taxesIncluded": True,
        "currencyCode": "ZAR",
        "paymentGatewayNames": [rng.choice(GATEWAYS)],
        "tags": ["bench"] if rng.random() < 0.1 else [],
        "shippingAddress": {"countryCodeV2": "NA" if export else "ZA"},
        "lineItems": {"nodes": [m[0] for m in made]},
        "shippingLines": {
            "nodes": [
                {
                    "title": "Courier",
                    "originalPriceSet": bag(ship),
                    "discountedPriceSet": bag(ship),
                    "taxLines": [{"rate": 0.15, "priceSet": bag(ship_vat)}] if ship_vat else [],
                }
            ]
        },
        "totalPriceSet": bag(total),
        "totalTaxSet": bag(vat + ship_vat),
        "totalDiscountsSet": bag(discounts),
        "totalShippingPriceSet": bag(ship),
        "subtotalPriceSet": bag(gross - discounts),
        "refunds": [],
    }


def refund(rng: random.Random, o: Order, at: datetime) -> Order:
    """The money side of `o` with one refund of its first line's first unit, created at `at`."""
    line = o["lineItems"]["nodes"][0]
    net = int(line["discountedTotalSet"]["shopMoney"]["amount"].replace(".", "")) // line["quantity"]
    tax = vat_of(net) if line["taxLines"] else 0
    number, gateway, when = o["legacyResourceId"], o["paymentGatewayNames"][0], f"{at:%Y-%m-%dT%H:%M:%SZ}"
    sale = {
        "id": f"gid://shopify/OrderTransaction/{number}1",
        "kind": "SALE",
        "status": "SUCCESS",
        "gateway": gateway,
        "amountSet": o["totalPriceSet"],
        "createdAt": o["processedAt"],
        "processedAt": o["processedAt"],
        "test": o["test"],
        "parentTransaction": None,
    }
    back = dict(
        sale,
        id=f"gid://shopify/OrderTransaction/{number}2",
        kind="REFUND",
        amountSet=bag(net),
        createdAt=when,
        processedAt=when,
        parentTransaction={"id": sale["id"]},
    )
    item = {
        "id": f"gid://shopify/RefundLineItem/{number}",
        "quantity": 1,
        "restockType": "NO_RESTOCK",
        "restocked": False,
        "lineItem": {"id": line["id"], "sku": line["sku"], "quantity": line["quantity"]},
        "location": None,
        "priceSet": bag(net),
        "subtotalSet": bag(net),
        "totalTaxSet": bag(tax),
    }
    made = {
        "id": f"gid://shopify/Refund/{number}",
        "legacyResourceId": number,
        "createdAt": when,
        "updatedAt": when,
        "note": rng.choice(["Damaged", "=1+2"]),
        "totalRefundedSet": bag(net),
        "refundLineItems": {"nodes": [item]},
        "refundShippingLines": {"nodes": []},
        "transactions": {"nodes": [back]},
    }
    o["refunds"] = [made]
    o["updatedAt"] = when
    return {
        "id": o["id"],
        "name": o["name"],
        "updatedAt": when,
        "currencyCode": "ZAR",
        "refunds": [made],
        "transactions": [sale, back],
    }


def month_pages(
    seed: int, count: int, start: datetime, end: datetime
) -> Iterator[tuple[list[Order], list[Order]]]:
    """(orders page, money page) pairs: `count` orders in processedAt order over [start, end)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    step = (end - start) / count
    orders: list[Order] = []
    money: list[Order] = []
    for n in range(count):
        at = start + step * n
        o = order(rng, 100_000_000 + n, at.replace(microsecond=0))
        if rng.random() < 1 / 12 and not o["test"]:
            money.append(
                refund(rng, o, min(at + timedelta(days=2), end - timedelta(seconds=1)).replace(microsecond=0))
            )
        orders.append(o)
        if len(orders) == PAGE:
            yield orders, money
            orders, money = [], []
    if orders:
        yield orders, money
