"""One comparison of Shopify's stock with the warehouse's newest count: take the file, explain what can be
explained, report and alert, check low stock, propose corrections. The inventory flow's body."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pandas as pd
from prefect import get_run_logger

from clients.shopify import ShopifyClient
from clients.shopify_windows import OrderWindow
from shoplines.alerting import Alerts
from shoplines.errors import ConfigError
from shoplines.lines import WAREHOUSE_DESTINATION
from shoplines.settings import Settings
from shoplines.state.records import JournalRow, QuarantineRow
from shoplines.state.store import StateStore
from shoplines.wiring import sftp_factory
from tasks import low_stock, stock_corrections, stock_report
from tasks.compare_stock import compare, describe, mismatches, rows_of, shopify_stock
from tasks.in_flight import in_flight, sent_orders, shipped_after
from tasks.inventory_levels import levels_frame
from tasks.stock_files import Taken, finish_compared, take_stock_files
from tasks.transform_orders import flatten_orders
from tasks.warehouse_stock import StockFile, StockFormat

SENDING_LINE = "orders-to-warehouse"
ONCE_PER_CROSSING = timedelta(days=3650)  # a low-stock problem is told when it opens, not reminded


def stock_sites(settings: Settings, warehouse: str) -> dict[str, str]:
    """The 3PL's site codes → Shopify locations (`{"*": warehouse}`: one site, whatever its code)."""
    return dict(settings.warehouse_stock_sites) or {"*": warehouse}


def compare_newest(
    settings: Settings, state: StateStore, alerts: Alerts, shopify: ShopifyClient, *, warehouse: str,
    line: str, run_id: str,
) -> dict[str, int]:  # fmt: skip
    """Compare the newest complete stock file (if any) with our copy of Shopify's levels."""
    shop, connect = settings.shop_domain, sftp_factory(settings)
    sites = stock_sites(settings, warehouse)
    if not settings.sftp_outbound_dir:  # never "no count, success": nothing could be read
        raise ConfigError("SHOPLINES_SFTP_OUTBOUND_DIR is empty: the warehouse's stock files cannot be read")
    taken = take_stock_files(connect, state, shop_id=shop, outbound=settings.sftp_outbound_dir,
                             archive=settings.sftp_archive_dir or "archive",
                             fmt=StockFormat.from_settings(settings.warehouse_stock_format), sites=sites,
                             run_id=run_id)  # fmt: skip
    _tell_files(alerts, taken)
    counts = {"stock_files": 0, "superseded": len(taken.superseded), "unreadable": len(taken.unreadable),
              "still_writing": len(taken.writing)}  # fmt: skip
    if taken.newest is None or taken.newest.as_of is None:
        last = next((f.as_of for f in state.stock_files(shop) if f.status == "compared"), None)
        since = last or min((r.started_at for r in state.runs(shop, line, limit=1000)), default=None)
        max_age = timedelta(hours=settings.inventory_count_max_age_hours)
        _report_or_clear(
            alerts, stock_report.NO_COUNT, stock_report.no_count_problem(last, since, state.now(), max_age)
        )
        return counts
    alerts.clear([stock_report.NO_COUNT])
    count, as_of = taken.newest, taken.newest.as_of
    locations = set(count.stock["location_id"]) or {warehouse}  # a per-site file covers its own sites only
    comparison = _compare(settings, state, shopify, count, warehouse=warehouse, locations=locations)
    bad = mismatches(comparison)
    _quarantine(state, shop, line, run_id, count)
    report = stock_report.write_report(comparison, settings.home / "reports" / "inventory", count.name)
    stock_report.publish_table(bad, count.name)
    _report_or_clear(
        alerts, stock_report.MISMATCH, stock_report.mismatch_problem(bad, count.name, as_of, report)
    )
    state.journal(shop, line, run_id, _journal(bad, count.name))
    counts |= _low_stock(settings, alerts, count) | {
        "stock_files": 1,
        "skus": len(comparison),
        "mismatches": len(bad),
    }
    if settings.inventory_corrections:
        batch = stock_corrections.changes(comparison)
        stock_corrections.propose(state, batch, shop_id=shop, line=line, file_name=count.name,
                                  sha256=taken.sha256, run_id=run_id)  # fmt: skip
        counts["corrections_proposed"] = len(batch)
    finish_compared(connect, state, taken, shop_id=shop, archive=settings.sftp_archive_dir or "archive",
                    mismatches=len(bad), run_id=run_id)  # fmt: skip
    get_run_logger().info("Compared %s: %d SKU(s), %d mismatch(es); report %s", count.name, len(comparison),
                          len(bad), report)  # fmt: skip
    return counts


