"""Compare Shopify's stock with the warehouse's count, per SKU and location. Pure functions over frames.

The warehouse is the source of truth for stock on hand, but its count and Shopify's numbers are taken at
different moments. Two kinds of units legitimately differ:
- **in flight**: on orders already sent to the warehouse and not yet fulfilled in Shopify. The warehouse may
  have shipped them (its count is lower) while Shopify still has them on hand. Shopify may be up to this
  many units higher.
- **shipped after** the count: the warehouse's count still holds them, and Shopify may already have
  fulfilled them. Shopify may be up to this many units lower.
What is left outside [-shipped_after, in_flight] is unexplained; beyond the tolerance it is a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from schemas.inventory import StockComparison

Units = Mapping[tuple[str, str], int]  # (sku, location gid) -> units


def shopify_stock(levels: pd.DataFrame, location_ids: set[str]) -> pd.DataFrame:
    """Shopify's on_hand per (sku, location) at the warehouse's locations. Levels without a SKU cannot be
    compared; two items sharing a SKU are added up and lose their item id (no correction can target them)."""
    levels = levels.assign(sku=levels["sku"].str.strip())  # as the warehouse's SKUs are read
    here = levels[levels["location_id"].isin(location_ids) & levels["sku"].notna() & (levels["sku"] != "")]
    grouped = here.groupby(["sku", "location_id"], as_index=False).agg(
        shopify_on_hand=("on_hand", "sum"), items=("inventory_item_id", "nunique"),
        inventory_item_id=("inventory_item_id", "first"),
    )  # fmt: skip
    grouped.loc[grouped["items"] > 1, "inventory_item_id"] = None
    return grouped.drop(columns="items")


def _unexplained(difference: int, low: int, high: int) -> int:
    return difference - min(max(difference, low), high)


def compare(
    shopify: pd.DataFrame, stock: pd.DataFrame, *, in_flight: Units, shipped_after: Units, tolerance: int
) -> pd.DataFrame:
    """One row per (sku, location) known to either side (see `StockComparison`)."""
    # two of the 3PL's sites may stand for one Shopify location: their counts add up
    counted = stock.groupby(["sku", "location_id"], as_index=False).agg(
        warehouse_quantity=("quantity", "sum")
    )
    both = shopify.merge(counted, on=["sku", "location_id"], how="outer")
    rows = []
    for row in rows_of(both):
        key = (row["sku"], row["location_id"])
        flight, after = int(in_flight.get(key, 0)), int(shipped_after.get(key, 0))
        s_hand, w_qty = _count(row["shopify_on_hand"]), _count(row["warehouse_quantity"])
        difference = (s_hand or 0) - (w_qty or 0)
        unexplained = _unexplained(difference, -after, flight)
        status = "ok" if abs(unexplained) <= tolerance else "mismatch"
        if status == "mismatch" and s_hand is None:
            status = "not_in_shopify"
        elif status == "mismatch" and w_qty is None:
            status = "not_at_warehouse"
        item = row.get("inventory_item_id")
        rows.append({
            "sku": row["sku"], "location_id": row["location_id"],
            "inventory_item_id": item if isinstance(item, str) else None,
            "shopify_on_hand": s_hand, "warehouse_quantity": w_qty,
            "in_flight": flight, "shipped_after": after,
            "difference": difference if s_hand is not None and w_qty is not None else None,
            "unexplained": unexplained, "status": status,
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(StockComparison.to_schema().columns))
    frame = frame.sort_values(["sku", "location_id"], ignore_index=True)
    return StockComparison.validate(frame)


def _count(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as plain dicts, missing values as None."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in plain.to_dict("records")]


def mismatches(comparison: pd.DataFrame) -> pd.DataFrame:
    """The rows that are not ok, worst (largest unexplained difference either way) first."""
    bad = comparison[comparison["status"] != "ok"]
    order = bad["unexplained"].abs().sort_values(ascending=False, kind="stable").index
    return bad.loc[order]


def describe(row: Mapping[str, object]) -> str:
    """One mismatch in words: "SKU-1: Shopify 12, warehouse 9 (+3 unexplained; 0 in flight, …)"."""
    shopify, warehouse = _count(row["shopify_on_hand"]), _count(row["warehouse_quantity"])
    unexplained = int(str(row["unexplained"]))
    return (
        f"{row['sku']}: Shopify {'not stocked' if shopify is None else shopify}, "
        f"warehouse {'not counted' if warehouse is None else warehouse} ({unexplained:+d} unexplained; "
        f"{row['in_flight']} in flight, {row['shipped_after']} shipped after)"
    )
