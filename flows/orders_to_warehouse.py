"""Orders → warehouse: pull, validate, select, version, map, upload, record. Wiring only."""

from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, get_run_logger

from shoplines.dates import Selector, business_window, today_in
from shoplines.lines import eligibility_rule
from shoplines.settings import load_settings
from shoplines.wiring import build_shopify, open_state, sftp_factory, warehouse_location
from tasks.deliver import Target, deliver_files
from tasks.extract import fetch_orders
from tasks.plan_deliveries import plan_deliveries
from tasks.record import quarantine, skip_reasons, summarise
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders
from tasks.warehouse_file import build_files, warehouse_rows

LINE = "orders-to-warehouse"


@flow(name=LINE)
def orders_to_warehouse(date_from: date | None = None, date_to: date | None = None, by: Selector = "processed") -> dict[str, int]:
    """Send the warehouse every eligible order version it has not had yet, for shop-time days `date_from`..`date_to`."""
    settings, logger = load_settings(), get_run_logger()
    today = today_in(settings.shop_timezone)
    window = business_window(date_from or today, date_to or date_from or today, settings.shop_timezone, by)
    target = Target(settings.shop_domain, LINE, "warehouse-sftp", settings.sftp_inbound_dir)
    shopify, connect, state = build_shopify(settings), sftp_factory(settings), open_state(settings)
    run_id = state.start_run(target.shop_id, LINE, by, window.start, window.end, {"from": str(window.date_from), "to": str(window.date_to)})
    try:
        raw = fetch_orders(shopify, window, timedelta(seconds=settings.window_overlap_seconds))
        frames = validate_orders(flatten_orders(raw), settings.shop_currency, {o.get("id"): o for o in raw if isinstance(o, dict)})
        quarantined = quarantine(state, target, run_id, frames.rejected)
        selection = select_eligible(frames.orders, frames.lines, frames.fulfillment_lines, warehouse_location(settings), eligibility_rule(LINE))
        delivered = state.delivered_versions(target.shop_id, LINE, target.destination, selection.orders["order_id"])
        planned = plan_deliveries(selection.orders, selection.ship_lines, delivered)
        rows = warehouse_rows(planned, selection.ship_lines, settings.shop_timezone)
        files = build_files(rows, settings.warehouse_max_lines_per_file, settings.warehouse_file_prefix, target.shop_id)
        sent = deliver_files(files, planned, connect, state, target, run_id)
        counts = summarise(len(raw), planned, quarantined, sent, len(rows))
    except BaseException as exc:
        state.finish_run(run_id, "failed", {}, str(exc))
        raise
    logger.info("Left out: %s", skip_reasons(planned) or "none")
    logger.info("%s: %s", window.describe(), ", ".join(f"{k} {v}" for k, v in counts.items()))
    state.finish_run(run_id, "completed", counts)
    return counts
