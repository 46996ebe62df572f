"""How the simulated 3PL reads an uploaded order file: by header names only, trailer totals checked."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

DATA_RECORD_TYPES = frozenset({"NEW", "AMEND", "CANCEL", "REPLACEMENT"})
REQUIRED_COLUMNS = (
    "record_type", "batch_id", "order_number", "order_version", "order_date",
    "line_number", "sku", "quantity", "line_total",
)  # fmt: skip


class FileRejected(Exception):
    """The whole file is refused; `reason` is `CODE: detail` as written to the ERR file."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.reason = f"{code}: {detail}"


@dataclass(frozen=True)
class OrderRow:
    """One data row; `row` is its 1-based row number in the file (the header is row 1)."""

    row: int
    record_type: str
    order_number: str
    order_version: str
    order_date: str
    line_number: str
    sku: str
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class OrderFile:
    """A well-formed file whose trailer matched its rows."""

    batch_id: str
    rows: tuple[OrderRow, ...]

    def orders(self) -> dict[str, list[OrderRow]]:
        """Rows grouped by order number, in order of first appearance."""
        grouped: dict[str, list[OrderRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.order_number, []).append(row)
        return grouped


def parse_order_file(data: bytes) -> OrderFile:
    """Parse and check an uploaded order file.

    Raises:
        FileRejected: `MALFORMED` (encoding, CSV syntax, columns, values, trailer placement) or
            `CONTROL_TOTAL_MISMATCH` (trailer counts or sums differ from the data rows).
    """
    records = _read_records(data)
    if not records or records[-1].get("record_type") != "TRAILER":
        raise FileRejected("MALFORMED", "the last row is not a TRAILER")
    rows = tuple(_to_row(number, record) for number, record in enumerate(records[:-1], start=2))
    if not rows:
        raise FileRejected("MALFORMED", "the file has no order rows")
    _check_trailer(records[-1], rows)
    return OrderFile(batch_id=records[0]["batch_id"], rows=rows)


def _read_records(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
        records = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FileRejected("MALFORMED", str(exc)) from exc
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise FileRejected("MALFORMED", f"missing columns {', '.join(missing)}")
    for number, record in enumerate(records, start=2):
        if None in record or None in record.values():
            raise FileRejected("MALFORMED", f"row {number} has not {len(header)} fields")
    return records


def _to_row(number: int, record: dict[str, str]) -> OrderRow:
    record_type = record["record_type"]
    if record_type not in DATA_RECORD_TYPES:
        raise FileRejected("MALFORMED", f"row {number} has record_type {record_type!r}")
    if not record["order_number"]:
        raise FileRejected("MALFORMED", f"row {number} has no order_number")
    cancel = record_type == "CANCEL"
    return OrderRow(
        row=number,
        record_type=record_type,
        order_number=record["order_number"],
        order_version=record["order_version"],
        order_date=record["order_date"],
        line_number=record["line_number"],
        sku=record["sku"],
        quantity=_count(
            record["quantity"], f"row {number} quantity", empty_ok=cancel, minimum=0 if cancel else 1
        ),
        line_total=_amount(record["line_total"], f"row {number} line_total", empty_ok=cancel),
    )


def _check_trailer(trailer: dict[str, str], rows: tuple[OrderRow, ...]) -> None:
    expected = {
        "order_number": len({row.order_number for row in rows}),
        "line_number": len(rows),
        "quantity": sum(row.quantity for row in rows),
    }
    for column, actual in expected.items():
        declared = _count(trailer[column], f"trailer {column}", empty_ok=False, minimum=0)
        if declared != actual:
            raise FileRejected(
                "CONTROL_TOTAL_MISMATCH", f"trailer {column} is {declared}, rows give {actual}"
            )
    total = sum((row.line_total for row in rows), Decimal(0))
    declared_total = _amount(trailer["line_total"], "trailer line_total", empty_ok=False)
    if declared_total != total:
        raise FileRejected(
            "CONTROL_TOTAL_MISMATCH", f"trailer line_total is {declared_total}, rows give {total}"
        )


def _count(value: str, what: str, *, empty_ok: bool, minimum: int) -> int:
    if value == "" and empty_ok:
        return 0
    if not (value.isascii() and value.isdigit()) or int(value) < minimum:
        raise FileRejected("MALFORMED", f"{what} {value!r} is not a whole number >= {minimum}")
    return int(value)


def _amount(value: str, what: str, *, empty_ok: bool) -> Decimal:
    if value == "" and empty_ok:
        return Decimal(0)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or not isinstance(exponent, int) or exponent < -2 or "e" in value.lower():
        raise FileRejected("MALFORMED", f"{what} {value!r} is not an amount like 123.45")
    return amount
