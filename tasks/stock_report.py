"""What the inventory line tells people: the mismatch report (a CSV, and a Prefect table artifact), the
notification naming the worst SKUs, files that cannot be read, and a warehouse that stopped counting."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from shoplines.alerting import Problem
from tasks.compare_stock import describe, rows_of

MISMATCH = "stock-mismatch"
UNREADABLE = "stock-unreadable"
NO_COUNT = "stock-no-count"
WORST = 5
ARTIFACT_ROWS = 200


def write_report(comparison: pd.DataFrame, folder: Path, file_name: str) -> Path:
    """The whole comparison as CSV (worst first), named after the stock file it compares."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"comparison-{Path(file_name).stem}.csv"
    order = comparison["unexplained"].abs().sort_values(ascending=False, kind="stable").index
    comparison.loc[order].to_csv(path, index=False, lineterminator="\r\n")
    return path


def publish_table(bad: pd.DataFrame, file_name: str) -> None:
    """The mismatches as a Prefect table artifact (never fails the run)."""
    try:
        from prefect.artifacts import create_table_artifact

        create_table_artifact(
            table=rows_of(bad.head(ARTIFACT_ROWS)),
            key="inventory-mismatches",
            description=f"Shopify vs the count in {file_name}: {len(bad)} mismatch(es), worst first",
        )
    except Exception as exc:  # an artifact is a courtesy; the report file and the notification stand
        logging.getLogger("shoplines").warning("could not publish the mismatch artifact: %s", exc)


def mismatch_problem(bad: pd.DataFrame, file_name: str, as_of: datetime, report: Path) -> Problem | None:
    """One problem naming the worst SKUs; None when every SKU ties out."""
    if bad.empty:
        return None
    worst = "; ".join(describe(row) for row in rows_of(bad.head(WORST)))
    more = len(bad) - WORST
    return Problem(
        key=MISMATCH,
        title=f"{len(bad)} SKU(s) differ between Shopify and the warehouse's count",
        what=f"Count {file_name} (as of {as_of:%Y-%m-%d %H:%M} UTC). Worst: {worst}"
        + (f"; and {more} more" if more > 0 else "")
        + f". Full report: {report}",
        next_step="The warehouse's count is the truth for stock on hand: check the worst SKUs with the 3PL "
        "(miscount, goods received or lost), then correct Shopify (with SHOPLINES_INVENTORY_CORRECTIONS a "
        "batch waits in `shoplines approvals list`).",
        counts={"skus": len(bad)},
    )


def unreadable_problem(files: Sequence[tuple[str, str]]) -> Problem | None:
    """Stock files we could not read: left in place, read again every run."""
    if not files:
        return None
    return Problem(
        key=UNREADABLE,
        title=f"{len(files)} stock file(s) from the warehouse could not be read",
        what="; ".join(reason for _, reason in files[:5]) + ".",
        next_step="They stay in the 3PL's outbound folder and are read again every run. If the 3PL changed "
        "its format, set SHOPLINES_WAREHOUSE_STOCK_FORMAT (README, 'Inventory'); else ask the 3PL.",
        counts={"files": len(files)},
    )


def no_count_problem(
    last: datetime | None, since: datetime | None, now: datetime, max_age: timedelta
) -> Problem | None:
    """The warehouse has not sent a count for too long (since the last count, or since the line's first run
    when there was none): stock is not being checked at all."""
    if since is None or now - since <= max_age:
        return None
    when = (
        f"since {last:%Y-%m-%d %H:%M} UTC"
        if last
        else f"since this line started ({since:%Y-%m-%d %H:%M} UTC)"
    )
    return Problem(
        key=NO_COUNT,
        title="no stock count from the warehouse " + (when if last else "yet"),
        what=f"No stock file has been compared {when}; Shopify's stock is not being checked against the "
        f"warehouse (expected at least every {max_age.total_seconds() / 3600:g} hours).",
        next_step="Ask the 3PL whether its stock export runs, and check the outbound folder for files this "
        "line cannot see (another prefix: SHOPLINES_WAREHOUSE_STOCK_FORMAT).",
    )
