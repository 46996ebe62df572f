"""Play a generated order's later life (hold, shipments, refunds, cancellation, archiving) in time order."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sandbox.shopify.cancellation import cancel
from sandbox.shopify.fulfilment import fulfil, hold
from sandbox.shopify.movements import Movement
from sandbox.shopify.refunds import RefundLine, refund
from sandbox.shopify.scenarios import Scenario
from sandbox.shopify.store import Store
from sandbox.shopify.totals import nodes

Order = dict[str, Any]
CARRIERS = ("The Courier Guy", "Pargo", "PostNet", "DHL Express")


def play(store: Store, rng: random.Random, order: Order, sc: Scenario, until: datetime) -> list[Movement]:
    """Apply the scenario's events to ``order`` at increasing instants before ``until``."""
    created = datetime.fromisoformat(order["createdAt"].replace("Z", "+00:00"))
    span = max(0.0, (until - created).total_seconds() - 60)
    moments = sorted(created + timedelta(seconds=rng.uniform(60, 60 + span)) for _ in range(4))
    steps = iter(moments)
    out: list[Movement] = []
    if sc.shipping == "hold" and nodes(order["fulfillmentOrders"]):
        hold(order, next(steps), "INCORRECT_ADDRESS" if rng.random() < 0.5 else "OTHER")
    # Shopify cannot cancel an order with shipped items, so cancelled orders never ship.
    if sc.shipping in ("partial", "full") and not sc.cancelled and nodes(order["fulfillmentOrders"]):
        out += _ship(store, rng, order, next(steps), partial=sc.shipping == "partial")
    if sc.refund != "none" and not sc.cancelled:
        out += _refund(store, rng, order, sc, next(steps))
    if sc.cancelled:
        out += cancel(order, store.ids, next(steps), rng.choice(("CUSTOMER", "INVENTORY", "FRAUD")))
    if sc.closed and not order["cancelledAt"] and order["displayFinancialStatus"] == "PAID":
        order["closed"] = True
        order["closedAt"] = order["updatedAt"]
    return out


def _ship(store: Store, rng: random.Random, order: Order, at: datetime, partial: bool) -> list[Movement]:
    lines = None
    if partial:
        items = [i for fo in nodes(order["fulfillmentOrders"]) for i in nodes(fo["lineItems"])]
        if sum(int(i["remainingQuantity"]) for i in items) <= 1:
            return []
        first = items[0]
        lines = {first["lineItem"]["id"]: max(1, int(first["remainingQuantity"]) - 1)}
    number = f"TCG{rng.randint(10_000_000, 99_999_999)}"
    _, moves = fulfil(
        order,
        store.ids,
        at,
        lines,
        tracking_number=number,
        tracking_company=rng.choice(CARRIERS),
        locations=store.location_names(),
    )
    return moves


def _refund(store: Store, rng: random.Random, order: Order, sc: Scenario, at: datetime) -> list[Movement]:
    lines = [line for line in nodes(order["lineItems"]) if int(line["refundableQuantity"]) > 0]
    if sc.refund == "shipping":
        if not nodes(order["shippingLines"]):
            return []
        _, moves = refund(order, store.ids, at, [], shipping=True, note="Courier delay — shipping refunded")
    elif sc.refund == "partial":
        line = rng.choice(lines)
        _, moves = refund(
            order, store.ids, at, [RefundLine(line["id"], 1, rng.random() < 0.7)], note="Damaged"
        )
    else:
        specs = [RefundLine(line["id"], int(line["refundableQuantity"])) for line in lines]
        _, moves = refund(order, store.ids, at, specs, shipping=True, note="Customer changed their mind")
    return moves
