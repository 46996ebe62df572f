"""The simulated 3PL's STOCK files in outbound/: unique names, the CSV, its faults (half-written, bad row)."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.clock import iso
from sandbox.sftp.files import write_atomic
from sandbox.sftp.outbound import append_jsonl
from sandbox.sftp.stock import StockRow

STOCK_COLUMNS = ("sku", "location", "quantity", "as_of", "reorder_level")


@dataclass(frozen=True)
class _Half:
    path: Path
    rest: bytes
    due: float  # monotonic time from which a cycle writes the rest


def stock_csv(rows: list[StockRow], as_of: datetime, *, bad_row: bool = False) -> bytes:
    """The file's bytes: quoted CSV, CRLF, UTF-8; `bad_row` turns the first quantity into `<q>.5`."""
    stamp = iso(as_of)
    lines = [
        [r.sku, r.location, str(r.quantity), stamp, "" if r.reorder_level is None else str(r.reorder_level)]
        for r in rows
    ]
    if bad_row and lines:
        lines[0][2] += ".5"  # a WMS exporting a fractional unit: not a whole number, so not a quantity
    elif bad_row:
        lines.append(["", "", "1", stamp, ""])  # nothing to spoil: a row without a SKU instead
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(STOCK_COLUMNS)
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8")


class StockFiles:
    """Writes STOCK files to `outbound` and journals each one (with the true rows) in `journal`."""

    def __init__(self, outbound: Path, journal: Path) -> None:
        self._outbound, self.journal = outbound, journal
        self._used = _journalled_names(journal)  # unique even after the merchant archived the earlier ones
        self._halves: list[_Half] = []

    def write(self, rows: list[StockRow], as_of: datetime, *, half: bool, bad_row: bool, due: float) -> Path:
        """Write one file (atomically, or in place and only half of it until `finish`) and journal it."""
        data = stock_csv(rows, as_of, bad_row=bad_row)
        path = self._free_path(f"STOCK_{as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        if half:
            cut = len(data) // 2
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as handle:  # in place, under its final name: visible half-written
                handle.write(data[:cut])
            self._halves.append(_Half(path, data[cut:], due))
        else:
            write_atomic(path, data)
        self._used.add(path.name)
        append_jsonl(self.journal, _entry(path.name, rows, as_of, half=half, bad_row=bad_row))
        return path

    def finish(self, now: float | None = None) -> list[Path]:
        """Write the rest of every half-written file due by monotonic `now` (None: all); returns those."""
        done = [h for h in self._halves if now is None or h.due <= now]
        self._halves = [h for h in self._halves if h not in done]
        finished = []
        for half in done:
            try:  # no O_CREAT: a reader that took the file half-written keeps what it got
                fd = os.open(half.path, os.O_WRONLY | os.O_APPEND)
            except FileNotFoundError:
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(half.rest)
            finished.append(half.path)
        return finished

    def _free_path(self, stem: str) -> Path:
        path, copy = self._outbound / f"{stem}.csv", 1
        while path.name in self._used or path.exists():
            copy += 1
            path = self._outbound / f"{stem}_{copy}.csv"
        return path


def _entry(name: str, rows: list[StockRow], as_of: datetime, *, half: bool, bad_row: bool) -> dict[str, Any]:
    return {
        "file_name": name,
        "as_of": iso(as_of),
        "rows": [{"sku": r.sku, "location": r.location, "quantity": r.quantity,
                  "reorder_level": r.reorder_level} for r in rows],
        "half": half,
        "bad_row": bad_row,
    }  # fmt: skip


def _journalled_names(journal: Path) -> set[str]:
    if not journal.exists():
        return set()
    return {json.loads(line)["file_name"] for line in journal.read_text("utf-8").splitlines() if line.strip()}
