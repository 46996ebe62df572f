"""The 3PL's CSV files as records by column name: one reader for answers and stock counts, bytes in, rows out,
or one sentence saying why the whole file cannot be read."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence


class Unreadable(ValueError):
    """The file (or a row of it) cannot be read; the message says why in plain words."""


def read_records(
    data: bytes, encoding: str, needed: Sequence[str], *, whole_lines: bool = False
) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: stripped cell}) for every non-blank data row; header names matched stripped.

    `whole_lines`: the file must end with a line break (a 3PL writing in place may have been cut off).

    Raises:
        Unreadable: not `encoding` text, not valid CSV, no header, a needed column missing, a ragged row.
    """
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise Unreadable(f"not {encoding} text ({exc.__class__.__name__})") from exc
    if whole_lines and not text.endswith(("\n", "\r")):
        raise Unreadable("does not end with a line break: cut off while being written?")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise Unreadable(f"not valid CSV: {exc}") from exc
    if not rows:
        raise Unreadable("empty file (no header row)")
    header = [h.strip() for h in rows[0]]
    if missing := [c for c in needed if c not in header]:
        raise Unreadable(f"missing columns {missing} (has {header})")
    records = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise Unreadable(f"row {number} has {len(row)} fields, the header {len(header)}")
        records.append((number, {h: cell.strip() for h, cell in zip(header, row, strict=True)}))
    return records
