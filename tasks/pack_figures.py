"""An order's money for month-end, per VAT class, in integer cents: what a pack records, adds and compares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

GIFT_CARD = "gift card (no VAT)"
NO_LINES = "refund without lines"
UNKNOWN = "unknown"


class Amounts(NamedTuple):
    """VAT-inclusive amounts of one order (or part of one), integer cents."""

    gross: int = 0  # products at their original price
    discounts: int = 0  # line and shipping discounts
    shipping: int = 0  # shipping at its original price
    vat: int = 0
    total: int = (
        0  # what the customer was charged: gross - discounts + shipping (+ VAT when prices exclude it)
    )

    def __add__(self, other: object) -> Amounts:
        if not isinstance(other, Amounts):
            return NotImplemented
        return Amounts(*(a + b for a, b in zip(self, other, strict=True)))

    def minus(self, other: Amounts) -> Amounts:
        return Amounts(*(a - b for a, b in zip(self, other, strict=True)))

    def is_zero(self) -> bool:
        return not any(self)


Figures = dict[str, Amounts]  # VAT class -> amounts


def vat_class(rate: Decimal, *, gift_card: bool, export: bool) -> str:
    """How finance groups VAT: "VAT 15%", "zero-rated export", "zero-rated", or gift cards (not a supply)."""
    if gift_card:
        return GIFT_CARD
    if rate > 0:
        return f"VAT {format((rate * 100).normalize(), 'f')}%"
    return "zero-rated export" if export else "zero-rated"


def add_figures(into: Figures, more: Mapping[str, Amounts]) -> Figures:
    """`into` plus `more`, class by class (a new dict)."""
    out = dict(into)
    for name, amounts in more.items():
        out[name] = out.get(name, Amounts()) + amounts
    return out


def total_of(figures: Iterable[Amounts]) -> Amounts:
    out = Amounts()
    for amounts in figures:
        out = out + amounts
    return out


def difference(now: Mapping[str, Amounts], before: Mapping[str, Amounts]) -> Figures:
    """What changed, class by class; classes that did not change are left out."""
    out = {}
    for name in sorted(set(now) | set(before)):
        changed = now.get(name, Amounts()).minus(before.get(name, Amounts()))
        if not changed.is_zero():
            out[name] = changed
    return out


def to_json(figures: Mapping[str, Amounts]) -> dict[str, list[int]]:
    return {name: list(amounts) for name, amounts in sorted(figures.items())}


def from_json(raw: Mapping[str, Iterable[int]]) -> Figures:
    return {str(name): Amounts(*(int(v) for v in values)) for name, values in raw.items()}
