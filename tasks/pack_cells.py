"""Cells of the month-end pack as CSV text: neutralised free text, two-decimal amounts, shop-time stamps,
and one CSV writer per sheet (RFC 4180, UTF-8 with a BOM so Excel reads names right)."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from schemas.month_end import TRIGGERS, Sheet
from shoplines.money import format_cents
from shoplines.privacy import mask_text
from tasks.pack_period import shop_time

ENCODING = "utf-8-sig"
Row = Sequence[str]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML (and so in a workbook)


def safe(value: object) -> str:
    """Text a spreadsheet will never run: a leading `= + - @`, tab, CR or LF gets an apostrophe (OWASP);
    control characters no spreadsheet can hold are dropped."""
    text = CONTROL.sub("", "" if value is None else str(value))
    return f"'{text}" if text.startswith(TRIGGERS) else text


def free_text(value: object) -> str:
    """Staff- or customer-typed text (notes, tags): emails and phone numbers masked, then made safe."""
    return safe(mask_text("" if value is None else str(value)))


def amount(cents: int) -> str:
    """Integer cents as the sheet's amount text ("1234.50", "-0.05")."""
    return format_cents(int(cents))


def stamp(moment: datetime | None, timezone: str) -> str:
    """An aware instant as shop-time text ("2026-10-31 23:30:00"), or empty."""
    return "" if moment is None else f"{shop_time(moment, timezone):%Y-%m-%d %H:%M:%S}"


def day(value: date) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class Written:
    """One finished CSV: where it is, how many data rows, and its SHA-256."""

    path: Path
    rows: int
    sha256: str


class SheetWriter:
    """Writes one sheet's CSV: the header from its model, then rows; `close` returns what was written."""

    def __init__(self, folder: Path, sheet: Sheet) -> None:
        self.sheet = sheet
        self.path = folder / sheet.file
        self._file: IO[str] = self.path.open("w", encoding=ENCODING, newline="")
        self._csv = csv.writer(self._file, lineterminator="\r\n")
        self._csv.writerow(sheet.columns)
        self._width = len(sheet.columns)
        self.rows = 0

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            if len(row) != self._width:
                raise ValueError(f"{self.sheet.file}: a row of {len(row)} cells, the sheet has {self._width}")
            self._csv.writerow(row)
            self.rows += 1

    def close(self) -> Written:
        if not self._file.closed:
            self._file.close()
        return Written(self.path, self.rows, sha256_of(self.path))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.close()


def write_sheet(folder: Path, sheet: Sheet, rows: Iterable[Row]) -> Written:
    """A whole sheet at once (the small ones)."""
    with SheetWriter(folder, sheet) as writer:
        writer.write(rows)
        return writer.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
