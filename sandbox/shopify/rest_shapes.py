"""The stored (GraphQL-shaped) objects in the REST Admin API's JSON shapes.

REST differs from GraphQL in ways clients notice: numeric ``id`` plus ``admin_graphql_api_id``, snake_case
keys, lower-case enums (``"partially_refunded"``), money as a plain string next to a ``*_set`` bag with
``shop_money``/``presentment_money``, timestamps in the shop's offset (``2026-10-04T09:37:23+02:00``),
``tags`` as one comma-separated string, ``refunds`` nested in the order with ``refund_line_items`` and
``transactions``. Facts: ``shared/reference/shopify-admin-api.md`` §8 and the REST order resource.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.clock import parse_instant
from sandbox.shopify.statuses import nodes
from sandbox.shopify.store import Store

Json = dict[str, Any]
_ZERO = {"shopMoney": {"amount": "0.00", "currencyCode": "ZAR"}}


def numeric(gid: str | None) -> int | None:
    """``gid://shopify/Order/123`` → ``123`` (``None`` stays ``None``)."""
    if not gid:
        return None
    return int(gid.rsplit("/", 1)[-1].split("?", 1)[0])


def _ref_id(ref: Json | None) -> int | None:
    return numeric((ref or {}).get("id"))


class Shaper:
    """Converts one store's objects; timestamps are rendered in the shop's IANA time zone."""

    def __init__(self, store: Store) -> None:
        """Bind to ``store`` (its ``shop.ianaTimezone`` and ``currencyCode``)."""
        self.store = store
        self.zone = ZoneInfo(str(store.shop.get("ianaTimezone") or "UTC"))
        self.currency = str(store.shop.get("currencyCode") or "ZAR")

    def time(self, value: str | None) -> str | None:
        """A stored UTC instant in the shop's offset, as REST payloads carry it."""
        if value is None:
            return None
        return parse_instant(value).astimezone(self.zone).isoformat()

    def local(self, instant: datetime) -> str:
        """An aware datetime in the shop's offset."""
        return instant.astimezone(self.zone).isoformat()

    @staticmethod
    def amount(money_bag: Json | None) -> str:
        """The shop-money amount of a bag as a string (``"0.00"`` when absent)."""
        return str(((money_bag or _ZERO).get("shopMoney") or {}).get("amount", "0.00"))

    @staticmethod
    def money_set(money_bag: Json | None) -> Json:
        """``{"shop_money": {"amount", "currency_code"}, "presentment_money": {...}}``."""
        bag = money_bag or _ZERO
        shop = bag.get("shopMoney") or _ZERO["shopMoney"]
        shown = bag.get("presentmentMoney") or shop
        return {
            "shop_money": {"amount": shop["amount"], "currency_code": shop["currencyCode"]},
            "presentment_money": {"amount": shown["amount"], "currency_code": shown["currencyCode"]},
        }

    def _tax_lines(self, lines: list[Json] | None) -> list[Json]:
        return [
            {
                "title": t.get("title") or "VAT",
                "rate": t.get("rate"),
                "price": self.amount(t.get("priceSet")),
                "price_set": self.money_set(t.get("priceSet")),
                "channel_liable": False,
            }
            for t in lines or []
        ]

    def _allocations(self, allocations: list[Json] | None) -> list[Json]:
        return [
            {
                "amount": self.amount(a.get("allocatedAmountSet")),
                "amount_set": self.money_set(a.get("allocatedAmountSet")),
                "discount_application_index": index,
            }
            for index, a in enumerate(allocations or [])
        ]

    @staticmethod
    def address(value: Json | None) -> Json | None:
        """A mailing address in REST keys (``country_code``, ``province_code``)."""
        if value is None:
            return None
        keys = ("first_name", "last_name", "name", "company", "address1", "address2", "city", "province")
        camel = ("firstName", "lastName", "name", "company", "address1", "address2", "city", "province")
        out = {key: value.get(source) for key, source in zip(keys, camel, strict=True)}
        out.update(
            zip=value.get("zip"),
            country=value.get("country"),
            country_code=value.get("countryCodeV2") or value.get("countryCode"),
            province_code=value.get("provinceCode"),
            phone=value.get("phone"),
            latitude=value.get("latitude"),
            longitude=value.get("longitude"),
        )
        return out

    def line_item(self, line: Json) -> Json:
        """An order line (``line_items[]``)."""
        unit = line.get("originalUnitPriceSet")
        return {
            "id": numeric(line["id"]),
            "admin_graphql_api_id": line["id"],
            "name": line.get("name"),
            "title": line.get("title") or line.get("name"),
            "variant_title": line.get("variantTitle"),
            "sku": line.get("sku"),
            "vendor": line.get("vendor"),
            "quantity": line.get("quantity"),
            "current_quantity": line.get("currentQuantity", line.get("quantity")),
            "fulfillable_quantity": line.get("unfulfilledQuantity", 0),
            "requires_shipping": line.get("requiresShipping", True),
            "taxable": line.get("taxable", True),
            "gift_card": line.get("isGiftCard", False),
            "price": self.amount(unit),
            "price_set": self.money_set(unit),
            "total_discount": self.amount(line.get("totalDiscountSet")),
            "total_discount_set": self.money_set(line.get("totalDiscountSet")),
            "discount_allocations": self._allocations(line.get("discountAllocations")),
            "tax_lines": self._tax_lines(line.get("taxLines")),
            "variant_id": _ref_id(line.get("variant")),
            "product_id": _ref_id(line.get("product")),
            "product_exists": line.get("product") is not None,
            "fulfillment_service": "manual",
            "properties": [],
            "duties": [],
        }

    def shipping_line(self, line: Json) -> Json:
        """A shipping line (``shipping_lines[]``)."""
        return {
            "id": numeric(line.get("id")),
            "title": line.get("title"),
            "code": line.get("code"),
            "source": line.get("source"),
            "carrier_identifier": line.get("carrierIdentifier"),
            "price": self.amount(line.get("originalPriceSet")),
            "price_set": self.money_set(line.get("originalPriceSet")),
            "discounted_price": self.amount(line.get("discountedPriceSet") or line.get("originalPriceSet")),
            "discounted_price_set": self.money_set(
                line.get("discountedPriceSet") or line.get("originalPriceSet")
            ),
            "discount_allocations": self._allocations(line.get("discountAllocations")),
            "tax_lines": self._tax_lines(line.get("taxLines")),
        }

    def transaction(self, txn: Json, order_id: int | None) -> Json:
        """An order transaction (in ``refunds[].transactions``)."""
        return {
            "id": numeric(txn["id"]),
            "admin_graphql_api_id": txn["id"],
            "order_id": order_id,
            "kind": str(txn.get("kind", "")).lower(),
            "status": str(txn.get("status", "")).lower(),
            "gateway": txn.get("gateway"),
            "amount": self.amount(txn.get("amountSet")),
            "currency": ((txn.get("amountSet") or _ZERO)["shopMoney"]).get("currencyCode", self.currency),
            "created_at": self.time(txn.get("createdAt")),
            "processed_at": self.time(txn.get("processedAt")),
            "parent_id": _ref_id(txn.get("parentTransaction")),
            "test": txn.get("test", False),
            "authorization": txn.get("authorizationCode"),
            "error_code": txn.get("errorCode"),
            "source_name": "web",
            "message": None,
            "user_id": None,
            "location_id": None,
            "device_id": None,
            "receipt": {},
        }

    def refund(self, refund: Json, order: Json, lines: dict[str, Json]) -> Json:
        """A refund as nested in an order (``refunds[]``), with its lines and transactions."""
        order_id = numeric(order["id"])
        refund_lines = []
        for item in nodes(refund.get("refundLineItems")):
            line_gid = (item.get("lineItem") or {}).get("id")
            refund_lines.append(
                {
                    "id": numeric(item.get("id")),
                    "quantity": item.get("quantity"),
                    "line_item_id": numeric(line_gid),
                    "location_id": _ref_id(item.get("location")),
                    "restock_type": str(item.get("restockType") or "no_restock").lower(),
                    "subtotal": self.amount(item.get("subtotalSet")),
                    "subtotal_set": self.money_set(item.get("subtotalSet")),
                    "total_tax": self.amount(item.get("totalTaxSet")),
                    "total_tax_set": self.money_set(item.get("totalTaxSet")),
                    "line_item": self.line_item(lines[line_gid]) if line_gid in lines else None,
                }
            )
        shipping = [
            {
                "id": numeric(s.get("id")),
                "shipping_line_id": _ref_id(s.get("shippingLine")),
                "subtotal_amount_set": self.money_set(s.get("subtotalAmountSet")),
            }
            for s in nodes(refund.get("refundShippingLines"))
        ]
        return {
            "id": numeric(refund["id"]),
            "admin_graphql_api_id": refund["id"],
            "order_id": order_id,
            "created_at": self.time(refund.get("createdAt")),
            "processed_at": self.time(refund.get("createdAt")),
            "note": refund.get("note"),
            "restock": any(r["restock_type"] != "no_restock" for r in refund_lines),
            "user_id": None,
            "total_duties_set": self.money_set(None),
            "refund_line_items": refund_lines,
            "refund_shipping_lines": shipping,
            "transactions": [self.transaction(t, order_id) for t in nodes(refund.get("transactions"))],
            "order_adjustments": [],
            "duties": [],
        }

    def fulfillment(self, fulfilment: Json, order: Json, lines: dict[str, Json]) -> Json:
        """A fulfilment (``fulfillments[]``) with its line items and tracking."""
        tracking = fulfilment.get("trackingInfo") or []
        items = []
        for entry in nodes(fulfilment.get("fulfillmentLineItems")):
            line = lines.get((entry.get("lineItem") or {}).get("id", ""))
            if line is not None:
                items.append({**self.line_item(line), "quantity": entry.get("quantity")})
        return {
            "id": numeric(fulfilment["id"]),
            "admin_graphql_api_id": fulfilment["id"],
            "order_id": numeric(order["id"]),
            "name": fulfilment.get("name"),
            "status": str(fulfilment.get("status", "")).lower(),
            "created_at": self.time(fulfilment.get("createdAt")),
            "updated_at": self.time(fulfilment.get("updatedAt")),
            "location_id": _ref_id(fulfilment.get("location")),
            "service": "manual",
            "shipment_status": None,
            "tracking_company": tracking[0].get("company") if tracking else None,
            "tracking_number": tracking[0].get("number") if tracking else None,
            "tracking_numbers": [t.get("number") for t in tracking],
            "tracking_url": tracking[0].get("url") if tracking else None,
            "tracking_urls": [t.get("url") for t in tracking if t.get("url")],
            "line_items": items,
        }

    def customer(self, customer: Json | None) -> Json | None:
        """A customer (top-level ``customers.json`` and ``order.customer``)."""
        if customer is None:
            return None
        return {
            "id": numeric(customer["id"]),
            "admin_graphql_api_id": customer["id"],
            "email": customer.get("email"),
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
            "phone": customer.get("phone"),
            "state": "enabled",
            "currency": self.currency,
            "tags": "",
            "verified_email": True,
        }

    def order(self, order: Json) -> Json:
        """One order in the REST shape, refunds, fulfilments and shipping lines nested."""
        lines = {line["id"]: line for line in nodes(order.get("lineItems"))}
        digits = str(order.get("name") or "").lstrip("#")
        number = int(digits) if digits.isdigit() else None
        sets = {
            "subtotal_price": "subtotalPriceSet",
            "total_price": "totalPriceSet",
            "total_tax": "totalTaxSet",
            "total_discounts": "totalDiscountsSet",
            "current_total_price": "currentTotalPriceSet",
            "total_outstanding": "totalOutstandingSet",
        }
        out: Json = {
            "id": numeric(order["id"]),
            "admin_graphql_api_id": order["id"],
            "name": order.get("name"),
            "order_number": number,
            "number": number - 1000 if number is not None else None,
            "email": order.get("email"),
            "contact_email": order.get("email"),
            "phone": order.get("phone"),
            "created_at": self.time(order.get("createdAt")),
            "updated_at": self.time(order.get("updatedAt")),
            "processed_at": self.time(order.get("processedAt")),
            "cancelled_at": self.time(order.get("cancelledAt")),
            "cancel_reason": (order.get("cancelReason") or "").lower() or None,
            "closed_at": self.time(order.get("closedAt")),
            "confirmed": True,
            "test": order.get("test", False),
            "taxes_included": order.get("taxesIncluded", False),
            "currency": order.get("currencyCode", self.currency),
            "presentment_currency": order.get("presentmentCurrencyCode") or order.get("currencyCode"),
            "note": order.get("note"),
            "tags": ", ".join(order.get("tags") or []),
            "source_name": order.get("sourceName", "web"),
            "payment_gateway_names": list(order.get("paymentGatewayNames") or []),
            "discount_codes": [
                {"code": code, "amount": "0.00", "type": "fixed_amount"}
                for code in order.get("discountCodes") or []
            ],
            "financial_status": (order.get("displayFinancialStatus") or "pending").lower(),
            "fulfillment_status": _fulfillment_status(order.get("displayFulfillmentStatus")),
            "total_line_items_price": str(
                sum(
                    (Decimal(self.amount(line.get("originalTotalSet"))) for line in lines.values()),
                    Decimal(0),
                )
            ),
            "total_shipping_price_set": self.money_set(order.get("totalShippingPriceSet")),
            "customer": self.customer(order.get("customer")),
            "shipping_address": self.address(order.get("shippingAddress")),
            "billing_address": self.address(order.get("billingAddress")),
            "line_items": [self.line_item(line) for line in lines.values()],
            "shipping_lines": [self.shipping_line(s) for s in nodes(order.get("shippingLines"))],
            "fulfillments": [self.fulfillment(f, order, lines) for f in nodes(order.get("fulfillments"))],
            "refunds": [self.refund(r, order, lines) for r in nodes(order.get("refunds"))],
            "tax_lines": [],
            "note_attributes": [],
            "discount_applications": [],
        }
        for key, source in sets.items():
            out[key] = self.amount(order.get(source))
            out[f"{key}_set"] = self.money_set(order.get(source))
        return out

    def product(self, product: Json) -> Json:
        """A product with its variants (``products.json``)."""
        known = self.store.variants
        variants = [known[v["id"]] for v in product.get("variants", []) if v["id"] in known]
        return {
            "id": numeric(product["id"]),
            "admin_graphql_api_id": product["id"],
            "title": product.get("title"),
            "vendor": product.get("vendor"),
            "status": "active",
            "created_at": self.time(product.get("createdAt")),
            "updated_at": self.time(product.get("updatedAt")),
            "variants": [
                {
                    "id": numeric(v["id"]),
                    "admin_graphql_api_id": v["id"],
                    "product_id": numeric(product["id"]),
                    "title": v.get("title"),
                    "sku": v.get("sku"),
                    "price": v.get("price"),
                    "requires_shipping": v.get("requiresShipping", True),
                    "taxable": v.get("taxable", True),
                    "inventory_item_id": _ref_id(v.get("inventoryItem")),
                }
                for v in variants
            ],
        }


def _fulfillment_status(display: str | None) -> str | None:
    """REST's ``fulfillment_status``: ``null`` (unfulfilled), ``partial`` or ``fulfilled``."""
    return {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(display or "")
