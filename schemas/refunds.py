"""Shopify refunds as we receive them, flattened: one frame per refund, refunded line and shipping line."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.orders import LINE_ITEM_GID, LOCATION_GID, ORDER_GID, UTC_TS
from schemas.transactions import REFUND_GID

REFUND_LINE_ITEM_GID = r"^gid://shopify/RefundLineItem/\d+$"
REFUND_SHIPPING_LINE_GID = r"^gid://shopify/RefundShippingLine/\d+$"
RESTOCK_TYPES = ["CANCEL", "LEGACY_RESTOCK", "NO_RESTOCK", "RETURN"]  # RefundLineItemRestockType


class ShopifyRefund(pa.DataFrameModel):
    """One row per refund: the money paid back in integer cents, and what the order had paid to check it.

    `paid_cents` (successful SALE + CAPTURE) and `refunded_before_cents` (successful REFUND transactions of
    the order's other, earlier refunds) are null when the order's transactions were not received or not all
    readable: the refund total could then not be checked, which is reported, never passed silently.
    """

    refund_id: Series[str] = pa.Field(str_matches=REFUND_GID, unique=True)
    legacy_id: Series[str] = pa.Field(str_matches=r"^\d+$")
    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    order_name: Series[str] = pa.Field(nullable=True)
    created_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS, nullable=True)
    updated_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    note: Series[str] = pa.Field(nullable=True)
    currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    total_refunded_cents: Series[int] = pa.Field(ge=0)
    paid_cents: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    refunded_before_cents: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="refund total is more than the order's payments less its earlier refunds")
    @classmethod
    def within_paid(cls, df: pd.DataFrame) -> pd.Series:
        left = df["paid_cents"] - df["refunded_before_cents"]
        return (df["total_refunded_cents"] <= left).fillna(True).astype(bool)


class ShopifyRefundLine(pa.DataFrameModel):
    """One row per refunded order line: units, restocking, and money (VAT included as Shopify sends it)."""

    refund_id: Series[str] = pa.Field(str_matches=REFUND_GID)
    refund_line_id: Series[str] = pa.Field(str_matches=REFUND_LINE_ITEM_GID, unique=True)
    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    line_item_id: Series[str] = pa.Field(str_matches=LINE_ITEM_GID)
    sku: Series[str] = pa.Field(nullable=True)
    quantity: Series[int] = pa.Field(gt=0)
    line_quantity: Series[pd.Int64Dtype] = pa.Field(nullable=True, gt=0)
    restock_type: Series[str] = pa.Field(isin=RESTOCK_TYPES)
    restocked: Series[bool]
    location_id: Series[str] = pa.Field(str_matches=LOCATION_GID, nullable=True)
    unit_price_cents: Series[int] = pa.Field(ge=0)
    subtotal_cents: Series[int] = pa.Field(ge=0)
    tax_cents: Series[int] = pa.Field(ge=0)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="refunds more units than the order line has")
    @classmethod
    def within_line(cls, df: pd.DataFrame) -> pd.Series:
        return (df["quantity"] <= df["line_quantity"]).fillna(True).astype(bool)

    @pa.dataframe_check(error="tax is more than the refunded subtotal")
    @classmethod
    def tax_within_subtotal(cls, df: pd.DataFrame) -> pd.Series:
        return df["tax_cents"] <= df["subtotal_cents"]


class ShopifyRefundShipping(pa.DataFrameModel):
    """One row per refunded shipping line."""

    refund_id: Series[str] = pa.Field(str_matches=REFUND_GID)
    refund_shipping_line_id: Series[str] = pa.Field(str_matches=REFUND_SHIPPING_LINE_GID, unique=True)
    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    title: Series[str] = pa.Field(nullable=True)
    subtotal_cents: Series[int] = pa.Field(ge=0)
    tax_cents: Series[int] = pa.Field(ge=0)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="shipping tax is more than the refunded shipping")
    @classmethod
    def tax_within_subtotal(cls, df: pd.DataFrame) -> pd.Series:
        return df["tax_cents"] <= df["subtotal_cents"]
