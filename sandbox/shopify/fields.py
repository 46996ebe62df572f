"""Resolvers of object fields: nested connections, short lists, references to stored objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.access import RequestContext
from sandbox.shopify.connections import paginate
from sandbox.shopify.filters import compile_simple
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.inventory import QUANTITY_NAMES, level_id
from sandbox.shopify.money import MoneyBag, amount, bag, total
from sandbox.shopify.totals import nodes

Node = dict[str, Any]
Resolver = Callable[..., Any]


def connection(key: str) -> Resolver:
    """A nested connection over a stored ``{"nodes": [...]}`` (kept in stored order)."""

    def resolve(parent: Node, _: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        return paginate(nodes(parent.get(key)), args)

    resolve.stored_key = key  # type: ignore[attr-defined]  # bulk reads the stored nodes directly
    return resolve


def short_list(key: str) -> Resolver:
    """A plain list field with an optional ``first`` (e.g. ``Order.refunds(first:)``)."""

    def resolve(parent: Node, _: GraphQLResolveInfo, **args: Any) -> list[Any]:
        items = list(parent.get(key) or [])
        first = args.get("first")
        return items if first is None else items[: max(0, first)]

    return resolve


def reference(key: str) -> Resolver:
    """A reference stored as ``{"id": ...}``: answered with the full stored object when there is one."""

    def resolve(parent: Node, info: GraphQLResolveInfo) -> Node | None:
        ref = parent.get(key)
        if not isinstance(ref, dict) or not ref.get("id"):
            return ref if isinstance(ref, dict) else None
        context: RequestContext = info.context
        return context.store.find(ref["id"]) or ref

    return resolve


def owner(parent: Node, info: GraphQLResolveInfo) -> Node | None:
    """The order a refund, fulfilment or fulfilment order belongs to."""
    context: RequestContext = info.context
    return context.store.owner_of(parent["id"])


def order_id(parent: Node, info: GraphQLResolveInfo) -> str | None:
    """``FulfillmentOrder.orderId``."""
    found = owner(parent, info)
    return found["id"] if found else None


def order_name(parent: Node, info: GraphQLResolveInfo) -> str | None:
    """``FulfillmentOrder.orderName``."""
    found = owner(parent, info)
    return found["name"] if found else None


def discounted_total(parent: Node, _: GraphQLResolveInfo, withCodeDiscounts: bool = False) -> MoneyBag:
    """``LineItem.discountedTotalSet(withCodeDiscounts:)``: as on Shopify, discount-code allocations are
    left out by default (changelog "lineItem.discountedTotalSet can optionally include code based
    discounts", 2024-04)."""
    stored: MoneyBag = parent["discountedTotalSet"]
    if withCodeDiscounts:
        return stored
    codes = [
        a for a in parent.get("discountAllocations") or [] if (a.get("discountApplication") or {}).get("code")
    ]
    if not codes:
        return stored
    return bag(amount(stored) + total(a["allocatedAmountSet"] for a in codes))


def quantities(parent: Node, _: GraphQLResolveInfo, names: list[str]) -> list[dict[str, Any]]:
    """``InventoryLevel.quantities(names:)``."""
    unknown = [n for n in names if n not in QUANTITY_NAMES]
    if unknown:
        # Shopify's wording for an unknown quantity name is unconfirmed.
        raise GraphQLError(
            f"Invalid quantity names: {', '.join(unknown)}. Valid names: {', '.join(QUANTITY_NAMES)}"
        )
    base = parent["id"].replace("InventoryLevel", "InventoryQuantity")
    return [
        {
            "id": f"{base}&name={n}",
            "name": n,
            "quantity": parent["quantities"][n],
            "updatedAt": (parent.get("quantityUpdatedAt") or {}).get(n, parent["updatedAt"]),
        }
        for n in names
    ]


def _levels(by: str, other: str) -> Resolver:
    """``inventoryLevels`` of a location (``by`` = "location") or an item, ordered by the other side's id
    so cursors stay put while levels change between pages."""

    def resolve(parent: Node, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        context: RequestContext = info.context
        compiled = compile_simple(args.get("query"), context.store.shop["ianaTimezone"])
        found = [
            lvl
            for lvl in context.store.inventory.levels()
            if lvl[by]["id"] == parent["id"] and compiled.predicate(lvl)
        ]
        return paginate(found, args, lambda lvl: (1, (parse_gid(lvl[other]["id"]) or ("", 0))[1]))

    return resolve


def _level_of_item(parent: Node, info: GraphQLResolveInfo, locationId: str) -> Node | None:
    context: RequestContext = info.context
    return context.store.inventory.get(parent["id"], locationId)


def _level_at_location(parent: Node, info: GraphQLResolveInfo, inventoryItemId: str) -> Node | None:
    context: RequestContext = info.context
    return context.store.find(level_id(parent["id"], inventoryItemId))


def _discount_code(parent: Node, _: GraphQLResolveInfo) -> str | None:
    codes = parent.get("discountCodes") or []
    return codes[0] if codes else None


def _location_address(parent: Node, _: GraphQLResolveInfo) -> Node:
    return parent.get("address") or {}


FIELD_RESOLVERS: dict[str, dict[str, Resolver]] = {
    "Order": {
        "lineItems": connection("lineItems"),
        "shippingLines": connection("shippingLines"),
        "fulfillmentOrders": connection("fulfillmentOrders"),
        "fulfillments": short_list("fulfillments"),
        "refunds": short_list("refunds"),
        "transactions": short_list("transactions"),
        "discountCode": _discount_code,
    },
    "LineItem": {
        "discountedTotalSet": discounted_total,
        "variant": reference("variant"),
        "product": reference("product"),
        "taxLines": short_list("taxLines"),
    },
    "Refund": {
        "refundLineItems": connection("refundLineItems"),
        "refundShippingLines": connection("refundShippingLines"),
        "transactions": connection("transactions"),
        "order": owner,
    },
    "RefundLineItem": {"lineItem": reference("lineItem"), "location": reference("location")},
    "RefundShippingLine": {"shippingLine": reference("shippingLine")},
    "OrderTransaction": {"parentTransaction": reference("parentTransaction")},
    "Fulfillment": {
        "fulfillmentLineItems": connection("fulfillmentLineItems"),
        "location": reference("location"),
        "trackingInfo": short_list("trackingInfo"),
        "order": owner,
    },
    "FulfillmentLineItem": {"lineItem": reference("lineItem")},
    "FulfillmentOrder": {"lineItems": connection("lineItems"), "orderId": order_id, "orderName": order_name},
    "FulfillmentOrderAssignedLocation": {"location": reference("location")},
    "FulfillmentOrderLineItem": {"lineItem": reference("lineItem")},
    "ProductVariant": {"product": reference("product"), "inventoryItem": reference("inventoryItem")},
    "InventoryItem": {
        "variant": reference("variant"),
        "inventoryLevels": _levels("item", "location"),
        "inventoryLevel": _level_of_item,
    },
    "InventoryLevel": {
        "item": reference("item"),
        "location": reference("location"),
        "quantities": quantities,
    },
    "Location": {
        "inventoryLevels": _levels("location", "item"),
        "inventoryLevel": _level_at_location,
        "address": _location_address,
    },
}
