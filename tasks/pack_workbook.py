"""The pack's workbook, made from its CSVs by openpyxl in write-only mode (rows stream to disk): a cover,
then one sheet per CSV with a frozen bold header, autofilter, widths, real numbers and dates with formats,
and the Reconciliation's differences filled. Text is always a string cell, never a formula."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from schemas.month_end import RECONCILIATION, Kind, Sheet
from tasks.pack_cells import ENCODING

FORMATS: dict[Kind, str] = {
    "amount": "#,##0.00;[Red]-#,##0.00",
    "count": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
BOLD = Font(bold=True)
RED = PatternFill("solid", fgColor="F4CCCC")
AMBER = PatternFill("solid", fgColor="FCE5CD")
HIGHLIGHT = {"accounting_difference": RED, "not_at_warehouse": AMBER}  # Reconciliation: non-zero is filled
Cover = Sequence[tuple[str, str]]


def _value(kind: Kind, text: str) -> Any:
    if text == "" or kind in ("key", "text"):
        return text
    if kind == "amount":
        return Decimal(text)
    if kind == "count":
        return int(text)
    if kind == "date":
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)  # shop-time wall time: a workbook has no time zones


def _renderer(ws: WriteOnlyWorksheet, sheet: Sheet) -> Callable[[list[str]], list[Any]]:
    kinds = list(sheet.kinds().values())
    fills = [HIGHLIGHT.get(name) if sheet is RECONCILIATION else None for name in sheet.columns]

    def render(row: list[str]) -> list[Any]:
        cells: list[Any] = []
        for kind, text, fill in zip(kinds, row, fills, strict=True):
            value = _value(kind, text)
            if value == "" or kind in ("key", "text"):
                cells.append(value or None)  # safe text: never starts with "=", so never a formula
                continue
            cell = WriteOnlyCell(ws, value=value)
            if kind == "amount":
                exact(cell, text)
            cell.number_format = FORMATS[kind]
            if fill is not None and value != 0:
                cell.fill = fill
            cells.append(cell)
        return cells

    return render


def exact(cell: WriteOnlyCell, text: str) -> None:
    """Store the amount as its decimal text ("85.04"). openpyxl writes numbers with "%.16g", which turns
    Decimal("85.04") into 85.04000000000001; given text, it writes the text as it is."""
    cell._value = text  # the one way to keep openpyxl from going through float
    cell.data_type = "n"


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding=ENCODING, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def _prepare(wb: Workbook, title: str, widths: Sequence[int], rows: int | None) -> WriteOnlyWorksheet:
    ws: WriteOnlyWorksheet = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for number, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width
    if rows is not None:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{rows + 1}"
    return ws


def _header(ws: WriteOnlyWorksheet, names: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = BOLD
        cells.append(cell)
    return cells


def render_workbook(
    folder: Path, sheets: Sequence[Sheet], rows: dict[str, int], cover: Cover, path: Path
) -> None:
    """Write `path`: the cover, then each sheet from `folder`'s CSV (`rows` = its data rows)."""
    wb = Workbook(write_only=True)
    front = _prepare(wb, "Cover", [28, 90], None)
    front.append(_header(front, ["", "Month-end pack"]))
    for label, text in cover:
        front.append([label, text])
    for sheet in sheets:
        ws = _prepare(wb, sheet.title, sheet.widths(), rows[sheet.file])
        ws.append(_header(ws, sheet.columns))
        render = _renderer(ws, sheet)
        for row in _rows(folder / sheet.file):
            ws.append(render(row))
    wb.save(path)
