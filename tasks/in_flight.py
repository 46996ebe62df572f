"""Units that explain a difference between Shopify and the warehouse's count (see `tasks.compare_stock`):
in flight (sent to the warehouse, not fulfilled in Shopify) and shipped after the count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

import pandas as pd

from shoplines.state.records import DeliveredVersion, ShipmentRecord

OPEN_AT_WAREHOUSE = ("OPEN", "IN_PROGRESS", "ON_HOLD")


def sent_orders(delivered: Mapping[str, DeliveredVersion]) -> set[str]:
    """Orders whose latest delivered version the warehouse may be working on (not a cancel, not refused)."""
    return {
        order for order, version in delivered.items()
        if version.record_type != "CANCEL" and version.answer not in ("REJECTED", "CANCELLED")
    }  # fmt: skip


def in_flight(
    lines: pd.DataFrame, fulfillment_lines: pd.DataFrame, sent: set[str], location_id: str
) -> dict[tuple[str, str], int]:
    """Units per (sku, location) still open in Shopify at the warehouse's location, on orders we sent."""
    fl = fulfillment_lines
    open_here = fl[
        (fl["location_id"] == location_id)
        & fl["status"].isin(OPEN_AT_WAREHOUSE)
        & (fl["remaining_quantity"] > 0)
        & fl["order_id"].isin(sent)
    ]
    joined = open_here.merge(lines[["line_item_id", "sku"]], on="line_item_id", how="inner")
    joined = joined[joined["sku"].notna() & (joined["sku"] != "")]
    units = joined.groupby("sku")["remaining_quantity"].sum()
    return {(str(sku), location_id): int(n) for sku, n in units.items()}


def shipped_after(
    shipments: Iterable[ShipmentRecord], as_of: datetime, location_id: str
) -> dict[tuple[str, str], int]:
    """Units the warehouse reported shipped after its count was taken (its count still holds them)."""
    units: Counter[tuple[str, str]] = Counter()
    for shipment in shipments:
        if shipment.shipped_at > as_of:
            units[(shipment.sku, location_id)] += shipment.quantity
    return dict(units)
