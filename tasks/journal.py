"""The support journal's entries for one run of orders → warehouse: what arrived and what we made of it.

Pure: the planned orders and the built files in, journal rows out. Unchanged orders (re-read by every
overlapping run) leave no entry; an entry that repeats the order's previous one is skipped by the store.
Where the delivery went and what the 3PL did is told by the ledger itself when a trace is printed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from shoplines.privacy import mask_text
from shoplines.state.records import JournalRow
from tasks.warehouse_file import WarehouseFile

HEADER_ROWS = 1  # the CSV's header; data row n is line n + 1 of the file


def file_positions(files: Sequence[WarehouseFile]) -> dict[str, tuple[str, int, int]]:
    """legacy order id → (file name, first line, last line) of its rows in the file."""
    where: dict[str, tuple[str, int, int]] = {}
    for file in files:
        lines = file.rows.reset_index(drop=True)
        for order_id, group in lines.groupby("order_id", sort=False):
            first, last = int(group.index.min()) + HEADER_ROWS + 1, int(group.index.max()) + HEADER_ROWS + 1
            where[str(order_id)] = (file.name, first, last)
    return where


def journal_rows(planned: pd.DataFrame, files: Sequence[WarehouseFile]) -> list[JournalRow]:
    """One entry per order this run decided something about (everything but UNCHANGED, unless a person's
    decision kept it unchanged)."""
    where = file_positions(files)
    rows: list[JournalRow] = []
    for order in planned.itertuples():
        action = str(order.action)
        approval = getattr(order, "approval", None)
        decided = approval is not None and not pd.isna(approval)  # a person's decision shaped this
        if action == "UNCHANGED" and not decided:
            continue
        version = str(order.content_hash)[:12]
        arrived = f"version {version} (Shopify updatedAt {order.updated_at:%Y-%m-%d %H:%M:%S} UTC)"
        detail: dict[str, object] = {"version": str(order.content_hash), "action": action}
        if action == "UNCHANGED":
            stage, summary = "decided", f"{arrived}: not sent: {order.reason}"
        elif action == "SKIPPED":
            stage, summary = "skipped", f"{arrived}: not for the warehouse: {order.reason}"
        elif action == "HELD":
            stage, summary = "held", f"{arrived}: changed after delivery, not sent: {order.reason}"
        else:
            placed = where.get(str(order.legacy_id))
            if placed is None:
                continue  # planned but in no file: the run failed before building files
            name, first, last = placed
            lines = f"line {first}" if first == last else f"lines {first}-{last}"
            stage, summary = "mapped", f"{arrived}: mapped to {action} in {name}, {lines}"
            summary += f" ({order.reason})" if decided else ""
            detail |= {"file": name, "first_line": first, "last_line": last}
        rows.append(JournalRow(str(order.order_id), str(order.order_name), stage, mask_text(summary), detail))
    return rows
