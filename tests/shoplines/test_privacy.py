"""Masking personal data in text people read, without mangling order numbers, ids, dates or money."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplines.privacy import mask_email, mask_phone, mask_text, mask_value


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("thandi.nkosi@gmail.com", "t***@g***.com"),
        ("Order #1004 for sipho@shop.co.za failed", "Order #1004 for s***@s***.co.za failed"),
        ("phone +27 82 123 4567 on #1009", "phone ***67 on #1009"),
        ("call 0821234567.", "call ***67."),
        ("tel:0821234567, +27821234567: ok", "tel:***67, ***67: ok"),
        ("at 2026-11-01 08:15:00, 12:30", "at 2026-11-01 08:15:00, 12:30"),
        (
            "gid://shopify/Order/5012345678901 at 2026-11-01 08:15:00",
            "gid://shopify/Order/5012345678901 at 2026-11-01 08:15:00",
        ),
        ("total 1234567.50 ZAR, qty 3", "total 1234567.50 ZAR, qty 3"),
        ("2026-11-01T00:00:00Z to 2026-11-02", "2026-11-01T00:00:00Z to 2026-11-02"),
    ],
)
def test_emails_and_phone_numbers_are_masked_and_nothing_else(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_values_are_masked_by_column() -> None:
    assert mask_value("customer_email", "thandi@gmail.com") == "t***@g***.com"
    assert mask_value("email", "not an address") == "***"
    assert mask_value("ship_to_phone", "082 123 4567") == "***67"
    assert mask_value("ship_to_address1", "12 Long Street") == "***"
    assert mask_value("sku", "TEE-BLK-M") == "TEE-BLK-M"
    assert mask_value("ship_to_phone", None) == ""
    assert (mask_email("x"), mask_phone("12")) == ("***", "***")


@given(st.emails())
def test_no_generated_address_survives(address: str) -> None:
    shown = mask_text(f"customer {address} wrote")
    assert address not in shown
    assert shown.startswith(f"customer {address[0]}***@")


@given(st.from_regex(r"\A(\+27|0)[6-8][0-9]( ?[0-9]{3}){2}[0-9]\Z"))
def test_no_south_african_mobile_number_survives(number: str) -> None:
    shown = mask_text(f"ring {number} after 5")
    assert number not in shown
    assert shown.endswith(f"***{number[-2:]} after 5")
