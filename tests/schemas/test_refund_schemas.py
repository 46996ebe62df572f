"""The boundary models on their own: hand-built 1-3 row frames through ShopifyRefund, ShopifyRefundLine,
ShopifyTransaction and ShopifyInventoryLevel, and the gateway map."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pandera.pandas as pa
import pytest

from schemas.inventory import ShopifyInventoryLevel
from schemas.refunds import ShopifyRefund, ShopifyRefundLine
from schemas.transactions import ShopifyTransaction, known_gateway

AT = datetime(2026, 10, 16, 9, 30, tzinfo=UTC)


def refunds(total: int, paid: int | None, before: int | None) -> pd.DataFrame:
    return pd.DataFrame([{
        "refund_id": "gid://shopify/Refund/1", "legacy_id": "1", "order_id": "gid://shopify/Order/1",
        "order_name": "#1001", "created_at": AT, "updated_at": AT, "note": None, "currency": "ZAR",
        "total_refunded_cents": total, "paid_cents": paid, "refunded_before_cents": before,
    }])  # fmt: skip


@pytest.mark.parametrize(
    ("total", "paid", "before"), [(38900, 38900, 0), (100, 38900, 38800), (5, None, None)]
)
def test_refund_within_what_is_left_or_not_checkable_passes(
    total: int, paid: int | None, before: int | None
) -> None:
    ShopifyRefund.validate(refunds(total, paid, before))


def test_refund_beyond_what_is_left_fails() -> None:
    with pytest.raises(pa.errors.SchemaError, match="more than the order's payments"):
        ShopifyRefund.validate(refunds(101, 38900, 38800))


def line(quantity: int, ordered: int | None) -> pd.DataFrame:
    return pd.DataFrame([{
        "refund_id": "gid://shopify/Refund/1", "refund_line_id": "gid://shopify/RefundLineItem/1",
        "order_id": "gid://shopify/Order/1", "line_item_id": "gid://shopify/LineItem/1", "sku": "MUG-BLUE",
        "quantity": quantity, "line_quantity": ordered, "restock_type": "RETURN", "restocked": True,
        "location_id": "gid://shopify/Location/1", "unit_price_cents": 11000,
        "subtotal_cents": 11000 * quantity, "tax_cents": 1435 * quantity,
    }])  # fmt: skip


def test_refund_line_quantity_is_checked_against_the_order_line_when_known() -> None:
    ShopifyRefundLine.validate(line(2, 2))
    ShopifyRefundLine.validate(line(3, None))  # unknown: nothing to compare with
    with pytest.raises(pa.errors.SchemaError, match="more units than the order line has"):
        ShopifyRefundLine.validate(line(3, 2))


def transaction(kind: str, refund: str | None) -> pd.DataFrame:
    return pd.DataFrame([{
        "transaction_id": "gid://shopify/OrderTransaction/1", "order_id": "gid://shopify/Order/1",
        "order_name": "#1001", "refund_id": refund, "parent_id": None, "kind": kind, "status": "SUCCESS",
        "gateway": "PayFast", "currency": "ZAR", "amount_cents": 100, "created_at": AT, "processed_at": None,
        "test": False,
    }])  # fmt: skip


def test_a_transaction_tied_to_a_refund_must_pay_back() -> None:
    ShopifyTransaction.validate(transaction("REFUND", "gid://shopify/Refund/1"))
    ShopifyTransaction.validate(transaction("SALE", None))
    with pytest.raises(pa.errors.SchemaError, match="not of kind REFUND"):
        ShopifyTransaction.validate(transaction("SALE", "gid://shopify/Refund/1"))


@pytest.mark.parametrize(
    ("name", "ours"),
    [("PayFast", "PayFast"), ("payfast", "PayFast"), ("Peach Payments", "Peach Payments"),
     ("peach_payments", "Peach Payments"), ("YOCO", "Yoco"), ("ozow", "Ozow"), ("bogus", None),
     ("manual", None), ("", None), (None, None), (float("nan"), None)],
)  # fmt: skip
def test_gateways_map_loosely_and_unknown_ones_are_none(name: object, ours: str | None) -> None:
    assert known_gateway(name) == ours


def test_inventory_level_id_must_name_its_location_and_item() -> None:
    row = {
        "inventory_level_id": "gid://shopify/InventoryLevel/7?inventory_item_id=9",
        "location_id": "gid://shopify/Location/7", "inventory_item_id": "gid://shopify/InventoryItem/9",
        "sku": None, "available": -2, "on_hand": 0, "committed": 2, "incoming": None, "reserved": None,
        "damaged": 0, "quality_control": 0, "safety_stock": 0, "updated_at": AT,
    }  # fmt: skip
    ShopifyInventoryLevel.validate(pd.DataFrame([row]))  # negative available is allowed here
    row["location_id"] = "gid://shopify/Location/8"
    with pytest.raises(pa.errors.SchemaError, match="does not name its location and item"):
        ShopifyInventoryLevel.validate(pd.DataFrame([row]))
