"""What `shoplines run month-end` prints: what became of the month, its control totals, where the pack is."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from tasks.pack_run import MonthEnd

SAID = {
    "delivered": "{pack} was made, checked and delivered",
    "issued": "{pack} was made and checked; no delivery is set (SHOPLINES_MONTH_END_SFTP_DIR, _EMAIL_TO)",
    "unchanged": "{month}: the data is unchanged, so the pack is {pack}, already delivered",
    "closed": "{month} was issued as {pack} and its data changed since: the closed month is not rewritten "
    "(changes to its orders appear as adjustments in the month they happened); --revise re-issues it",
}


def month_end(console: Console, result: MonthEnd) -> None:
    """The outcome in a sentence, the control totals, the pack's folder and deliveries, any changes."""
    console.print(
        SAID[result.outcome].format(pack=result.pack, month=result.month), markup=False, soft_wrap=True
    )
    table = Table(title=f"month-end {result.month}", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for name, value in result.control_totals.items():
        table.add_row(name, value)
    console.print(table)
    if result.folder:
        console.print(f"pack: {result.folder}", markup=False, soft_wrap=True)
    for target in result.delivered_to:
        console.print(f"delivered: {target}", markup=False, soft_wrap=True)
    if result.changes and result.outcome in ("closed", "delivered", "issued"):
        console.print(f"changes against the previous revision: {len(result.changes)}", markup=False)
        for section, item, before, after, diff in result.changes[:15]:
            console.print(
                f"  {section}: {item}: {before or '-'} -> {after or '-'} ({diff or '-'})", markup=False
            )
