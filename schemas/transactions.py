"""Shopify order transactions as we receive them: payments in and out, one row per transaction."""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.orders import ORDER_GID, UTC_TS

TRANSACTION_GID = r"^gid://shopify/OrderTransaction/\d+$"
REFUND_GID = r"^gid://shopify/Refund/\d+$"

# Shopify's OrderTransactionKind and OrderTransactionStatus enums (Admin API 2026-01).
TRANSACTION_KINDS = [
    "AUTHORIZATION", "CAPTURE", "CHANGE", "EMV_AUTHORIZATION", "REFUND", "SALE", "SUGGESTED_REFUND", "VOID",
]  # fmt: skip
TRANSACTION_STATUSES = ["AWAITING_RESPONSE", "ERROR", "FAILURE", "PENDING", "SUCCESS", "UNKNOWN"]
MONEY_IN = ("SALE", "CAPTURE")  # kinds that take the customer's money, when SUCCESS

# The South African gateways accounting has a bank/clearing account for, by a loose key of Shopify's name.
GATEWAYS = {
    "payfast": "PayFast",
    "yoco": "Yoco",
    "peach": "Peach Payments",
    "peachpayments": "Peach Payments",
    "ozow": "Ozow",
}


def known_gateway(name: object) -> str | None:
    """Our name for a Shopify gateway string ("payfast", "Peach Payments" ...), or None when unmapped."""
    if not isinstance(name, str):
        return None
    return GATEWAYS.get(re.sub(r"[^a-z0-9]", "", name.lower()))


class ShopifyTransaction(pa.DataFrameModel):
    """One row per order transaction; `refund_id` set when it pays a refund back."""

    transaction_id: Series[str] = pa.Field(str_matches=TRANSACTION_GID, unique=True)
    order_id: Series[str] = pa.Field(str_matches=ORDER_GID)
    order_name: Series[str] = pa.Field(nullable=True)
    refund_id: Series[str] = pa.Field(str_matches=REFUND_GID, nullable=True)
    parent_id: Series[str] = pa.Field(str_matches=TRANSACTION_GID, nullable=True)
    kind: Series[str] = pa.Field(isin=TRANSACTION_KINDS)
    status: Series[str] = pa.Field(isin=TRANSACTION_STATUSES)
    gateway: Series[str] = pa.Field(nullable=True)
    currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    amount_cents: Series[int] = pa.Field(gt=0)
    created_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS)
    processed_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=UTC_TS, nullable=True)
    test: Series[bool]

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="a refund's transaction is not of kind REFUND")
    @classmethod
    def refunds_pay_back(cls, df: pd.DataFrame) -> pd.Series:
        return df["refund_id"].isna() | (df["kind"] == "REFUND")
