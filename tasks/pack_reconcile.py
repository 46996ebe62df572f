"""The Reconciliation sheet: per shop day, the month's orders in Shopify against what the warehouse was sent
and what the books hold; the differences are what the workbook highlights."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from schemas.month_end import RECONCILIATION
from tasks.pack_cells import Written, amount, write_sheet
from tasks.pack_orders import PackOrder
from tasks.pack_period import Period, shop_time


@dataclass
class Day:
    orders: int = 0
    cents: int = 0
    warehouse: int = 0


@dataclass
class Days:
    """Per shop day of the month: Shopify's orders and their total, and how many the warehouse has."""

    period: Period
    days: dict[date, Day] = field(default_factory=dict)

    def add(self, orders: Iterable[PackOrder], at_warehouse: set[str]) -> None:
        for o in orders:
            day = self.days.setdefault(shop_time(o.processed_at, self.period.timezone).date(), Day())
            day.orders += 1
            day.cents += sum(f.total for f in o.figures.values())
            day.warehouse += int(o.order_id in at_warehouse)


def reconciliation_rows(days: Days, books: Mapping[date, tuple[int, int]], out: Path) -> dict[str, Written]:
    """One row per day of the month (days without orders too), written to its CSV."""
    rows = []
    for when in days.period.days():
        day = days.days.get(when, Day())
        posted, posted_cents = books.get(when, (0, 0))
        rows.append(
            [
                when.isoformat(),
                str(day.orders),
                amount(day.cents),
                str(day.warehouse),
                str(day.orders - day.warehouse),
                str(posted),
                amount(posted_cents),
                amount(day.cents - posted_cents),
            ]
        )
    return {RECONCILIATION.file: write_sheet(out, RECONCILIATION, rows)}
