"""Split an amount of cents into parts that add up exactly: the one rounding rule for every split."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import floor

Weight = int | Decimal | Fraction


def round_half_up(value: Fraction) -> int:
    """Round to the nearest whole cent, halves away from zero (ROUND_HALF_UP)."""
    magnitude = floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def split_cents(total_cents: int, weights: Sequence[Weight]) -> list[int]:
    """Split ``total_cents`` in proportion to ``weights``; the parts always sum to the total.

    Each running total is rounded half-up and every part is the step between two rounded running totals,
    so the last part takes whatever remainder is left and no part is more than one cent from its exact
    share, however many parts there are. All-zero weights put the whole amount on the last part.

    Raises:
        ValueError: no weights, or a negative weight.
    """
    if not weights:
        raise ValueError("cannot split an amount into no parts")
    exact = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError(f"weights must not be negative: {list(weights)!r}")
    whole = sum(exact, Fraction(0))
    if whole == 0:
        return [0] * (len(exact) - 1) + [total_cents]
    parts, running, before = [], Fraction(0), 0
    for weight in exact[:-1]:
        running += weight
        upto = round_half_up(total_cents * running / whole)
        parts.append(upto - before)
        before = upto
    parts.append(total_cents - before)
    return parts
