"""What the warehouse receives: one strict row per order line (or per cancelled order)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

RECORD_TYPES = ["NEW", "AMEND", "CANCEL", "REPLACEMENT"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FREE_TEXT = [
    "description", "shipping_method", "ship_to_name", "ship_to_company", "ship_to_address1",
    "ship_to_address2", "ship_to_city", "ship_to_province", "ship_to_postal_code", "ship_to_country",
    "ship_to_phone", "customer_email",
]  # fmt: skip


class WarehouseOrderRow(pa.DataFrameModel):
    """A row of the warehouse order file, before formatting (money still in integer cents)."""

    record_type: Series[str] = pa.Field(isin=RECORD_TYPES)
    batch_id: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{12}$")
    order_number: Series[str] = pa.Field(str_length={"min_value": 1})
    order_id: Series[str] = pa.Field(str_matches=r"^\d+$")
    order_version: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{12}$")
    order_date: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$")
    line_number: Series[int] = pa.Field(ge=0)
    sku: Series[str]
    description: Series[str]
    quantity: Series[int] = pa.Field(ge=0)
    unit_price_cents: Series[int] = pa.Field(ge=0)
    line_discount_cents: Series[int] = pa.Field(ge=0)
    line_total_cents: Series[int] = pa.Field(ge=0)
    currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    shipping_method: Series[str]
    ship_to_name: Series[str]
    ship_to_company: Series[str]
    ship_to_address1: Series[str]
    ship_to_address2: Series[str]
    ship_to_city: Series[str]
    ship_to_province: Series[str]
    ship_to_postal_code: Series[str]
    ship_to_country: Series[str]
    ship_to_phone: Series[str]
    customer_email: Series[str]

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="an item row must ship a positive quantity of a SKU")
    @classmethod
    def items_have_quantity(cls, df: pd.DataFrame) -> pd.Series:
        item = df["record_type"] != "CANCEL"
        return ~item | ((df["quantity"] > 0) & (df["sku"] != "") & (df["line_number"] > 0))

    @pa.dataframe_check(error="line total is not unit price x quantity - discount")
    @classmethod
    def totals_add_up(cls, df: pd.DataFrame) -> pd.Series:
        expected = df["unit_price_cents"] * df["quantity"] - df["line_discount_cents"]
        return df["line_total_cents"] == expected

    @pa.dataframe_check(error="a free-text field starts like a spreadsheet formula")
    @classmethod
    def free_text_is_inert(cls, df: pd.DataFrame) -> pd.Series:
        safe = pd.Series(True, index=df.index)
        for column in FREE_TEXT:
            safe &= ~df[column].str.startswith(FORMULA_STARTS)
        return safe
