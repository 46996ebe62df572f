"""Thin I/O task: the 3PL's shipped parcels become Shopify fulfilments with tracking (when switched on).

One fulfilment per parcel (an order's shipped lines sharing a tracking number). The ledger records the
fulfilment's id on each shipped line, so a parcel is sent to Shopify once; the client looks for the tracking
number on the order before each attempt, so a lost response is not a second fulfilment either.
"""

from __future__ import annotations

from collections import defaultdict

from prefect import get_run_logger

from clients.shopify import ShopifyClient
from clients.shopify_errors import ShopifyScopeError
from clients.shopify_fulfilment import WRITE_SCOPES, FulfilmentRefused
from shoplines.alerting import Alerts, Problem
from shoplines.state.records import JournalRow, ShipmentRecord
from shoplines.state.store import StateStore
from tasks.feedback import FULFIL_FAILED

Parcel = tuple[str, str]  # order gid, tracking number


def parcels(shipments: list[ShipmentRecord]) -> dict[Parcel, list[ShipmentRecord]]:
    grouped: dict[Parcel, list[ShipmentRecord]] = defaultdict(list)
    for shipment in shipments:
        grouped[(shipment.entity_id, shipment.tracking_number)].append(shipment)
    return dict(grouped)


def push_fulfilments(
    shopify: ShopifyClient,
    state: StateStore,
    alerts: Alerts,
    *,
    shop_id: str,
    destination: str,
    location_id: str,
) -> dict[str, int]:
    """Create the Shopify fulfilment of every shipped parcel that has none yet; counts created/found/refused.

    Raises:
        ShopifyScopeError: the app may not write fulfilments (the line is switched on without the scope).
    """
    logger = get_run_logger()
    waiting = parcels(state.unfulfilled_shipments(shop_id, destination))
    counts = {"fulfilments_created": 0, "fulfilments_found": 0, "fulfilments_refused": 0}
    if not waiting:
        return counts
    if not shopify.granted_scopes() & set(WRITE_SCOPES):
        raise ShopifyScopeError({WRITE_SCOPES[0]}, "it puts the 3PL's tracking numbers on orders")
    for (order_id, tracking), lines in waiting.items():
        units: dict[str, int] = defaultdict(int)
        for line in lines:
            units[line.sku] += line.quantity
        key = f"{FULFIL_FAILED}{order_id}:{tracking}"
        name = lines[0].entity_name
        try:
            done = shopify.fulfil_parcel(order_id, location_id=location_id, units=dict(units),
                                         tracking=tracking, carrier=lines[0].carrier)  # fmt: skip
        except FulfilmentRefused as refused:
            counts["fulfilments_refused"] += 1
            alerts.report(Problem(
                key, f"tracking {tracking} could not be put on {name} in Shopify", f"{refused}.",
                "Check the order in Shopify (cancelled, edited, or fulfilled by hand?); fulfil it there with "
                "this tracking number if it is right. This parcel is tried again every run until then.",
            ))  # fmt: skip
            logger.warning("%s", refused)
            continue
        state.shipments_fulfilled([line.id for line in lines], done.fulfillment_id)
        counts["fulfilments_created" if done.created else "fulfilments_found"] += 1
        how = "created" if done.created else "found (an earlier attempt had created it)"
        state.journal(shop_id, "warehouse-feedback", None, [JournalRow(
            order_id, name, "fulfilled",
            f"Shopify fulfilment {done.fulfillment_id} {how} with {lines[0].carrier} tracking {tracking}",
            {"fulfillment": done.fulfillment_id, "skus": dict(units)},
        )])  # fmt: skip
        alerts.clear([key])
    logger.info("Fulfilments in Shopify: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
