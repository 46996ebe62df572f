"""Builders for the parts of an order (line items, shipping lines, fulfilment orders, transactions)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import iso
from sandbox.shopify.ids import IdFactory, legacy_id
from sandbox.shopify.money import bag

Node = dict[str, Any]


def line_item(ids: IdFactory, variant: Node, product: Node, quantity: int) -> Node:
    """A new ``LineItem`` for ``quantity`` units of ``variant`` (money fields are derived later)."""
    title = product["title"]
    variant_title = variant.get("title") if variant.get("title") != "Default Title" else None
    return {
        "id": ids.new("LineItem"),
        "name": f"{title} - {variant_title}" if variant_title else title,
        "title": title,
        "variantTitle": variant_title,
        "sku": variant.get("sku"),
        "vendor": product.get("vendor"),
        "quantity": quantity,
        "requiresShipping": bool(variant.get("requiresShipping", True)),
        "taxable": bool(variant.get("taxable", True)),
        "isGiftCard": bool(product.get("isGiftCard", False)),
        "originalUnitPriceSet": bag(variant["price"]),
        "discountAllocations": [],
        "taxLines": [],
        "variant": {"id": variant["id"]},
        "product": {"id": product["id"]},
    }


def shipping_line(
    ids: IdFactory, title: str, code: str, price: Decimal | str, discount: Decimal = Decimal(0)
) -> Node:
    """A ``ShippingLine`` with an optional shipping discount allocation."""
    allocations = [allocation(discount, "FREESHIP")] if discount else []
    return {
        "id": ids.new("ShippingLine"),
        "title": title,
        "code": code,
        "source": "shoplines-rates",
        "carrierIdentifier": None,
        "originalPriceSet": bag(price),
        "discountAllocations": allocations,
        "taxLines": [],
    }


def allocation(value: Decimal, code: str) -> Node:
    """A ``DiscountAllocation`` of ``value`` from the discount code ``code``."""
    return {
        "allocatedAmountSet": bag(value),
        "discountApplication": {"allocationMethod": "ACROSS", "targetType": "LINE_ITEM", "code": code},
    }


def fulfillment_order(
    ids: IdFactory, at: datetime, location: tuple[str, str], items: list[tuple[str, int]]
) -> Node:
    """An OPEN ``FulfillmentOrder`` at ``location`` (gid, name) for ``(line gid, quantity)`` pairs."""
    return {
        "id": ids.new("FulfillmentOrder"),
        "status": "OPEN",
        "requestStatus": "UNSUBMITTED",
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "assignedLocation": {"name": location[1], "location": {"id": location[0], "name": location[1]}},
        "fulfillmentHolds": [],
        "lineItems": {
            "nodes": [
                {
                    "id": ids.new("FulfillmentOrderLineItem"),
                    "totalQuantity": quantity,
                    "remainingQuantity": quantity,
                    "lineItem": {"id": line_id},
                }
                for line_id, quantity in items
            ]
        },
    }


def transaction(
    ids: IdFactory,
    kind: str,
    gateway: str,
    money: Decimal,
    at: datetime,
    *,
    status: str = "SUCCESS",
    parent: str | None = None,
    test: bool = False,
) -> Node:
    """An ``OrderTransaction``."""
    tid = ids.new("OrderTransaction")
    return {
        "id": tid,
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "formattedGateway": gateway,
        "amountSet": bag(money),
        "createdAt": iso(at),
        "processedAt": iso(at) if status == "SUCCESS" else None,
        "test": test,
        "parentTransaction": {"id": parent} if parent else None,
        "authorizationCode": legacy_id(tid)[-6:] if kind == "AUTHORIZATION" else None,
        "errorCode": None,
    }
