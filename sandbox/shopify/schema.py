"""Build the executable schema: SDL from ``schema.graphql``, Shopify scalars, resolvers, scope guards."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, build_schema

from sandbox.shopify import root
from sandbox.shopify.access import install_guards
from sandbox.shopify.bulk_resolvers import (
    resolve_bulk_operation,
    resolve_cancel,
    resolve_current,
    resolve_list,
    resolve_node,
    resolve_run_query,
)
from sandbox.shopify.fields import FIELD_RESOLVERS
from sandbox.shopify.fulfilment_mutations import resolve_fulfillment_create, resolve_tracking_info_update
from sandbox.shopify.inventory_mutations import INVENTORY_RESOLVERS, resolve_inventory_set_quantities

SDL_PATH = Path(__file__).with_name("schema.graphql")

ROOT_RESOLVERS: dict[str, dict[str, Any]] = {
    "QueryRoot": {
        "orders": root.resolve_orders,
        "order": root.resolve_order,
        "ordersCount": root.resolve_orders_count,
        "locations": root.resolve_locations,
        "location": root.lookup("Location"),
        "inventoryItems": root.resolve_inventory_items,
        "inventoryItem": root.lookup("InventoryItem"),
        "inventoryLevel": root.lookup("InventoryLevel"),
        "fulfillmentOrder": root.resolve_fulfillment_order,
        "productVariant": root.lookup("ProductVariant"),
        "currentAppInstallation": root.resolve_installation,
        "shop": lambda _, info: info.context.store.shop,
        "node": resolve_node,
        "bulkOperation": resolve_bulk_operation,
        "currentBulkOperation": resolve_current,
        "bulkOperations": resolve_list,
    },
    "Mutation": {
        "tagsAdd": root.resolve_tags_add,
        "fulfillmentCreate": resolve_fulfillment_create,
        "fulfillmentTrackingInfoUpdate": resolve_tracking_info_update,
        "inventorySetQuantities": resolve_inventory_set_quantities,
        "bulkOperationRunQuery": resolve_run_query,
        "bulkOperationCancel": resolve_cancel,
    },
}


def _serialize_decimal(value: Any) -> str:
    try:
        return str(Decimal(str(value)))
    except InvalidOperation as exc:
        raise GraphQLError(f"Decimal cannot represent {value!r}") from exc


def _parse_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise GraphQLError(f"Invalid Decimal {value!r}") from exc


def _as_text(value: Any) -> str:
    return str(value)


def _configure_scalars(schema: GraphQLSchema) -> None:
    codecs = {
        "Decimal": (_serialize_decimal, _parse_decimal),
        "DateTime": (_as_text, _as_text),
        "UnsignedInt64": (_as_text, _as_text),
        "URL": (_as_text, _as_text),
    }
    for name, (serialize, parse) in codecs.items():
        scalar = schema.get_type(name)
        assert isinstance(scalar, GraphQLScalarType)
        scalar.serialize = serialize  # type: ignore[method-assign]
        scalar.parse_value = parse  # type: ignore[method-assign]


@cache
def shopify_schema() -> GraphQLSchema:
    """The sandbox's Admin API schema (built once; resolvers read the per-request context)."""
    schema = build_schema(SDL_PATH.read_text(encoding="utf-8"))
    _configure_scalars(schema)
    for type_name, resolvers in {**FIELD_RESOLVERS, **INVENTORY_RESOLVERS, **ROOT_RESOLVERS}.items():
        graphql_type = schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType), type_name
        for field_name, resolve in resolvers.items():
            graphql_type.fields[field_name].resolve = resolve
    install_guards(schema)
    return schema
