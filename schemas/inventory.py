"""Shopify inventory levels as we receive them: one row per item per location, quantities as Shopify names
them (`available`, `on_hand`, `committed`)."""

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
