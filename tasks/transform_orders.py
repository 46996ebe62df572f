"""Flatten Shopify order payloads into typed frames; payloads that cannot be read are set aside, not
dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import pandas as pd
from prefect import task

from schemas.orders import ShopifyFulfillmentLine, ShopifyLineItem, ShopifyOrder
from shoplines.money import MoneyError, to_cents
from tasks.caching import PER_RUN

Payload = dict[str, Any]


@dataclass(frozen=True)
class Rejected:
    """Something received that cannot go on, with the reason in plain words and the payload kept."""

    entity_id: str | None
    entity_name: str | None
    reason: str
    payload: Payload = field(repr=False)


class OrderFrames(NamedTuple):
    orders: pd.DataFrame
    lines: pd.DataFrame
    fulfillment_lines: pd.DataFrame
    rejected: list[Rejected]


def _columns(model: type) -> list[str]:
    return list(model.to_schema().columns)  # type: ignore[attr-defined]


def _timestamp(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no time zone")
    return moment


def _money(bag: Payload | None, name: str) -> int:
    if bag is None:
        raise ValueError(f"{name} is missing")
    return to_cents(bag["shopMoney"]["amount"])


def _nodes(connection: Payload | list[Any] | None) -> list[Payload]:
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    if "nodes" in connection:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection["edges"]]


def _order_row(o: Payload) -> Payload:
    address = o.get("shippingAddress") or {}
    shipping = _nodes(o.get("shippingLines"))
    return {
        "order_id": o["id"],
        "order_name": o["name"],
        "legacy_id": o["legacyResourceId"],
        "created_at": _timestamp(o["createdAt"], "createdAt"),
        "updated_at": _timestamp(o["updatedAt"], "updatedAt"),
        "processed_at": _timestamp(o["processedAt"], "processedAt"),
        "cancelled_at": _timestamp(o.get("cancelledAt"), "cancelledAt"),
        "test": bool(o["test"]),
        "taxes_included": bool(o["taxesIncluded"]),
        "currency": o["currencyCode"],
        "financial_status": o.get("displayFinancialStatus"),
        "fulfillment_status": o["displayFulfillmentStatus"],
        "gateways": "|".join(o.get("paymentGatewayNames") or []),
        "tags": ",".join(o.get("tags") or []),
        "email": o.get("email"),
        "total_price_cents": _money(o.get("totalPriceSet"), "totalPriceSet"),
        "subtotal_cents": _money(o.get("subtotalPriceSet"), "subtotalPriceSet"),
        "total_tax_cents": _money(o.get("totalTaxSet"), "totalTaxSet"),
        "total_discounts_cents": _money(o.get("totalDiscountsSet"), "totalDiscountsSet"),
        "total_shipping_cents": _money(o.get("totalShippingPriceSet"), "totalShippingPriceSet"),
        "total_refunded_cents": _money(o.get("totalRefundedSet"), "totalRefundedSet"),
        "shipping_method": shipping[0].get("title") if shipping else None,
        **{f"ship_to_{ours}": address.get(theirs) for ours, theirs in ADDRESS_FIELDS.items()},
    }


ADDRESS_FIELDS = {
    "name": "name", "company": "company", "address1": "address1", "address2": "address2", "city": "city",
    "province": "provinceCode", "postal_code": "zip", "country": "countryCodeV2", "phone": "phone",
}  # fmt: skip


def _line_rows(o: Payload) -> list[Payload]:
    rows = []
    for position, item in enumerate(_nodes(o["lineItems"]), start=1):
        rows.append(
            {
                "order_id": o["id"],
                "line_item_id": item["id"],
                "position": position,
                "sku": item.get("sku") or None,
                "name": item["name"],
                "quantity": int(item["quantity"]),
                "current_quantity": int(item["currentQuantity"]),
                "requires_shipping": bool(item["requiresShipping"]),
                "unit_price_cents": _money(item.get("originalUnitPriceSet"), "originalUnitPriceSet"),
                "discount_cents": sum(
                    _money(a.get("allocatedAmountSet"), "allocatedAmountSet")
                    for a in item.get("discountAllocations") or []
                ),
                "discounted_total_cents": _money(item.get("discountedTotalSet"), "discountedTotalSet"),
                "tax_cents": sum(_money(t.get("priceSet"), "priceSet") for t in item.get("taxLines") or []),
            }
        )
    return rows


def _fulfillment_rows(o: Payload) -> list[Payload]:
    rows = []
    for fo in _nodes(o.get("fulfillmentOrders")):
        location = ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")
        for item in _nodes(fo["lineItems"]):
            rows.append(
                {
                    "order_id": o["id"],
                    "fulfillment_order_id": fo["id"],
                    "status": fo["status"],
                    "location_id": location,
                    "line_item_id": item["lineItem"]["id"],
                    "total_quantity": int(item["totalQuantity"]),
                    "remaining_quantity": int(item["remainingQuantity"]),
                }
            )
    return rows


def _is_order_gid(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith("gid://shopify/Order/")
        and value.rsplit("/", 1)[1].isdigit()
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"field {exc.args[0]!r} is missing"
    if isinstance(exc, MoneyError | ValueError):
        return str(exc)
    return f"unreadable payload ({type(exc).__name__}: {exc})"


@task(name="flatten-orders", **PER_RUN)
def flatten_orders(raw: list[Payload]) -> OrderFrames:
    """Orders → frames (orders, line items, fulfilment lines); unreadable orders become `Rejected`."""
    orders, lines, fulfillment, rejected = [], [], [], []
    for o in raw:
        if isinstance(o, dict) and not _is_order_gid(o.get("id")):
            ident = o.get("id")
            rejected.append(Rejected(str(ident) if ident is not None else None, _text_or_none(o.get("name")),
                                     f"id {ident!r} is not a Shopify order gid", o))  # fmt: skip
            continue
        try:
            order_row, line_rows, fo_rows = _order_row(o), _line_rows(o), _fulfillment_rows(o)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ident = o.get("id") if isinstance(o, dict) else None
            name = _text_or_none(o.get("name")) if isinstance(o, dict) else None
            rejected.append(Rejected(ident, name, _reason(exc), o if isinstance(o, dict) else {"raw": o}))
            continue
        orders.append(order_row)
        lines.extend(line_rows)
        fulfillment.extend(fo_rows)
    return OrderFrames(
        pd.DataFrame(orders, columns=_columns(ShopifyOrder)),
        pd.DataFrame(lines, columns=_columns(ShopifyLineItem)),
        pd.DataFrame(fulfillment, columns=_columns(ShopifyFulfillmentLine)),
        rejected,
    )
