"""Shopify inventory levels as we receive them: one row per item per location, quantities as Shopify names
them (`available`, `on_hand`, `committed`, and the set-aside ones, `safety_stock` among them)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.orders import LOCATION_GID, UTC_TS

INVENTORY_ITEM_GID = r"^gid://shopify/InventoryItem/\d+$"
# Shopify's composite id: gid://shopify/InventoryLevel/{location}?inventory_item_id={item}
INVENTORY_LEVEL_GID = r"^gid://shopify/InventoryLevel/\d+(\?inventory_item_id=\d+)?$"


def _number(gid: pd.Series) -> pd.Series:
    return gid.str.extract(r"/(\d+)$", expand=False)


class ShopifyInventoryLevel(pa.DataFrameModel):
    """One row per (location, item). `available` may be negative (Shopify allows overselling): allowed here,
    reported by the transform as a notice."""

    inventory_level_id: Series[str] = pa.Field(str_matches=INVENTORY_LEVEL_GID, unique=True)
    location_id: Series[str] = pa.Field(str_matches=LOCATION_GID)
    inventory_item_id: Series[str] = pa.Field(str_matches=INVENTORY_ITEM_GID)
    sku: Series[str] = pa.Field(nullable=True)
    available: Series[int]
    on_hand: Series[int]
    committed: Series[int] = pa.Field(ge=0)
    # asked for, but older API versions or a partial answer may leave them out: unknown, never guessed as 0
    incoming: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    reserved: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    damaged: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    quality_control: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    safety_stock: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    updated_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="inventory level id does not name its location and item")
    @classmethod
    def id_names_location_and_item(cls, df: pd.DataFrame) -> pd.Series:
        level = df["inventory_level_id"].str.extract(r"InventoryLevel/(\d+)(?:\?inventory_item_id=(\d+))?$")
        same_location = level[0] == _number(df["location_id"])
        same_item = level[1].isna() | (level[1] == _number(df["inventory_item_id"]))
        return (same_location & same_item).fillna(False).astype(bool)


class WarehouseStock(pa.DataFrameModel):
    """The 3PL's count: one row per SKU per site, as of one instant; the source of truth for stock on hand."""

    sku: Series[str] = pa.Field(str_matches=r"^\S(.*\S)?$")
    site: Series[str] = pa.Field(str_length={"min_value": 1})
    location_id: Series[str] = pa.Field(str_matches=LOCATION_GID)
    quantity: Series[int] = pa.Field(ge=0)
    as_of: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    reorder_level: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    class Config:
        strict = True
        coerce = True
        unique = ("sku", "site")


STOCK_STATUSES = ("ok", "mismatch", "not_in_shopify", "not_at_warehouse")


class StockComparison(pa.DataFrameModel):
    """Shopify's `on_hand` against the warehouse's count per SKU and location. `in_flight` units (sent to the
    warehouse, not fulfilled in Shopify) and `shipped_after` units (shipped after the count) explain a
    difference in [-shipped_after, in_flight]; `unexplained` is what is left outside that range."""

    sku: Series[str]
    location_id: Series[str] = pa.Field(str_matches=LOCATION_GID)
    inventory_item_id: Series[str] = pa.Field(str_matches=INVENTORY_ITEM_GID, nullable=True)
    shopify_on_hand: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    warehouse_quantity: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    in_flight: Series[int] = pa.Field(ge=0)
    shipped_after: Series[int] = pa.Field(ge=0)
    difference: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    unexplained: Series[int]
    status: Series[str] = pa.Field(isin=STOCK_STATUSES)

    class Config:
        strict = True
        coerce = True
        unique = ("sku", "location_id")
