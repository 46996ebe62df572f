"""P2 and P3: a bulk backfill from the downloaded JSONL to validated warehouse files.

P2 is our wall time over a bare orjson parse of the same file (the sandbox's RUNNING wait and the download
are not counted); P3 is our peak RSS at two sizes (flat: the larger ≤ 1.2× the smaller, and ≤ 600 MB).
Each measurement runs in a process of its own, so its peak memory is its own. The store, the sandbox's bulk
file and its download are made once per size and seed and kept under ``.bench/`` (they take a while at 1M).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.report import Figure, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
SEED = 10
LINE = "orders-to-warehouse"


def peak_mb() -> float:
    """This process's own peak resident memory in MB (`report.peak_rss_mb`)."""
    return peak_rss_mb()


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


def bulk_file(count: int) -> tuple[Path, dict[str, Any]]:
    """The sandbox's bulk result for a `count`-order store, downloaded by our client once and kept.

    The store is generated on disk (SQLite) once per size; the sandbox writes the file at full speed (its
    RUNNING wait is not what P2 measures); our `BulkRunner` starts, polls and downloads it.
    """
    folder = CACHE / "bulk"
    folder.mkdir(parents=True, exist_ok=True)
    jsonl, meta_path = folder / f"orders-{count}-seed{SEED}.jsonl", folder / f"orders-{count}-seed{SEED}.json"
    if jsonl.exists() and meta_path.exists():
        return jsonl, json.loads(meta_path.read_text())
    import httpx

    from clients.shopify_budget import ThrottleBudget
    from clients.shopify_bulk import BulkRunner
    from clients.shopify_bulk_download import download_result
    from clients.shopify_bulk_queries import bulk_orders_query
    from clients.shopify_bulk_types import BulkPolicy
    from clients.shopify_events import EventSink
    from clients.shopify_http import GraphQLSession
    from clients.shopify_retry import RetryPolicy
    from clients.shopify_windows import OrderWindow
    from sandbox.clock import SandboxClock
    from sandbox.shopify.generator import open_or_generate
    from sandbox.shopify.server import start_shopify_sandbox

    clock = SandboxClock(scale=1.0)
    started = time.perf_counter()
    (CACHE / "stores").mkdir(parents=True, exist_ok=True)
    store = open_or_generate(CACHE / "stores" / f"orders-{count}-seed{SEED}.db", SEED, count, clock, days=30)
    generated = time.perf_counter() - started
    location = str(store.warehouse_location_id)
    window = OrderWindow(clock.start - timedelta(days=400), clock.start + timedelta(days=1))
    with start_shopify_sandbox(store, clock, plan="plus") as shop:
        httpx.post(f"{shop.admin_url}/bulk", json={"rate": 1e9}, timeout=10).raise_for_status()
        session = GraphQLSession(
            f"{shop.url}/admin/api/2026-01/graphql.json", shop.token, "2026-01", budget=ThrottleBudget(),
            timeout=60.0, deadline=600.0, retry=RetryPolicy(), transport=None, events=EventSink(None),
        )  # fmt: skip
        runner = BulkRunner(session, BulkPolicy(max_wait=4 * 3600.0, chunk_bytes=4 * 2**20))
        started = time.perf_counter()
        operation_id = runner.start(bulk_orders_query(window.search_query("processed_at"), "processed_at"))
        operation = runner.wait(operation_id, runner.clock())
        running = time.perf_counter() - started
        started = time.perf_counter()
        partial = jsonl.with_suffix(".part")
        download_result(operation, partial, refresh=lambda: runner.status(operation_id), policy=runner.policy,
                        events=session.events)  # fmt: skip
        downloaded = time.perf_counter() - started
        session.close()
    store.close()
    meta = {
        "orders": operation.root_object_count, "objects": operation.object_count,
        "bytes": partial.stat().st_size, "location": location, "generate_s": round(generated, 1),
        "running_s": round(running, 1), "download_s": round(downloaded, 1),
    }  # fmt: skip
    partial.rename(jsonl)
    meta_path.write_text(json.dumps(meta))
    return jsonl, meta


