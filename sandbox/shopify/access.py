"""Per-request context, access scopes (ACCESS_DENIED) and the 60-day order visibility gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, default_field_resolver

from sandbox.clock import parse_instant
from sandbox.shopify.store import Store

DEFAULT_SCOPES = frozenset(
    {
        "read_orders",
        "read_all_orders",
        "read_inventory",
        "read_locations",
        "read_fulfillments",
        "read_products",
    }
)
ORDER_WINDOW = timedelta(days=60)
_FO_SCOPES = (
    "read_assigned_fulfillment_orders",
    "read_merchant_managed_fulfillment_orders",
    "read_third_party_fulfillment_orders",
    "read_fulfillments",  # sandbox simplification: the default token carries this one
)
# fulfillmentCreate / fulfillmentTrackingInfoUpdate (Shopify's docs for both mutations).
_FO_WRITE_SCOPES = (
    "write_assigned_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "write_third_party_fulfillment_orders",
    "write_fulfillments",  # sandbox simplification, as for reads
)

# (type, field) → scopes any one of which grants access.
FIELD_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("QueryRoot", "orders"): ("read_orders",),
    ("QueryRoot", "order"): ("read_orders",),
    ("QueryRoot", "ordersCount"): ("read_orders",),
    ("QueryRoot", "locations"): ("read_locations",),
    ("QueryRoot", "location"): ("read_locations",),
    ("QueryRoot", "inventoryItems"): ("read_inventory",),
    ("QueryRoot", "inventoryItem"): ("read_inventory",),
    ("QueryRoot", "inventoryLevel"): ("read_inventory",),
    ("QueryRoot", "fulfillmentOrder"): _FO_SCOPES,
    ("QueryRoot", "productVariant"): ("read_products",),
    ("Order", "fulfillmentOrders"): _FO_SCOPES,
    ("LineItem", "variant"): ("read_products",),
    ("LineItem", "product"): ("read_products",),
    ("Location", "inventoryLevels"): ("read_inventory",),
    ("Location", "inventoryLevel"): ("read_inventory",),
    ("Mutation", "tagsAdd"): ("write_orders",),
    ("Mutation", "fulfillmentCreate"): _FO_WRITE_SCOPES,
    ("Mutation", "fulfillmentTrackingInfoUpdate"): _FO_WRITE_SCOPES,
    ("Mutation", "inventorySetQuantities"): ("write_inventory",),
}


@dataclass
class RequestContext:
    """What resolvers need for one request."""

    store: Store
    scopes: frozenset[str]
    now: datetime
    search: list[dict[str, Any]] = field(default_factory=list)  # extensions.search entries
    api_version: str = "2026-01"  # the served version (bulk defaults and limits depend on it)
    base_url: str = ""  # scheme and host the client used (bulk result URLs)
    bulk: Any = None  # the sandbox's BulkBook
    bulk_fault: Any = None  # a bulk_fail / bulk_stuck FaultRule that fired on this request

    def has(self, scope: str) -> bool:
        """Whether the token holds ``scope`` (a ``write_`` scope implies its ``read_``)."""
        return scope in self.scopes or scope.replace("read_", "write_", 1) in self.scopes

    def visible(self, order: dict[str, Any]) -> bool:
        """Orders created more than 60 days before now need ``read_all_orders``."""
        if "read_all_orders" in self.scopes:
            return True
        return parse_instant(order["createdAt"]) >= self.now - ORDER_WINDOW


def access_denied(field_name: str, scopes: tuple[str, ...]) -> GraphQLError:
    """Shopify's ACCESS_DENIED error for a field."""
    required = " or ".join(f"`{s}` access scope" for s in scopes) + "."
    return GraphQLError(
        f"Access denied for {field_name} field. Required access: {required}",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": required,
        },
    )


def _guard(resolve: Callable[..., Any], scopes: tuple[str, ...]) -> Callable[..., Any]:
    def guarded(parent: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        context: RequestContext = info.context
        if not any(context.has(scope) for scope in scopes):
            raise access_denied(info.field_name, scopes)
        return resolve(parent, info, **args)

    return guarded


def install_guards(schema: GraphQLSchema) -> None:
    """Wrap the resolvers of scope-protected fields with the access check."""
    for (type_name, field_name), scopes in FIELD_SCOPES.items():
        graphql_type = schema.get_type(type_name)
        target = graphql_type.fields[field_name]  # type: ignore[union-attr]
        target.resolve = _guard(target.resolve or default_field_resolver, scopes)
