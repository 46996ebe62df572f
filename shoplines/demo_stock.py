"""`shoplines demo`, the stock part: the sandbox's 3PL counts its stock (two SKUs miscounted on purpose, at
least one below its reorder level), the inventory line compares the count with Shopify and shows the report,
the worst SKUs and the low-stock alert."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from shoplines import demo_problems, views
from shoplines.settings import load_settings
from shoplines.wiring import open_state

SETTLE = 1.5  # the sandbox's 3PL writes stock files atomically; the sandbox settings wait 1 s


def stock(console: Console, running: dict[str, Any]) -> None:
    """Ask the 3PL for a count now, compare it with Shopify, and show what ops would read."""
    from flows.inventory import inventory

    with demo_problems.Admin(running["shopify"]["admin_url"]) as admin:
        name = admin.call("POST", "/warehouse/stock-file", {})["file_name"]
    planted = (running.get("sftp") or {}).get("stock", {}).get("mismatches", [])
    miscounts = ", ".join(f"{m['sku']} {m['delta']:+d}" for m in planted)
    console.print(f"\nThe 3PL counted its stock: {name} (planted miscounts: {miscounts})", markup=False)
    time.sleep(SETTLE)
    views.counts(console, views.with_progress(console, inventory), "stock")
    settings = load_settings()
    report = settings.home / "reports" / "inventory" / f"comparison-{Path(name).stem}.csv"
    for row in _worst(report):
        console.print(f"  {row['sku']}: Shopify {row['shopify_on_hand'] or '-'}, warehouse "
                      f"{row['warehouse_quantity'] or '-'} ({row['status']}, "
                      f"{row['unexplained']} unexplained)", markup=False)  # fmt: skip
    console.print(f"Mismatch report: {report}", markup=False)
    with open_state(settings) as state:
        for alert in state.open_alerts(settings.shop_domain, "inventory"):
            console.print(f"  Alert: {alert.title}", markup=False)


def _worst(report: Path, limit: int = 5) -> list[dict[str, str]]:
    with report.open(encoding="utf-8", newline="") as opened:
        rows = list(csv.DictReader(opened))
    return [r for r in rows if r["status"] != "ok"][:limit]
