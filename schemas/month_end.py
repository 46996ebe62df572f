"""The month-end pack's sheets as their CSV text: one pandera model per sheet, each column's kind (key, text,
amount, count, date, datetime) in its metadata, so the writer, the workbook and the checks read one source.

Amounts are VAT-inclusive ZAR with exactly two decimals ("-15.00"), never a float; text never begins with a
formula trigger (`= + - @`, tab, CR, LF): it was neutralised with a leading apostrophe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandera.pandas as pa
from pandera.typing import Series

Kind = Literal["key", "text", "amount", "count", "date", "datetime"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
SAFE = r"(?![=+\-@\t\r\n])"
PATTERNS: dict[Kind, str] = {
    "key": rf"^{SAFE}\S",
    "text": rf"^{SAFE}",
    "amount": r"^-?\d{1,13}\.\d{2}$",
    "count": r"^-?\d{1,12}$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "datetime": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
}
WIDTHS: dict[Kind, int] = {"key": 14, "text": 24, "amount": 14, "count": 9, "date": 12, "datetime": 20}


def column(kind: Kind, *, width: int | None = None, optional: bool = False, **checks: Any) -> Any:
    """A sheet column: text matching its kind (empty allowed when `optional`), width in the workbook."""
    pattern = PATTERNS[kind] if not optional else f"^$|{PATTERNS[kind]}"
    meta = {"kind": kind, "width": width or WIDTHS[kind]}
    return pa.Field(str_matches=pattern, metadata=meta, **checks)


class SheetModel(pa.DataFrameModel):
    """Every sheet: exactly its columns, in order, all text as written in the CSV."""

    class Config:
        strict = True
        ordered = True


class SummarySheet(SheetModel):
    section: Series[str] = column("text", width=14)
    item: Series[str] = column("text", width=40)
    amount: Series[str] = column("amount", optional=True, width=16)
    vat: Series[str] = column("amount", optional=True, width=16)
    count: Series[str] = column("count", optional=True)


class OrdersSheet(SheetModel):
    order: Series[str] = column("key")
    shopify_id: Series[str] = column("key", width=16)
    processed_at: Series[str] = column("datetime")
    gateway: Series[str] = column("text", width=16)
    ship_to_country: Series[str] = column("text", width=8)
    cancelled_at: Series[str] = column("datetime", optional=True)
    tags: Series[str] = column("text", width=30)
    lines: Series[str] = column("count", width=7)
    gross: Series[str] = column("amount")
    discounts: Series[str] = column("amount")
    shipping: Series[str] = column("amount")
    vat: Series[str] = column("amount")
    total: Series[str] = column("amount")


class LineItemsSheet(SheetModel):
    order: Series[str] = column("key")
    kind: Series[str] = column("text", width=10, isin=["product", "gift card", "shipping"])
    sku: Series[str] = column("text", optional=True, width=18)  # a stray space must not block a month
    name: Series[str] = column("text", width=36)
    quantity: Series[str] = column("count")
    unit_price: Series[str] = column("amount")
    gross: Series[str] = column("amount")
    discounts: Series[str] = column("amount")
    shipping: Series[str] = column("amount")
    vat_class: Series[str] = column("text", width=20)
    vat: Series[str] = column("amount")
    total: Series[str] = column("amount")


class RefundsSheet(SheetModel):
    refund: Series[str] = column("key", width=16)
    created_at: Series[str] = column("datetime")
    order: Series[str] = column("key")
    order_month: Series[str] = column("text", width=10)
    gateway: Series[str] = column("text", width=16)
    kind: Series[str] = column("text", width=10, isin=["product", "gift card", "shipping", "other"])
    sku: Series[str] = column("text", optional=True, width=18)  # a stray space must not block a month
    quantity: Series[str] = column("count")
    note: Series[str] = column("text", width=30)
    vat_class: Series[str] = column("text", width=20)
    amount: Series[str] = column("amount")
    vat: Series[str] = column("amount")
    paid: Series[str] = column("amount")


class AdjustmentsSheet(SheetModel):
    order: Series[str] = column("key")
    order_month: Series[str] = column("text", width=10)
    changed_at: Series[str] = column("datetime")
    gateway: Series[str] = column("text", width=16)
    adjusts: Series[str] = column("text", width=14)
    vat_class: Series[str] = column("text", width=20)
    gross: Series[str] = column("amount")
    discounts: Series[str] = column("amount")
    shipping: Series[str] = column("amount")
    vat: Series[str] = column("amount")
    total: Series[str] = column("amount")


class ExceptionsSheet(SheetModel):
    kind: Series[str] = column("text", width=12)
    line: Series[str] = column("text", width=22)
    record: Series[str] = column("text", width=16)
    reason: Series[str] = column("text", width=60)
    amount: Series[str] = column("amount", optional=True)
    since: Series[str] = column("datetime", optional=True)
    reference: Series[str] = column("text", width=16)


class ReconciliationSheet(SheetModel):
    day: Series[str] = column("date")
    shopify_orders: Series[str] = column("count", width=10)
    shopify_total: Series[str] = column("amount", width=16)
    warehouse_orders: Series[str] = column("count", width=10)
    not_at_warehouse: Series[str] = column("count", width=10)
    accounting_orders: Series[str] = column("count", width=10)
    accounting_total: Series[str] = column("amount", width=16)
    accounting_difference: Series[str] = column("amount", width=16)


class ChangesSheet(SheetModel):
    section: Series[str] = column("text", width=14)
    item: Series[str] = column("text", width=40)
    before: Series[str] = column("amount", optional=True, width=16)
    after: Series[str] = column("amount", optional=True, width=16)
    difference: Series[str] = column("amount", optional=True, width=16)


@dataclass(frozen=True)
class Sheet:
    """One sheet of the pack: its workbook title, its CSV and its model; `money` sheets make the fingerprint
    (exceptions and the reconciliation change with the state, not with the month's data)."""

    title: str
    file: str
    model: type[SheetModel]
    money: bool

    @property
    def columns(self) -> list[str]:
        return list(self.model.to_schema().columns)

    def kinds(self) -> dict[str, Kind]:
        return {n: c.metadata["kind"] for n, c in self.model.to_schema().columns.items()}

    def widths(self) -> list[int]:
        return [int(c.metadata["width"]) for c in self.model.to_schema().columns.values()]


SUMMARY = Sheet("Summary", "summary.csv", SummarySheet, money=True)
ORDERS = Sheet("Orders", "orders.csv", OrdersSheet, money=True)
LINES = Sheet("Line items", "line_items.csv", LineItemsSheet, money=True)
REFUNDS = Sheet("Refunds", "refunds.csv", RefundsSheet, money=True)
ADJUSTMENTS = Sheet("Adjustments", "adjustments.csv", AdjustmentsSheet, money=True)
EXCEPTIONS = Sheet("Exceptions", "exceptions.csv", ExceptionsSheet, money=False)
RECONCILIATION = Sheet("Reconciliation", "reconciliation.csv", ReconciliationSheet, money=False)
CHANGES = Sheet("Changes", "changes.csv", ChangesSheet, money=False)
SHEETS = (SUMMARY, ORDERS, LINES, REFUNDS, ADJUSTMENTS, EXCEPTIONS, RECONCILIATION)
