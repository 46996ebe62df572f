"""Resolvers of ``fulfillmentCreate`` and ``fulfillmentTrackingInfoUpdate`` (scopes: ``access.py``)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.shopify.access import RequestContext
from sandbox.shopify.fulfilment_create import (
    FO_NOT_FOUND,
    FULFILLMENT_NOT_FOUND,
    MIXED,
    NO_FULFILLMENT_ORDERS,
    Refused,
    create_fulfillment,
    update_tracking,
)
from sandbox.shopify.root import by_gid

Order = dict[str, Any]


def _order_of(ctx: RequestContext, requests: list[dict[str, Any]]) -> Order:
    """The one visible order every requested fulfilment order belongs to (ids checked first)."""
    for request in requests:
        by_gid(request["fulfillmentOrderId"], "FulfillmentOrder")
        for line in request.get("fulfillmentOrderLineItems") or []:
            by_gid(line["id"], "FulfillmentOrderLineItem")
    owners: list[Order] = []
    for index, request in enumerate(requests):
        owner = ctx.store.owner_of(request["fulfillmentOrderId"])
        field = ["fulfillment", "lineItemsByFulfillmentOrder", str(index), "fulfillmentOrderId"]
        if owner is None or not ctx.visible(owner):
            raise Refused(FO_NOT_FOUND, field)
        if owners and owner["id"] != owners[0]["id"]:
            raise Refused(MIXED, field)
        owners.append(owner)
    if not owners:
        raise Refused(NO_FULFILLMENT_ORDERS, ["fulfillment", "lineItemsByFulfillmentOrder"])
    return owners[0]


def resolve_fulfillment_create(
    _: Any, info: GraphQLResolveInfo, fulfillment: dict[str, Any], message: str | None = None
) -> dict[str, Any]:
    """``fulfillmentCreate(fulfillment, message)``: one fulfilment, or userErrors and no write at all.

    ``notifyCustomer``, ``originAddress`` and ``message`` are accepted and not acted on (no e-mails here).
    """
    ctx: RequestContext = info.context
    requests = list(fulfillment["lineItemsByFulfillmentOrder"])
    try:
        order = _order_of(ctx, requests)
        record, moves = ctx.store.mutate(
            order["id"],
            lambda draft: create_fulfillment(
                draft,
                ctx.store.ids,
                ctx.now,
                requests,
                tracking=fulfillment.get("trackingInfo"),
                locations=ctx.store.location_names(),
            ),
        )
    except Refused as refused:
        return {"fulfillment": None, "userErrors": [refused.user_error]}
    stored = ctx.store.get_order(order["id"])
    assert stored is not None
    ctx.store.apply_movements(stored, moves, ctx.now)
    return {"fulfillment": record, "userErrors": []}


def resolve_tracking_info_update(
    _: Any,
    info: GraphQLResolveInfo,
    fulfillmentId: str,
    trackingInfoInput: dict[str, Any],
    notifyCustomer: bool | None = None,
) -> dict[str, Any]:
    """``fulfillmentTrackingInfoUpdate(fulfillmentId, trackingInfoInput, notifyCustomer)``: replaces the
    fulfilment's tracking information."""
    ctx: RequestContext = info.context
    owner = ctx.store.owner_of(by_gid(fulfillmentId, "Fulfillment"))
    try:
        if owner is None or not ctx.visible(owner):
            raise Refused(FULFILLMENT_NOT_FOUND, ["fulfillmentId"])
        record = ctx.store.mutate(
            owner["id"], lambda draft: update_tracking(draft, fulfillmentId, trackingInfoInput, ctx.now)
        )
    except Refused as refused:
        return {"fulfillment": None, "userErrors": [refused.user_error]}
    return {"fulfillment": record, "userErrors": []}
