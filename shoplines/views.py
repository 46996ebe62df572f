"""What the CLI prints: endpoints, run counts, delivered files, and a progress bar on long pulls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shoplines import progress
from shoplines.privacy import PERSONAL_COLUMNS, mask_text, mask_value

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


def counts(console: Console, result: dict[str, int], title: str = "orders → warehouse") -> None:
    """The run's counts, one per row."""
    table = Table(title=title, show_header=False)
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
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}"),
        TimeElapsedColumn(),
    )
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


def trace(console: Console, needle: str, steps: Sequence[Any]) -> None:
    """An order's story, oldest first, one step a line (times in UTC)."""
    if not steps:
        console.print(f"nothing recorded for {needle}: check the name, or it was never in a window we ran")
        return
    names = sorted({s.entity_name or s.entity_id for s in steps})
    console.print(f"{', '.join(names)}: {len(steps)} step(s), oldest first (times UTC)", markup=False)
    for step in steps:
        console.print(
            f"  {step.at:%Y-%m-%d %H:%M:%S}  {step.line:<20} {step.stage:<12} {mask_text(step.summary)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def alerts(console: Console, found: Sequence[Any]) -> None:
    """Problems people were told about: open first, what to do."""
    if not found:
        console.print("no open problems")
        return
    for alert in found:
        state = "OPEN" if alert.status == "open" else f"resolved {alert.resolved_at:%Y-%m-%d %H:%M}"
        told = "NOT YET TOLD (no channel took it)"
        if alert.notified_at:
            told = f"told {alert.notified_at:%Y-%m-%d %H:%M}"
        if alert.last_error == "no channel configured":
            told = "no notification channel configured: run log and Prefect events only"
        console.print(
            f"{state}  {alert.line}: {alert.title}  (since {alert.opened_at:%Y-%m-%d %H:%M} UTC, "
            f"seen {alert.occurrences}x, {told})",
            markup=False,
            soft_wrap=True,
        )
        console.print(f"    {alert.what}", markup=False, soft_wrap=True)
        if alert.status == "open":
            console.print(f"    what to do: {alert.next_step}", markup=False, soft_wrap=True)


def quarantine_list(console: Console, line: str, rows: Sequence[Any]) -> None:
    """Open quarantine rows of a line, one a line."""
    if not rows:
        console.print(f"nothing in quarantine on {line}")
        return
    console.print(f"{len(rows)} record(s) in quarantine on {line} (times UTC):")
    for row in rows:
        name = row.entity_name or row.entity_id or "(no id)"
        console.print(
            f"  {row.id:>5}  {row.created_at:%Y-%m-%d %H:%M}  {name}  {mask_text(row.reason)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "Details: shoplines quarantine show ID. After fixing the order: shoplines quarantine retry ID"
    )


def quarantine_show(console: Console, row: Any) -> None:
    """One quarantine row with its payload's top-level fields, personal data masked."""
    name = row.entity_name or row.entity_id or "(no id)"
    state = (
        "waiting"
        if row.resolved_at is None
        else f"resolved {row.resolved_at:%Y-%m-%d %H:%M}: {row.resolution}"
    )
    console.print(f"quarantine {row.id}: {name} on {row.line} ({state})", markup=False, soft_wrap=True)
    console.print(f"  held back {row.created_at:%Y-%m-%d %H:%M} UTC by run {row.run_id}", markup=False)
    for reason in row.reason.split("; "):
        console.print(f"  - {mask_text(reason)}", markup=False, soft_wrap=True)
    console.print("  received:", markup=False)
    for key, value in sorted(row.payload.items()):
        shown = summarise_value(key, value)
        console.print(f"    {key}: {shown}", markup=False, highlight=False, soft_wrap=True)


def summarise_value(key: str, value: Any) -> str:
    """A payload field for display: personal data masked, nested data counted, long text cut."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
    if isinstance(value, dict):
        inner = value.get("nodes") if isinstance(value.get("nodes"), list) else None
        return f"{len(inner)} item(s)" if inner is not None else "{…}"
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    text = mask_value(snake, value) if snake in PERSONAL_COLUMNS else mask_text(str(value))
    return text if len(text) <= 120 else text[:117] + "..."
