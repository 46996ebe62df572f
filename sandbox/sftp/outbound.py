"""The files the simulated 3PL writes back: ACK/ERR/SHIP CSVs in outbound/ and its ground-truth journals."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sandbox.sftp.files import write_atomic
from sandbox.sftp.orders_csv import OrderFile
from sandbox.sftp.records import Ack, Rejection, ShippedLine

ACK_COLUMNS = ("file_name", "order_number", "record_type", "status")
ERR_COLUMNS = ("file_name", "order_number", "line_number", "sku", "reason")
SHIP_COLUMNS = ("order_number", "sku", "quantity", "carrier", "tracking_number", "shipped_at")


def write_ack(outbound: Path, file_name: str, acks: Iterable[Ack]) -> Path:
    """Write `ACK_<basename>.csv` listing every accepted or cancelled order of `file_name`."""
    rows = [(file_name, a.order_number, a.record_type, a.status) for a in acks]
    return _write_csv(outbound, f"ACK_{_basename(file_name)}", ACK_COLUMNS, rows)


def write_errors(outbound: Path, file_name: str, rejections: Iterable[Rejection]) -> Path:
    """Write `ERR_<basename>.csv`, one row per rejected order line (or per order / file)."""
    rows = [(file_name, r.order_number, r.line_number, r.sku, r.reason) for r in rejections]
    return _write_csv(outbound, f"ERR_{_basename(file_name)}", ERR_COLUMNS, rows)


def write_shipments(outbound: Path, seq: int, lines: Iterable[ShippedLine]) -> Path:
    """Write `SHIP_<seq>.csv` (seq zero-padded to 6 digits) with the shipped lines."""
    rows = [
        (s.order_number, s.sku, str(s.quantity), s.carrier, s.tracking_number, s.shipped_at) for s in lines
    ]
    return _write_csv(outbound, f"SHIP_{seq:06d}", SHIP_COLUMNS, rows)


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line to a journal (flushed and synced before returning)."""
    with path.open("a", encoding="utf-8") as journal:
        journal.write(json.dumps(record, sort_keys=True) + "\n")
        journal.flush()
        os.fsync(journal.fileno())


def received_entry(
    file_name: str, processed_as: str, data: bytes, sha256: str, *, parsed: OrderFile | None, acks: list[Ack],
    error: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The `received.jsonl` line for one picked-up file: what arrived and what became of each order."""
    status = {ack.order_number: ack.status for ack in acks}
    orders = [
        {"order_number": number, "record_type": rows[0].record_type, "order_version": rows[0].order_version,
         "status": status.get(number, "REJECTED")}
        for number, rows in (parsed.orders() if parsed else {}).items()
    ]  # fmt: skip
    return {
        "file_name": file_name, "processed_as": processed_as, "sha256": sha256, "size": len(data),
        "batch_id": parsed.batch_id if parsed else None, "rows": len(parsed.rows) if parsed else None,
        "orders": orders, "error": error,
    }  # fmt: skip


def count_lines(path: Path) -> int:
    """Number of lines in a journal (0 if it does not exist yet)."""
    if not path.exists():
        return 0
    with path.open("rb") as journal:
        return sum(1 for _ in journal)


def _write_csv(outbound: Path, stem: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path = outbound / f"{stem}.csv"
    copy = 1
    while path.exists():  # the same file name sent twice: keep both answers, like an archive does
        copy += 1
        path = outbound / f"{stem}_{copy}.csv"
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return path


def _basename(file_name: str) -> str:
    return file_name[:-4] if file_name.lower().endswith(".csv") else file_name
