"""Build one new order (customer, lines, shipping, discounts, fulfilment orders, payment) from a scenario."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import iso
from sandbox.shopify import catalog
from sandbox.shopify.builders import allocation, fulfillment_order, line_item, shipping_line, transaction
from sandbox.shopify.ids import legacy_id
from sandbox.shopify.money import amount, cents
from sandbox.shopify.movements import Movement
from sandbox.shopify.people import address, customer_record, note, tags
from sandbox.shopify.scenarios import Scenario
from sandbox.shopify.store import Store
from sandbox.shopify.totals import nodes, recompute, recompute_taxes

Order = dict[str, Any]


def new_order(
    store: Store, rng: random.Random, at: datetime, number: int, sc: Scenario
) -> tuple[Order, list[Movement]]:
    """A freshly placed order ``#number`` created at ``at`` (its later history is played separately)."""
    place = rng.choice(catalog.EXPORT_PLACES if sc.export else catalog.SA_PLACES)
    customer = customer_record(store, rng) if rng.random() < 0.9 else None
    shipping_to = address(rng, place, customer)
    gateway = catalog.TEST_GATEWAY if sc.test else rng.choice(catalog.GATEWAYS)
    oid = store.ids.new("Order")
    order: Order = {
        "id": oid,
        "legacyResourceId": legacy_id(oid),
        "name": f"#{number}",
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "processedAt": iso(at),
        "cancelledAt": None,
        "cancelReason": None,
        "closed": False,
        "closedAt": None,
        "test": sc.test,
        "taxesIncluded": True,
        "currencyCode": "ZAR",
        "presentmentCurrencyCode": "ZAR",
        "email": (customer or {}).get("email") or f"guest{number}@example.co.za",
        "phone": (customer or {}).get("phone"),
        "note": note(rng),
        "tags": tags(rng, sc),
        "sourceName": "web",
        "paymentGatewayNames": [gateway],
        "discountCodes": [],
        "customer": customer,
        "shippingAddress": shipping_to,
        "billingAddress": dict(shipping_to),
        "lineItems": {"nodes": _lines(store, rng, sc)},
        "shippingLines": {"nodes": []},
        "fulfillmentOrders": {"nodes": []},
        "fulfillments": [],
        "refunds": [],
        "transactions": [],
    }
    _shipping_and_discounts(store, rng, order, sc)
    movements = _fulfillment_orders(store, rng, order, at)
    recompute_taxes(order)
    recompute(order)
    _pay(store, order, sc, gateway, at)
    recompute(order)
    return order, movements


def _lines(store: Store, rng: random.Random, sc: Scenario) -> list[dict[str, Any]]:
    variants = list(store.variants.values())
    physical = [v for v in variants if v.get("requiresShipping")]
    digital = [v for v in variants if not v.get("requiresShipping")]
    chosen = rng.sample(digital, 1) if sc.digital_only else rng.sample(physical, rng.randint(1, 4))
    if not sc.digital_only and rng.random() < 0.08:
        chosen.append(rng.choice(digital))
    return [
        line_item(
            store.ids,
            v,
            store.products[v["product"]["id"]],
            1 if not v["requiresShipping"] else rng.randint(1, 3),
        )
        for v in chosen
    ]


def _shipping_and_discounts(store: Store, rng: random.Random, order: Order, sc: Scenario) -> None:
    lines = nodes(order["lineItems"])
    if sc.discount in ("percent", "both"):
        code, rate = rng.choice(catalog.PERCENT_CODES)
        order["discountCodes"].append(code)
        for line in lines:
            gross = amount(line["originalUnitPriceSet"]) * int(line["quantity"])
            line["discountAllocations"] = [allocation(cents(gross * rate), code)]
    if not any(line["requiresShipping"] for line in lines):
        return
    title, code, price = catalog.EXPORT_SHIPPING if sc.export else rng.choice(catalog.DOMESTIC_SHIPPING)
    free = sc.discount in ("freeship", "both") and not sc.export
    if free:
        order["discountCodes"].append(catalog.FREE_SHIPPING_CODE)
    discount = Decimal(price) if free else Decimal(0)
    order["shippingLines"]["nodes"].append(shipping_line(store.ids, title, code, price, discount))


def _fulfillment_orders(store: Store, rng: random.Random, order: Order, at: datetime) -> list[Movement]:
    locations = list(store.locations.values())
    groups: dict[str, list[tuple[str, int]]] = {}
    for line in nodes(order["lineItems"]):
        if not line["requiresShipping"]:
            continue
        loc = locations[0] if rng.random() < 0.85 or len(locations) == 1 else rng.choice(locations[1:])
        groups.setdefault(loc["id"], []).append((line["id"], int(line["quantity"])))
    if any(gid != locations[0]["id"] for gid in groups) and rng.random() < 0.5:
        order["sourceName"] = "pos"
    for gid, items in groups.items():
        fo = fulfillment_order(store.ids, at, (gid, store.locations[gid]["name"]), items)
        order["fulfillmentOrders"]["nodes"].append(fo)
    return [Movement(line_id, gid, "commit", q) for gid, items in groups.items() for line_id, q in items]


def _pay(store: Store, order: Order, sc: Scenario, gateway: str, at: datetime) -> None:
    due = amount(order["totalPriceSet"])
    txs = order["transactions"]
    if sc.payment == "pending":
        txs.append(transaction(store.ids, "SALE", gateway, due, at, status="PENDING", test=sc.test))
    elif sc.payment == "paid":
        txs.append(transaction(store.ids, "SALE", gateway, due, at, test=sc.test))
    else:
        auth = transaction(store.ids, "AUTHORIZATION", gateway, due, at, test=sc.test)
        txs.append(auth)
        if sc.payment == "captured":
            txs.append(transaction(store.ids, "CAPTURE", gateway, due, at, parent=auth["id"], test=sc.test))
