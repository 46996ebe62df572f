"""Shopify orders as we receive them, flattened: one frame per order, line item and fulfilment line."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

ORDER_GID = r"^gid://shopify/Order/\d+$"
LINE_ITEM_GID = r"^gid://shopify/LineItem/\d+$"
LOCATION_GID = r"^gid://shopify/Location/\d+$"

FINANCIAL_STATUSES = [
    "AUTHORIZED", "EXPIRED", "PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "PENDING", "REFUNDED", "VOIDED",
]  # fmt: skip
FULFILLMENT_STATUSES = [
    "FULFILLED", "IN_PROGRESS", "ON_HOLD", "OPEN", "PARTIALLY_FULFILLED", "PENDING_FULFILLMENT",
    "REQUEST_DECLINED", "RESTOCKED", "SCHEDULED", "UNFULFILLED", "FULFILLMENT_NOT_REQUIRED",
]  # fmt: skip
FULFILLMENT_ORDER_STATUSES = [
    "CANCELLED",
    "CLOSED",
    "INCOMPLETE",
    "IN_PROGRESS",
    "ON_HOLD",
    "OPEN",
    "SCHEDULED",
]

UTC_TS = {"unit": "us", "tz": "UTC"}


class ShopifyOrder(pa.DataFrameModel):
    """One row per order: header fields, totals in integer cents, ship-to address."""

    order_id: Series[str] = pa.Field(str_matches=ORDER_GID, unique=True)
    order_name: Series[str] = pa.Field(str_length={"min_value": 1})
    legacy_id: Series[str] = pa.Field(str_matches=r"^\d+$")
    created_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    updated_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    processed_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    cancelled_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS, nullable=True)
    test: Series[bool]
    taxes_included: Series[bool]
    currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    financial_status: Series[str] = pa.Field(isin=FINANCIAL_STATUSES, nullable=True)
    fulfillment_status: Series[str] = pa.Field(isin=FULFILLMENT_STATUSES)
    gateways: Series[str]
    tags: Series[str]
    email: Series[str] = pa.Field(nullable=True)
    total_price_cents: Series[int] = pa.Field(ge=0)
    subtotal_cents: Series[int] = pa.Field(ge=0)
    total_tax_cents: Series[int] = pa.Field(ge=0)
    total_discounts_cents: Series[int] = pa.Field(ge=0)
    total_shipping_cents: Series[int] = pa.Field(ge=0)
    total_refunded_cents: Series[int] = pa.Field(ge=0)
    shipping_method: Series[str] = pa.Field(nullable=True)
    ship_to_name: Series[str] = pa.Field(nullable=True)
    ship_to_company: Series[str] = pa.Field(nullable=True)
    ship_to_address1: Series[str] = pa.Field(nullable=True)
    ship_to_address2: Series[str] = pa.Field(nullable=True)
    ship_to_city: Series[str] = pa.Field(nullable=True)
    ship_to_province: Series[str] = pa.Field(nullable=True)
    ship_to_postal_code: Series[str] = pa.Field(nullable=True)
    ship_to_country: Series[str] = pa.Field(nullable=True)
    ship_to_phone: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="refunded more than was paid")
    @classmethod
    def refunds_within_total(cls, df: pd.DataFrame) -> pd.Series:
        return df["total_refunded_cents"] <= df["total_price_cents"]


class ShopifyLineItem(pa.DataFrameModel):
    """One row per order line: quantities and money in integer cents, VAT included as Shopify sends it."""

    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    line_item_id: Series[str] = pa.Field(str_matches=LINE_ITEM_GID, unique=True)
    position: Series[int] = pa.Field(ge=1)
    sku: Series[str] = pa.Field(nullable=True)
    name: Series[str]
    quantity: Series[int] = pa.Field(gt=0)
    current_quantity: Series[int] = pa.Field(ge=0)
    requires_shipping: Series[bool]
    unit_price_cents: Series[int] = pa.Field(ge=0)
    discount_cents: Series[int] = pa.Field(ge=0)
    discounted_total_cents: Series[int] = pa.Field(ge=0)
    tax_cents: Series[int] = pa.Field(ge=0)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="current quantity is more than the quantity ordered")
    @classmethod
    def current_within_ordered(cls, df: pd.DataFrame) -> pd.Series:
        return df["current_quantity"] <= df["quantity"]

    @pa.dataframe_check(error="line total is not unit price x quantity - discounts (within a cent)")
    @classmethod
    def line_total_adds_up(cls, df: pd.DataFrame) -> pd.Series:
        expected = df["unit_price_cents"] * df["quantity"] - df["discount_cents"]
        return (df["discounted_total_cents"] - expected).abs() <= 1


class ShopifyFulfillmentLine(pa.DataFrameModel):
    """One row per fulfilment-order line: which location is to ship how much of which order line."""

    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    fulfillment_order_id: Series[str] = pa.Field(str_matches=r"^gid://shopify/FulfillmentOrder/\d+$")
    status: Series[str] = pa.Field(isin=FULFILLMENT_ORDER_STATUSES)
    location_id: Series[str] = pa.Field(str_matches=LOCATION_GID, nullable=True)
    line_item_id: Series[str] = pa.Field(str_matches=LINE_ITEM_GID)
    total_quantity: Series[int] = pa.Field(ge=0)
    remaining_quantity: Series[int] = pa.Field(ge=0)

    class Config:
        strict = True
        coerce = True
