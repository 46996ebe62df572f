"""P2 and P3: a bulk backfill from the downloaded JSONL to validated warehouse files.

P2 is our wall time over a bare orjson parse of the same file (the sandbox's RUNNING wait and the download
are not counted); P3 is our peak RSS at two sizes (flat: the larger ≤ 1.2× the smaller, and ≤ 600 MB).
Each measurement runs in a process of its own, so its peak memory is its own. The store, the sandbox's bulk
file and its download are made once per size and seed and kept under ``.bench/`` (they take a while at 1M).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.report import Figure

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
SEED = 10
LINE = "orders-to-warehouse"


def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_parse(jsonl: Path) -> dict[str, Any]:
    """The floor: read and parse every line with orjson, keep nothing."""
    started, lines = time.perf_counter(), 0
    with jsonl.open("rb") as f:
        for line in f:
            orjson.loads(line)
            lines += 1
    return {"seconds": time.perf_counter() - started, "lines": lines, "peak_mb": peak_mb()}


def warehouse_files(chunks: Iterable[list[dict[str, Any]]], location_id: str, out: Path) -> dict[str, Any]:
    """The warehouse line's own steps on each chunk, as the flow runs them, minus the ledger and SFTP:
    flatten, validate (pandera), select, plan, map to rows, split, validate and render files, write them."""
    from shoplines.lines import eligibility_rule
    from tasks.plan_deliveries import plan_deliveries
    from tasks.select_eligible import select_eligible
    from tasks.transform_orders import flatten_orders
    from tasks.validate_orders import validate_orders
    from tasks.warehouse_file import build_files, warehouse_rows

    out.mkdir(parents=True, exist_ok=True)
    orders = rows = files = rejected = 0
    built_at = datetime(2026, 11, 2, tzinfo=UTC)
    for chunk in chunks:
        payloads = {str(o["id"]): o for o in chunk}
        frames = validate_orders.fn(flatten_orders.fn(chunk), "ZAR", payloads)
        rejected += len(frames.rejected)
        selection = select_eligible.fn(frames.orders, frames.lines, frames.fulfillment_lines, location_id,
                                       eligibility_rule(LINE))  # fmt: skip
        planned = plan_deliveries.fn(selection.orders, selection.ship_lines, {})
        table = warehouse_rows.fn(planned, selection.ship_lines, "Africa/Johannesburg")
        for file in build_files.fn(table, 5000, "ORD", "bench.myshopify.com", built_at):
            (out / file.name).write_bytes(file.content)
            files += 1
        orders, rows = orders + len(chunk), rows + len(table)
        built_at = built_at.replace(second=(built_at.second + 1) % 60)
    return {"orders": orders, "rows": rows, "files": files, "rejected": rejected}


def _child(argv: list[str]) -> dict[str, Any]:
    return json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.bulk_backfill", *argv], capture_output=True, text=True, check=True,
            cwd=ROOT,
        ).stdout.strip().splitlines()[-1]
    )  # fmt: skip


def chunks_of(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive lists of at most `size` items."""
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
