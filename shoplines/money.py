"""Money as integer cents: exact parsing of Shopify's decimal strings and fixed two-decimal output."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


class MoneyError(ValueError):
    """An amount that is not an exact number of cents."""


def to_cents(amount: object) -> int:
    """Parse a Shopify `Decimal` scalar ("64.9", "64.90", "10") into integer cents, exactly."""
    if isinstance(amount, bool) or not isinstance(amount, str | int):
        raise MoneyError(f"amount {amount!r} is not a decimal string")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise MoneyError(f"amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise MoneyError(f"amount {amount!r} is not a finite number")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"amount {amount!r} has fractions of a cent")
    return int(cents)


def format_cents(cents: int) -> str:
    """Integer cents as a plain two-decimal string: 12345 -> "123.45", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{frac:02d}"