def pipeline(jsonl: Path, location: str) -> dict[str, Any]:
    """Ours: regroup the file on disk and run the warehouse line's steps part by part (the default part size
    of a bulk read). The modules are imported before the clock starts: start-up is not per-order work."""
    import tempfile

    import tasks.plan_deliveries
    import tasks.validate_orders
    import tasks.warehouse_file  # noqa: F401 - imported for their start-up cost, outside the measurement
    from clients.shopify_bulk_regroup import BulkResult
    from shoplines.settings import Settings

    part = int(os.environ.get("SHOPLINES_SHOPIFY_BULK_PART_ORDERS", "0")) or int(
        Settings.model_fields["shopify_bulk_part_orders"].default
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-bulk-", dir=CACHE) as tmp:
        result = BulkResult(Path(tmp) / "regroup.sqlite", "processed_at")
        with result:
            objects = result.load(jsonl)
            loaded = time.perf_counter() - started
            made = warehouse_files(result.orders(part), location, Path(tmp) / "files")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "regroup_load_s": loaded, "objects": objects, **made, "peak_mb": peak_mb()}


def run(quick: bool) -> list[Figure]:
    """P2 (time over a bare parse) at the larger size and P3 (peak memory) at both sizes."""
    small, large = (2_000, 20_000) if quick else (100_000, 1_000_000)
    measured: dict[int, dict[str, Any]] = {}
    for count in (small, large):
        jsonl, meta = bulk_file(count)
        mb = meta["bytes"] / 2**20
        print(f"  {count:,} orders: {meta['objects']:,} objects, {mb:,.0f} MB of JSONL "
              f"(store made in {meta['generate_s']} s, bulk job {meta['running_s']} s, "
              f"download {meta['download_s']} s)", flush=True)  # fmt: skip
        parse = _child(["--parse", str(jsonl)])
        ours = _child(["--pipeline", str(jsonl), "--location", meta["location"]])
        print(f"    bare orjson parse {parse['seconds']:.1f} s; ours {ours['seconds']:.1f} s "
              f"(regroup load {ours['regroup_load_s']:.1f} s), {ours['files']} files, {ours['rows']:,} rows, "
              f"{ours['rejected']} rejected, peak {ours['peak_mb']:.0f} MB", flush=True)  # fmt: skip
        measured[count] = {"parse": parse, "ours": ours, "meta": meta}
    top = measured[large]
    ratio = top["ours"]["seconds"] / top["parse"]["seconds"]
    peaks = {n: m["ours"]["peak_mb"] for n, m in measured.items()}
    growth = peaks[large] / peaks[small]
    return [
        Figure("P2", f"bulk backfill of {large:,} orders, JSONL → validated warehouse files, ÷ bare orjson "
               "parse", f"{ratio:.1f}× ({top['ours']['seconds']:.0f} s ÷ {top['parse']['seconds']:.1f} s)",
               "≤ 2.0", ratio <= 2.0,
               f"{top['meta']['objects']:,} objects, {top['meta']['bytes'] / 2**20:,.0f} MB; RUNNING wait "
               "and download excluded"),
        Figure("P3", f"peak RSS of P2 at {small:,} and {large:,} orders",
               f"{peaks[small]:.0f} MB → {peaks[large]:.0f} MB ({growth:.2f}×)", "≤ 1.2×, ≤ 600 MB",
               growth <= 1.2 and peaks[large] <= 600,
               "each in its own process; includes Python, pandas, pandera and Prefect imports"),
    ]  # fmt: skip


def main(argv: list[str]) -> None:
    if argv[0] == "--parse":
        result = bare_parse(Path(argv[1]))
    elif argv[0] == "--pipeline":
        result = pipeline(Path(argv[1]), argv[3])
    else:
        raise SystemExit("usage: python -m bench.bulk_backfill --parse FILE | --pipeline FILE --location ID")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
