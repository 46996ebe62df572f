"""Amounts to cents: the integer fast path agrees with exact Decimal arithmetic on every input."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplines.money import MoneyError, format_cents, to_cents


def by_decimal(amount: str) -> int | None:
    """The reference: exact Decimal arithmetic, None where it is not a whole number of cents."""
    try:
        cents = Decimal(amount) * 100
    except InvalidOperation:
        return None
    return int(cents) if cents.is_finite() and cents == cents.to_integral_value() else None


amounts = st.one_of(
    st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,4})?", fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.text(alphabet="0123456789.-+eE ٣", max_size=8),
)


@given(amounts)
def test_to_cents_equals_exact_decimal_arithmetic(amount: str) -> None:
    expected = by_decimal(amount)
    if expected is None:
        with pytest.raises(MoneyError):
            to_cents(amount)
    else:
        assert to_cents(amount) == expected


@pytest.mark.parametrize(
    ("amount", "cents"), [("64.9", 6490), ("64.90", 6490), ("10", 1000), ("-0.05", -5), ("0.5", 50), (7, 700)]
)
def test_usual_shapes(amount: str | int, cents: int) -> None:
    assert to_cents(amount) == cents
    assert to_cents(format_cents(cents)) == cents


@pytest.mark.parametrize("amount", ["1.005", "NaN", "Infinity", "", "1,00", True, 1.5])
def test_what_is_not_a_whole_number_of_cents_is_refused(amount: object) -> None:
    with pytest.raises(MoneyError):
        to_cents(amount)
