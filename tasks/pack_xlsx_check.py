"""The workbook checked against its CSVs before delivery: every sheet has the CSV's rows, cell for cell (text
as text, amounts and counts as the same numbers), and no cell anywhere is a formula. Streams the sheet XML."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

from openpyxl.utils import column_index_from_string

from schemas.month_end import Sheet
from tasks.pack_cells import ENCODING

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_LISTED = 5


class FormulaFound(ValueError):
    """A cell of the workbook holds a formula: nothing in a pack may."""


def _sheet_files(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its XML part inside the workbook."""
    with book.open("xl/_rels/workbook.xml.rels") as handle:
        rels = [el for _, el in iterparse(handle) if el.tag == f"{PKG}Relationship"]  # noqa: S314
    targets = {el.get("Id"): el.get("Target", "") for el in rels}
    with book.open("xl/workbook.xml") as handle:
        sheets = [el for _, el in iterparse(handle) if el.tag == f"{NS}sheet"]  # noqa: S314
    return {str(s.get("name")): "xl/" + targets[s.get(REL)].lstrip("/").removeprefix("xl/") for s in sheets}


def _cell_text(cell: Element) -> str:
    if cell.find(f"{NS}f") is not None:
        raise FormulaFound(f"cell {cell.get('r')} holds a formula")
    if cell.get("t") == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{NS}t"))
    value = cell.find(f"{NS}v")
    return "" if value is None or value.text is None else value.text


def xlsx_rows(book: zipfile.ZipFile, part: str) -> Iterator[list[str]]:
    """Each row of a sheet part as cell texts by column (missing cells empty)."""
    with book.open(part) as handle:
        for _, el in iterparse(handle):  # noqa: S314 - the workbook this run wrote
            if el.tag != f"{NS}row":
                continue
            row: list[str] = []
            for cell in el.iter(f"{NS}c"):
                column = column_index_from_string(str(cell.get("r")).rstrip("0123456789"))
                row.extend([""] * (column - 1 - len(row)))
                row.append(_cell_text(cell))
            el.clear()
            yield row


def _same(kind: str, wrote: str, found: str) -> bool:
    if kind in ("key", "text") or wrote == "":
        return wrote == found
    if kind in ("amount", "count"):
        try:
            return Decimal(wrote) == Decimal(found)
        except InvalidOperation:
            return False
    return found != ""  # dates are serial numbers in the workbook: present is enough


def _compare(sheet: Sheet, csv_rows: Iterator[list[str]], sheet_rows: Iterator[list[str]]) -> list[str]:
    kinds = list(sheet.kinds().values())
    if next(csv_rows, None) != next(sheet_rows, None):
        return [f"{sheet.title}: the workbook's header is not {sheet.file}'s"]
    problems: list[str] = []
    for number, (wrote, found) in enumerate(zip_longest(csv_rows, sheet_rows), start=1):
        if wrote is None or found is None:
            return [*problems, f"{sheet.title}: the workbook and {sheet.file} have different row counts"]
        padded = found + [""] * (len(wrote) - len(found))
        if not all(_same(k, w, f) for k, w, f in zip(kinds, wrote, padded, strict=False)):
            problems.append(f"{sheet.title} row {number} differs from {sheet.file}")
            if len(problems) >= MAX_LISTED:
                break
    return problems


def check_workbook(path: Path, folder: Path, sheets: Sequence[Sheet]) -> list[str]:
    """Differences between the workbook and the CSVs it was made from (empty: they agree)."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as book:
        parts = _sheet_files(book)
        for title, part in parts.items():
            try:
                for _ in xlsx_rows(book, part) if title == "Cover" else ():
                    pass
            except FormulaFound as exc:
                problems.append(f"{title}: {exc}")
        for sheet in sheets:
            if sheet.title not in parts:
                problems.append(f"the workbook has no {sheet.title} sheet")
                continue
            with (folder / sheet.file).open(encoding=ENCODING, newline="") as handle:
                try:
                    problems += _compare(sheet, csv.reader(handle), xlsx_rows(book, parts[sheet.title]))
                except FormulaFound as exc:
                    problems.append(f"{sheet.title}: {exc}")
    return problems
