"""Money as integer cents: exact parsing of Shopify's decimal strings and fixed two-decimal output."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# The usual shapes ("64.90", "-5", "0.5"): parsed as integers, no Decimal (a hot path in every pull).
_PLAIN = re.compile(r"(-?)([0-9]{1,15})(?:\.([0-9]{1,2}))?")


class MoneyError(ValueError):
    """An amount that is not an exact number of cents."""


def to_cents(amount: object) -> int:
    """Parse a Shopify `Decimal` scalar ("64.9", "64.90", "10") into integer cents, exactly."""
    if isinstance(amount, bool) or not isinstance(amount, str | int):
        raise MoneyError(f"amount {amount!r} is not a decimal string")
    if isinstance(amount, str) and (plain := _PLAIN.fullmatch(amount)):
        sign, whole, fraction = plain.groups()
        whole_cents = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
        return -whole_cents if sign else whole_cents
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
