"""What month-end reads from the state database: the baselines of closed months, which orders the warehouse
has, what the books hold per day, the exceptions still open; and recording an issued pack."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from shoplines.lines import LINES, WAREHOUSE_DESTINATION
from shoplines.state.packs import PackFigure, PackRecord
from shoplines.state.store import StateStore
from tasks.pack_adjust import Baseline
from tasks.pack_build import Books
from tasks.pack_cells import amount, free_text, safe, stamp
from tasks.pack_figures import Figures, add_figures, from_json
from tasks.pack_manifest import read_figures
from tasks.pack_period import Period
from tasks.post_accounting import PROVIDER

WAREHOUSE_LINE = "orders-to-warehouse"


def exceptions(state: StateStore, shop: str, timezone: str) -> list[list[str]]:
    """Open quarantine rows of every line and approvals still waiting, for the Exceptions sheet."""
    rows = []
    for line in LINES:
        for q in state.open_quarantine(shop, line):
            rows.append(
                [
                    "quarantine",
                    line,
                    safe(q.entity_name or q.entity_id or "?"),
                    free_text(q.reason),
                    "",
                    stamp(q.created_at, timezone),
                    f"quarantine {q.id}",
                ]
            )
    for a in state.approvals(shop, status="pending"):
        rows.append(
            [
                "approval",
                a.line,
                safe(a.entity_name),
                free_text(a.summary),
                "" if a.amount_cents is None else amount(a.amount_cents),
                stamp(a.requested_at, timezone),
                f"approval {a.id}",
            ]
        )
    return rows


def books(state: StateStore, shop: str, period: Period) -> Books:
    """The state's side of the month, read lazily where it follows the orders (a chunk at a time)."""

    def baselines(ids: Sequence[str]) -> dict[str, Baseline]:
        found = state.month_end_baselines(shop, ids, period.label)
        out = {}
        for oid, (layers, issued) in found.items():
            figures: Figures = {}
            for layer in layers:
                figures = add_figures(figures, from_json(layer))
            out[oid] = Baseline(figures, issued)
        return out

    def warehouse(ids: Sequence[str]) -> set[str]:
        delivered = state.delivered_versions(shop, WAREHOUSE_LINE, WAREHOUSE_DESTINATION, list(ids))
        return {oid for oid, version in delivered.items() if version.record_type != "CANCEL"}

    days = state.posted_invoice_days(shop, PROVIDER, str(period.first_day), str(period.last_day))
    accounting = {date.fromisoformat(day): value for day, value in days.items()}
    return Books(baselines, warehouse, accounting, exceptions(state, shop, period.timezone))


def figures(folder: Path) -> Iterator[PackFigure]:
    """The build's per-order figures (orders, then adjustments) as state rows."""
    for kind in ("order", "adjustment"):
        for oid, name, raw in read_figures(folder, kind):
            yield PackFigure(oid, name, kind, raw)


def latest(state: StateStore, shop: str, month: str) -> PackRecord | None:
    found = state.month_end_packs(shop, month)
    return found[-1] if found else None
