"""The pack's control totals: sales, refunds, adjustments and net, per VAT class and per payment gateway, in
integer cents; `summary_rows` is the Summary sheet, the same function whoever added the totals up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tasks.pack_cells import amount
from tasks.pack_figures import Amounts

SummaryRow = list[str]
KINDS = ("sales", "refunds", "adjustments")


@dataclass
class Bucket:
    """An amount, its VAT and how many records made it."""

    amount: int = 0
    vat: int = 0
    count: int = 0

    def add(self, cents: int, vat: int, count: int = 0) -> None:
        self.amount += cents
        self.vat += vat
        self.count += count


def _buckets() -> defaultdict[str, defaultdict[str, Bucket]]:
    return defaultdict(lambda: defaultdict(Bucket))


@dataclass
class Totals:
    """Everything the Summary says; `tests` (orders left out) is the one figure no sheet can re-add."""

    sales: Amounts = field(default_factory=Amounts)
    orders: int = 0
    cancelled: int = 0
    tests: int = 0
    line_rows: int = 0
    refunds: Bucket = field(default_factory=Bucket)
    paid: int = 0
    refund_rows: int = 0
    adjustments: Bucket = field(default_factory=Bucket)
    adjustment_rows: int = 0
    classes: defaultdict[str, defaultdict[str, Bucket]] = field(default_factory=_buckets)
    gateways: defaultdict[str, defaultdict[str, Bucket]] = field(default_factory=_buckets)

    def sale(self, gateway: str, figures: Mapping[str, Amounts], *, cancelled: bool, rows: int) -> None:
        """One order of the month, with its Line items row count."""
        whole = Amounts()
        for cls, money in figures.items():
            self.classes[cls]["sales"].add(money.total, money.vat)
            whole = whole + money
        self.sales = self.sales + whole
        self.orders += 1
        self.cancelled += int(cancelled)
        self.line_rows += rows
        self.gateways[gateway]["sales"].add(whole.total, whole.vat, 1)

    def refund(self, gateway: str, parts: Iterable[tuple[str, int, int]], paid: int) -> None:
        """One refund of the month: its (VAT class, amount, VAT) rows and the money paid back."""
        listed = list(parts)
        for cls, cents, vat in listed:
            self.classes[cls]["refunds"].add(cents, vat)
        cents, vat = sum(p[1] for p in listed), sum(p[2] for p in listed)
        self.refunds.add(cents, vat, 1)
        self.paid += paid
        self.refund_rows += len(listed)
        self.gateways[gateway]["refunds"].add(cents, vat, 1)
        self.gateways[gateway]["paid"].add(paid, 0)

    def adjustment(self, gateway: str, figures: Mapping[str, Amounts]) -> None:
        """One order of a closed month that changed in this month: the change, per VAT class."""
        whole = Amounts()
        for cls, money in figures.items():
            self.classes[cls]["adjustments"].add(money.total, money.vat)
            whole = whole + money
        self.adjustments.add(whole.total, whole.vat, 1)
        self.adjustment_rows += len(figures)
        self.gateways[gateway]["adjustments"].add(whole.total, whole.vat, 1)


def _row(
    section: str, item: str, cents: int | None = None, vat: int | None = None, count: int | None = None
) -> SummaryRow:
    show = lambda v: "" if v is None else amount(v)  # noqa: E731
    return [section, item, show(cents), show(vat), "" if count is None else str(count)]


def _net(parts: Mapping[str, Bucket]) -> tuple[int, int]:
    sales, refunds, adjusted = parts["sales"], parts["refunds"], parts["adjustments"]
    return sales.amount - refunds.amount + adjusted.amount, sales.vat - refunds.vat + adjusted.vat


def summary_rows(t: Totals) -> list[SummaryRow]:
    """The Summary sheet: control totals, then per VAT class, per gateway, and counts."""
    s = t.sales
    rows = [
        _row("sales", "orders", count=t.orders),
        _row("sales", "gross sales", s.gross),
        _row("sales", "discounts", s.discounts),
        _row("sales", "shipping", s.shipping),
        _row("sales", "sales total", s.total, s.vat, t.orders),
        _row("sales", "cancelled orders", count=t.cancelled),
        _row("sales", "test orders excluded", count=t.tests),
        _row("refunds", "refunds", t.refunds.amount, t.refunds.vat, t.refunds.count),
        _row("refunds", "paid back", t.paid),
        _row("adjustments", "adjustments", t.adjustments.amount, t.adjustments.vat, t.adjustments.count),
        _row(
            "net",
            "net sales",
            s.total - t.refunds.amount + t.adjustments.amount,
            s.vat - t.refunds.vat + t.adjustments.vat,
        ),
    ]
    for cls in sorted(t.classes):
        parts = t.classes[cls]
        rows += [_row("vat", f"{cls}: {kind}", parts[kind].amount, parts[kind].vat) for kind in KINDS]
        rows.append(_row("vat", f"{cls}: net", *_net(parts)))
    for gateway in sorted(t.gateways):
        parts = t.gateways[gateway]
        rows += [
            _row("gateway", f"{gateway}: {kind}", parts[kind].amount, parts[kind].vat, parts[kind].count)
            for kind in KINDS
        ]
        rows.append(_row("gateway", f"{gateway}: paid back", parts["paid"].amount))
        rows.append(_row("gateway", f"{gateway}: net", *_net(parts)))
    rows += [
        _row("counts", "line items", count=t.line_rows),
        _row("counts", "refund rows", count=t.refund_rows),
        _row("counts", "adjustment rows", count=t.adjustment_rows),
    ]
    return rows


def control_totals(t: Totals) -> dict[str, str]:
    """The headline figures for the manifest and messages ("sales total": "12345.67", ...)."""
    return {
        f"{section}: {item}": (cents or count)
        for section, item, cents, _vat, count in summary_rows(t)
        if section in ("sales", "refunds", "adjustments", "net")
    }
