"""Month-end benchmark: a synthetic month (10,000 and 100,000 orders by default) made into a pack in memory
(no HTTP): build, workbook, validation. Each size runs in its own process, so its peak memory is its own."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.month_orders import Order, month_pages
from bench.report import peak_rss_mb
from schemas.month_end import SHEETS
from tasks.pack_build import Books, Sources, build_sheets
from tasks.pack_check import shopify_totals
from tasks.pack_issue import Draft, render_and_check
from tasks.pack_manifest import Identity, fingerprint
from tasks.pack_period import period
from tasks.pack_read import Shop

SIZES = (10_000, 100_000)
SEED = 8


def peak_mb() -> float:
    return peak_rss_mb()  # its own, not the parent's size at fork


def one(count: int) -> dict[str, Any]:
    """Make the pack of a `count`-order month; the timings and peak memory of each phase."""
    month = period("2026-10", "Africa/Johannesburg")

    def pages(side: int) -> Iterator[list[Order]]:
        return (pair[side] for pair in month_pages(SEED, count, month.start, month.end))

    started, before = time.perf_counter(), peak_mb()
    for _ in pages(0):
        pass
    generate = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        built = build_sheets(Sources(pages(0), [], pages(1)), Shop(month, "ZA", "ZAR"), Books(), folder)
        build = time.perf_counter() - t
        check = shopify_totals(pages(0), pages(0), month, "ZAR")
        who = Identity("bench.myshopify.com", "bench", datetime.now(UTC), "ZAR")
        t = time.perf_counter()
        workbook = render_and_check.fn(Draft(built, month, 1, None, []), who, fingerprint(built.files), check)
        render_check = time.perf_counter() - t
        size = workbook.stat().st_size
    return {
        "orders": count,
        "line_rows": built.totals.line_rows,
        "refunds": built.totals.refunds.count,
        "generate_s": round(generate, 1),
        "build_s": round(build, 1),
        "workbook_and_checks_s": round(render_check, 1),
        "total_s": round(time.perf_counter() - started, 1),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak_mb()),
        "workbook_mb": round(size / 2**20, 1),
        "sheets": len(SHEETS),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.month_end")
    parser.add_argument("--orders", type=int, action="append", help="orders in the month (repeatable)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one(args.orders[0])))
        return
    print("month-end pack, synthetic month (no HTTP): one process per size")
    for count in args.orders or SIZES:
        done = subprocess.run(
            [sys.executable, "-m", "bench.month_end", "--child", "--orders", str(count)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print("  " + ", ".join(f"{k} {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