def _compare(
    settings: Settings, state: StateStore, shopify: ShopifyClient, count: StockFile, *, warehouse: str,
    locations: set[str],
) -> pd.DataFrame:  # fmt: skip
    assert count.as_of is not None
    shop = settings.shop_domain
    now = state.now()  # the count's own clock may differ from ours (a 3PL's, or the sandbox's): cover both
    start = min(now, count.as_of) - timedelta(days=settings.inventory_in_flight_days)
    window = OrderWindow(start, max(now, count.as_of) + timedelta(minutes=1))
    unshipped = "(fulfillment_status:unshipped OR fulfillment_status:partial OR fulfillment_status:on_hold)"
    raw = shopify.fetch_orders(window, only=unshipped)
    frames = flatten_orders.fn(raw)
    order_ids = frames.orders["order_id"].tolist()
    sent = sent_orders(state.delivered_versions(shop, SENDING_LINE, WAREHOUSE_DESTINATION, order_ids))
    flight = in_flight(frames.lines, frames.fulfillment_lines, sent, warehouse)
    after = shipped_after(
        state.shipped_since(shop, WAREHOUSE_DESTINATION, count.as_of), count.as_of, warehouse
    )
    shopify_side = shopify_stock(levels_frame(state.inventory_levels(shop)), locations)
    comparison = compare(shopify_side, count.stock, in_flight=flight, shipped_after=after,
                         tolerance=settings.inventory_tolerance)  # fmt: skip
    set_aside = {sku for _, sku, _, _ in count.bad_rows}  # their count is unknown, not zero
    unknown = comparison["sku"].isin(set_aside) & (comparison["status"] == "not_at_warehouse")
    return comparison[~unknown].reset_index(drop=True)


def _tell_files(alerts: Alerts, taken: Taken) -> None:
    logger = get_run_logger()
    for name in taken.writing:
        logger.info("Stock file %s is still being written; read next run", name)
    for name in taken.superseded:
        logger.info("Stock file %s is superseded by a newer count; archived without comparing", name)
    for name in taken.repeated:
        logger.info("Stock file %s was compared by an earlier run; archived, not read again", name)
    _report_or_clear(alerts, stock_report.UNREADABLE, stock_report.unreadable_problem(taken.unreadable))


def _report_or_clear(alerts: Alerts, key: str, problem: Any) -> None:
    if problem is None:
        alerts.clear([key])
    else:
        alerts.report(problem)


def _quarantine(state: StateStore, shop: str, line: str, run_id: str, count: StockFile) -> None:
    rows = [QuarantineRow(f"{count.name}#row{number}", sku or None, reason, raw)
            for number, sku, reason, raw in count.bad_rows]  # fmt: skip
    if rows:
        state.quarantine_rows(shop, line, run_id, rows)


def _journal(bad: pd.DataFrame, file_name: str) -> list[JournalRow]:
    return [
        JournalRow(str(r["inventory_item_id"] or r["sku"]), str(r["sku"]), "stock-mismatch",
                   f"stock differs from the warehouse's count in {file_name}: {describe(r)}",
                   {"file": file_name, "location": r["location_id"]})
        for r in rows_of(bad)
    ]  # fmt: skip


def _low_stock(settings: Settings, alerts: Alerts, count: StockFile) -> dict[str, int]:
    thresholds = low_stock.Thresholds.load(settings.low_stock_file, settings.low_stock_default)
    judged = low_stock.below(count.stock, thresholds)
    crossing = dataclasses.replace(alerts, reminder_after=ONCE_PER_CROSSING)
    for problem in low_stock.problems(judged, count.name):
        crossing.report(problem)
    crossing.clear(low_stock.recovered(judged, crossing.open_keys(low_stock.LOW_STOCK)))
    return {"low_stock": int(judged["low"].sum())}
