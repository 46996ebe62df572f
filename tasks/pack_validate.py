"""Validation before delivery: every CSV unchanged since it was written and valid by its model, the Summary
equal to what the sheets add up to (cross-footing, to the cent), the workbook equal to the CSVs, and the pack
equal to Shopify's own order-level totals. Any difference and the pack is not delivered."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from schemas.month_end import CHANGES, EXCEPTIONS, SUMMARY, Sheet
from tasks.pack_build import Built
from tasks.pack_cells import amount, sha256_of
from tasks.pack_check import ShopifyTotals, compare
from tasks.pack_sums import Recount, read_sheet, recount
from tasks.pack_totals import summary_rows
from tasks.pack_xlsx_check import check_workbook

MAX_LISTED = 10


def _summary(folder: Path, sums: Recount, problems: list[str]) -> None:
    written = [list(row) for chunk in read_sheet(folder, SUMMARY, problems) for row in chunk.to_numpy()]
    expected = {(r[0], r[1]): r[2:] for r in summary_rows(sums.totals)}
    said = {(r[0], r[1]): r[2:] for r in written}
    for key in sorted(set(expected) | set(said)):
        if expected.get(key) != said.get(key):
            problems.append(
                f"Summary '{key[0]}: {key[1]}' says {said.get(key)}, the sheets add up to {expected.get(key)}"
            )


def _cross(sums: Recount, problems: list[str]) -> None:
    sales = sums.totals.sales
    if sums.line_sales != sales:
        problems.append(
            f"Line items add up to {[amount(v) for v in sums.line_sales]}, Orders to "
            f"{[amount(v) for v in sales]} (gross, discounts, shipping, VAT, total)"
        )
    if sums.reconciled != (sums.totals.orders, sales.total):
        orders, cents = sums.reconciled
        problems.append(
            f"Reconciliation counts {orders} orders of {amount(cents)}, Orders "
            f"{sums.totals.orders} of {amount(sales.total)}"
        )
    if sums.duplicates:
        problems.append(f"orders listed twice: {', '.join(sums.duplicates[:MAX_LISTED])}")


def validate_pack(
    built: Built, workbook: Path, sheets: Sequence[Sheet], shopify: ShopifyTotals, label: str
) -> list[str]:
    """Every reason not to deliver the pack (empty: deliver it)."""
    problems = [
        f"{name} changed after it was written"
        for name, written in built.files.items()
        if sha256_of(written.path) != written.sha256
    ]
    sums = recount(built.folder, problems)
    for sheet in (s for s in sheets if s in (EXCEPTIONS, CHANGES)):  # checked, but nothing to add up
        for _ in read_sheet(built.folder, sheet, problems):
            pass
    sums.totals.tests = built.totals.tests
    _summary(built.folder, sums, problems)
    _cross(sums, problems)
    problems += check_workbook(workbook, built.folder, sheets)
    problems += compare(shopify, sums.totals, label)
    problems += [f"could not read {r.entity_name or r.entity_id}: {r.reason}" for r in built.rejected]
    return problems
