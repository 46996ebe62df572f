"""What the CLI prints: endpoints, run counts, delivered files, and a progress bar on long pulls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shoplines import progress

T = TypeVar("T")


def sandbox(console: Console, running: dict[str, Any]) -> None:
    """Where the sandbox listens (no secrets printed)."""
    shopify, sftp = running["shopify"], running.get("sftp") or {}
    console.print(f"sandbox running (pid {running['pid']})")
    console.print(f"  Shopify Admin API  {shopify['url']}/admin/api/{shopify['api_version']}/graphql.json")
    console.print(f"  shop               {shopify['shop']}")
    if sftp:
        console.print(f"  SFTP (3PL)         {sftp['host']}:{sftp['port']}  files in {sftp['root']}")
    if "store" in running:
        store = running["store"]
        console.print(
            f"  store              {store['orders']} orders, {store['first_day']} to {store['last_day']}"
        )


def counts(console: Console, result: dict[str, int]) -> None:
    """The run's counts, one per row."""
    table = Table(title="orders → warehouse", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in result.items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    console.print(table)


def delivered_files(console: Console, root: Path) -> None:
    """Every order file the 3PL has (in inbound/ or picked up into processed/) and what it answered."""
    table = Table(title=f"SFTP folder {root}")
    table.add_column("folder")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    for folder in ("inbound", "processed", "outbound"):
        for path in sorted((root / folder).glob("*.csv")):
            table.add_row(folder, path.name, f"{path.stat().st_size:,}")
    console.print(table)


def unresolved(console: Console, files: Sequence[Any]) -> None:
    """Uploads waiting for a person, with what to do."""
    if not files:
        console.print("no unresolved uploads")
        return
    table = Table(title="uploads an earlier run did not confirm")
    table.add_column("file", no_wrap=True, min_width=max(len(f.file_name) for f in files))
    for column in ("recorded at", "rows", "run"):
        table.add_column(column)
    for f in files:
        table.add_row(f.file_name, f"{f.created_at:%Y-%m-%d %H:%M}", str(f.row_count), f.run_id)
    console.print(table)
    console.print(
        "Ask the 3PL whether it has each file, then: "
        "shoplines ledger resolve FILE --outcome delivered|not-delivered "
        '--note "who confirmed it"'
    )


def leases(console: Console, line: str, held: Sequence[Any]) -> None:
    """The live leases of a line, one per line so the ids can be copied whole."""
    if not held:
        console.print(f"no live leases on {line}")
        return
    console.print(f"live leases on {line} (times UTC):")
    for lease in held:
        window = f"{lease.window_start:%Y-%m-%d %H:%M} → {lease.window_end:%Y-%m-%d %H:%M}"
        console.print(
            f"  {lease.lease_id}  window {window}"
            f"  holder {lease.holder}  run {lease.run_id or '-'}  expires {lease.expires_at:%H:%M:%S}",
            soft_wrap=True,
            highlight=False,
        )
    console.print(
        "A live run renews its lease every few seconds. Free one only if its run is stuck: "
        'shoplines lease release LEASE --note "why"'
    )


def with_progress(console: Console, work: Callable[[], T]) -> T:
    """Run `work` with a live bar fed by `shoplines.progress` reports."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed:,.0f}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def hook(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        progress.set_hook(hook)
        try:
            return work()
        finally:
            progress.set_hook(None)
