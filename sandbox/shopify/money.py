"""Money helpers: Decimal amounts, Shopify MoneyBag dicts, and South African VAT."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
VAT_RATE = Decimal("0.15")
VAT_TITLE = "VAT"

MoneyBag = dict[str, Any]


def cents(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half-up (how the sandbox rounds every computed amount)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def bag(amount: Decimal | int | str, currency: str = "ZAR") -> MoneyBag:
    """A MoneyBag with the same amount in shop and presentment money (the sandbox sells in ZAR only).

    Amounts are stored as strings with two decimals, as the ``Decimal`` scalar serialises them.
    """
    text = str(cents(amount))
    return {
        "shopMoney": {"amount": text, "currencyCode": currency},
        "presentmentMoney": {"amount": text, "currencyCode": currency},
    }


def amount(money_bag: MoneyBag | None) -> Decimal:
    """The shop-money amount of a MoneyBag (zero for ``None``)."""
    if not money_bag:
        return ZERO
    return Decimal(money_bag["shopMoney"]["amount"])


def total(bags: Iterable[MoneyBag | None]) -> Decimal:
    """Sum the shop-money amounts of several MoneyBags."""
    return sum((amount(b) for b in bags), ZERO)


def vat_included(gross: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive amount: ``gross × 15/115`` rounded half-up to the cent."""
    return cents(gross * 15 / 115)


def vat_line(gross: Decimal, currency: str = "ZAR") -> dict[str, Any]:
    """A Shopify ``TaxLine`` for 15% VAT included in ``gross``."""
    # rate is a Float in Shopify's schema; it is a rate, not money.
    return {
        "title": VAT_TITLE,
        "rate": float(VAT_RATE),
        "ratePercentage": 15.0,
        "channelLiable": False,
        "priceSet": bag(vat_included(gross), currency),
    }


def split(value: Decimal, part: int, whole: int) -> Decimal:
    """``value × part / whole`` rounded to the cent (used to pro-rate discounts and refunds)."""
    if whole == 0:
        return ZERO
    return cents(value * part / whole)
