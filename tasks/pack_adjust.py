"""Adjustments: an order of a closed month (one a pack was issued for) that changed in this month shows here
as the difference against what finance already has; the closed month itself is never rewritten."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tasks.pack_cells import amount, safe, stamp
from tasks.pack_figures import Figures, difference
from tasks.pack_orders import PackOrder
from tasks.pack_period import Period, month_of


@dataclass(frozen=True)
class Baseline:
    """What issued packs say of one order: its month's latest revision plus later adjustments."""

    figures: Figures
    issued_in: str  # the pack that carried the order, e.g. "2026-10-r1"


def is_candidate(order: PackOrder, period: Period) -> bool:
    """A non-test order processed before the month and last changed inside it."""
    return not order.test and order.processed_at < period.start and period.contains(order.updated_at)


def adjustment(
    order: PackOrder, baseline: Baseline | None, period: Period
) -> tuple[Figures, list[list[str]]]:
    """The change to `order` against its baseline, and its Adjustments rows (none when its month was never
    issued, or nothing that finance sees changed)."""
    if baseline is None:
        return {}, []
    changed = difference(order.figures, baseline.figures)
    head = [
        safe(order.name),
        month_of(order.processed_at, period.timezone),
        stamp(order.updated_at, period.timezone),
        safe(order.gateway),
        safe(baseline.issued_in),
    ]
    rows = [[*head, cls, *(amount(v) for v in money)] for cls, money in changed.items()]
    return changed, rows


def adjustments(
    candidates: list[PackOrder], baselines: Mapping[str, Baseline], period: Period
) -> list[tuple[PackOrder, Figures, list[list[str]]]]:
    """Every candidate that changed against its baseline, in (changed at, name) order."""
    found = []
    for order in sorted(candidates, key=lambda o: (o.updated_at, o.name, o.order_id)):
        changed, rows = adjustment(order, baselines.get(order.order_id), period)
        if rows:
            found.append((order, changed, rows))
    return found
