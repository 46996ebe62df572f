"""Resolver of ``inventorySetQuantities`` (scope: ``access.py``) and of the adjustment groups it returns."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.access import RequestContext
from sandbox.shopify.fields import reference
from sandbox.shopify.idempotency import MISMATCH, fingerprint, idempotency_key
from sandbox.shopify.inventory_set import check, set_quantities
from sandbox.shopify.root import by_gid

Node = dict[str, Any]
# Observed wording (third-party captures of 2026-04+ replies); the code is unconfirmed.
MISSING_CHANGE_FROM = "InventoryQuantityInput must include the following argument: changeFromQuantity."


def _require_arguments(data: dict[str, Any]) -> None:
    """Ids well-formed (else the coercion error) and ``changeFromQuantity`` present in every quantity:
    its type is a nullable ``Int``, yet leaving it out is a top-level error from 2026-04."""
    for wanted in data["quantities"]:
        by_gid(wanted["inventoryItemId"], "InventoryItem")
        by_gid(wanted["locationId"], "Location")
    if any("changeFromQuantity" not in wanted for wanted in data["quantities"]):
        raise GraphQLError(MISSING_CHANGE_FROM, extensions={"code": "INVALID_FIELD_ARGUMENTS"})


def resolve_inventory_set_quantities(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Node:
    """``inventorySetQuantities(input) @idempotent(key:)``: all quantities set, or userErrors and none.

    A repeat of a key's first request answers what the first answered (nothing written again); the same
    key with other arguments is ``IDEMPOTENCY_KEY_PARAMETER_MISMATCH``.
    """
    ctx: RequestContext = info.context
    _require_arguments(input)
    key = idempotency_key(info)

    def execute() -> Node:
        problems = check(ctx.store, input)
        if problems:
            return {"inventoryAdjustmentGroup": None, "userErrors": problems}
        return {"inventoryAdjustmentGroup": set_quantities(ctx.store, ctx.now, input), "userErrors": []}

    def mismatch() -> Node:
        refusal = {"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "field": None, "message": MISMATCH}
        return {"inventoryAdjustmentGroup": None, "userErrors": [refusal]}

    return ctx.store.idempotency.run(key, fingerprint(info.field_name, input), execute, mismatch)


def _changes(
    parent: Node,
    _: GraphQLResolveInfo,
    inventoryItemIds: list[str] | None = None,
    locationIds: list[str] | None = None,
    quantityNames: list[str] | None = None,
) -> list[Node]:
    """``InventoryAdjustmentGroup.changes(inventoryItemIds, locationIds, quantityNames)``."""
    return [
        c
        for c in parent["changes"]
        if (inventoryItemIds is None or c["item"]["id"] in inventoryItemIds)
        and (locationIds is None or c["location"]["id"] in locationIds)
        and (quantityNames is None or c["name"] in quantityNames)
    ]


INVENTORY_RESOLVERS: dict[str, dict[str, Any]] = {
    "InventoryAdjustmentGroup": {"changes": _changes},
    "InventoryChange": {"item": reference("item"), "location": reference("location")},
}
