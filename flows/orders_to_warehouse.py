"""Orders → warehouse: pull, validate, select, version, map, upload, record. Wiring only."""

from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, get_run_logger

from clients.shopify import ShopifyClient
from shoplines.dates import BusinessWindow, Selector, business_window, today_in
from shoplines.lines import eligibility_rule
from shoplines.settings import Settings, load_settings
from shoplines.state.store import StateStore
from shoplines.wiring import build_shopify, open_state, sftp_factory, warehouse_location
from tasks.deliver import Target, deliver_files
from tasks.extract import fetch_orders
from tasks.plan_deliveries import plan_deliveries
from tasks.record import held_orders, quarantine, skip_reasons, summarise
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders
from tasks.warehouse_file import build_files, warehouse_rows

LINE = "orders-to-warehouse"
MAX_LOOKBACK_DAYS = 31


@flow(name=LINE)
def orders_to_warehouse(
    date_from: date | None = None,
    date_to: date | None = None,
    by: Selector = "processed",
    lookback_days: int = 0,
) -> dict[str, int]:
    """Send the warehouse every eligible order version it has not had yet, for shop days `date_from` to
    `date_to` (inclusive). Without dates: today, and `lookback_days` days before it (for schedules)."""
    if not 0 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise ValueError(f"lookback_days must be 0 to {MAX_LOOKBACK_DAYS}, not {lookback_days}")
    settings = load_settings()
    today = today_in(settings.shop_timezone)
    first = date_from or today - timedelta(days=lookback_days)
    window = business_window(first, date_to or date_from or today, settings.shop_timezone, by)
    target = Target(settings.shop_domain, LINE, "warehouse-sftp", settings.sftp_inbound_dir)
    with build_shopify(settings) as shopify, open_state(settings) as state:
        run_id = state.start_run(target.shop_id, LINE, by, window.start, window.end,
                                 {"from": str(window.date_from), "to": str(window.date_to)})  # fmt: skip
        try:
            counts = deliver_window(settings, shopify, state, window=window, target=target, run_id=run_id)
        except BaseException as exc:
            state.finish_run(run_id, "failed", {}, f"{type(exc).__name__}: {exc}")
            raise
        state.finish_run(run_id, "completed", counts)
    return counts


def deliver_window(
    settings: Settings,
    shopify: ShopifyClient,
    state: StateStore,
    *,
    window: BusinessWindow,
    target: Target,
    run_id: str,
) -> dict[str, int]:
    """The line's steps for one window; returns the run's counts."""
    logger = get_run_logger()
    raw = fetch_orders(shopify, window, timedelta(seconds=settings.window_overlap_seconds))
    payloads = {str(o.get("id")): o for o in raw if isinstance(o, dict)}
    frames = validate_orders(flatten_orders(raw), settings.shop_currency, payloads)
    quarantined = quarantine(state, target, run_id, frames.rejected)
    selection = select_eligible(frames.orders, frames.lines, frames.fulfillment_lines,
                                warehouse_location(settings), eligibility_rule(LINE))  # fmt: skip
    delivered = state.delivered_versions(
        target.shop_id, LINE, target.destination, selection.orders["order_id"]
    )
    planned = plan_deliveries(selection.orders, selection.ship_lines, delivered)
    rows = warehouse_rows(planned, selection.ship_lines, settings.shop_timezone)
    files = build_files(
        rows, settings.warehouse_max_lines_per_file, settings.warehouse_file_prefix, target.shop_id
    )
    sent = deliver_files(
        files, planned, connect=sftp_factory(settings), state=state, target=target, run_id=run_id
    )
    counts = summarise(len(raw), planned, quarantined, sent, len(rows))
    logger.info("Left out: %s", skip_reasons(planned) or "none")
    if held := held_orders(planned):
        logger.warning(
            "Changed after delivery but not sent (the warehouse keeps its version): %s", ", ".join(held)
        )
    logger.info("%s: %s", window.describe(), ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
