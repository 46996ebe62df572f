"""What posting to accounting reads from an order: header, lines and shipping lines with Shopify's tax."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.orders import LINE_ITEM_GID, ORDER_GID, UTC_TS

RATE = r"^\d+(\.\d+)?$"  # a tax rate as exact decimal text ("0.15"): rates are never floats here


class PostingOrder(pa.DataFrameModel):
    """One row per order: when it was processed, where it went, what Shopify says it totals."""

    order_id: Series[str] = pa.Field(str_matches=ORDER_GID, unique=True)
    order_name: Series[str] = pa.Field(str_length={"min_value": 1})
    legacy_id: Series[str] = pa.Field(str_matches=r"^\d+$")
    processed_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    cancelled_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS, nullable=True)
    test: Series[bool]
    taxes_included: Series[bool]
    currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    ship_to_country: Series[str] = pa.Field(str_matches=r"^[A-Z]{2}$", nullable=True)
    total_price_cents: Series[int] = pa.Field(ge=0)
    gateway_names: Series[str]

    class Config:
        strict = True
        coerce = True


class PostingLine(pa.DataFrameModel):
    """One row per order line: Shopify's discounted total (after line and order discounts) and its tax.

    `gift_card` is null when the line was fetched without `isGiftCard`; an untaxed line whose kind is
    unknown cannot be posted (a gift card is a liability, not a zero-rated sale).
    """

    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    line_item_id: Series[str] = pa.Field(str_matches=LINE_ITEM_GID, unique=True)
    position: Series[int] = pa.Field(ge=1)
    name: Series[str]
    sku: Series[str] = pa.Field(nullable=True)
    quantity: Series[int] = pa.Field(gt=0)
    gift_card: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    amount_cents: Series[int] = pa.Field(ge=0)
    tax_cents: Series[int] = pa.Field(ge=0)
    tax_rate: Series[str] = pa.Field(str_matches=RATE)

    class Config:
        strict = True
        coerce = True


class PostingShipping(pa.DataFrameModel):
    """One row per shipping line: its price after shipping discounts, and its own tax."""

    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    position: Series[int] = pa.Field(ge=1)
    title: Series[str]
    amount_cents: Series[int] = pa.Field(ge=0)
    tax_cents: Series[int] = pa.Field(ge=0)
    tax_rate: Series[str] = pa.Field(str_matches=RATE)

    class Config:
        strict = True
        coerce = True
