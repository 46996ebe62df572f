"""Orders → warehouse: pull, validate, select, version, map, upload, record. Wiring only."""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta

from prefect import flow, get_run_logger

from clients.shopify import ShopifyClient
from clients.shopify_errors import ShopifyError
from shoplines.alerting import Alerts
from shoplines.dates import (
    BusinessWindow,
    Selector,
    business_window,
    change_window,
    days_window,
    today_in,
)
from shoplines.errors import ShoplinesError
from shoplines.lines import WAREHOUSE_DESTINATION, contract, eligibility_rule
from shoplines.parameters import check_days
from shoplines.settings import Settings, load_settings
from shoplines.state.store import StateStore
from shoplines.wiring import build_alerts, build_shopify, open_state, sftp_factory, warehouse_location
from tasks import problems
from tasks.caching import part
from tasks.checkpoints import hold_address_changes
from tasks.deliver import Target, deliver_files, settle_unconfirmed
from tasks.extract import PartlyDelivered, Pulled, order_parts
from tasks.journal import journal_rows
from tasks.line_run import run_window
from tasks.plan_deliveries import plan_deliveries
from tasks.record import (
    enforce_bad_row_policy,
    held_orders,
    outside_contract,
    quarantine,
    review_run,
    skip_reasons,
    summarise,
)
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders
from tasks.warehouse_file import build_files, build_time, warehouse_rows

LINE = "orders-to-warehouse"


@flow(name=LINE)
def orders_to_warehouse(  # noqa: PLR0917 - a flow's parameters are its form in the Prefect UI
    date_from: date | None = None,
    date_to: date | None = None,
    by: Selector = "processed",
    lookback_days: int = 0,
    redeliver: bool = False,
    incremental: bool = False,
) -> dict[str, int]:
    """Send the warehouse every eligible order version it has not had yet, for the chosen shop days.

    Args:
        date_from: First shop day (Africa/Johannesburg), inclusive. Empty: today less lookback_days.
        date_to: Last shop day, inclusive (not after today). Empty: date_from, or today.
        by: Select orders by the day they were processed, or by the day they last changed.
        lookback_days: Without dates: also this many days before today (0 to 31).
        redeliver: Also re-send, once, versions the warehouse already has (as REPLACEMENT records).
        incremental: The schedule's mode: orders changed since the last completed window; dates are ignored.
    """
    settings = load_settings()
    check_days(settings, None if incremental else date_from, None if incremental else date_to, lookback_days)
    target = warehouse_target(settings)
    with build_shopify(settings) as shopify, open_state(settings) as state:
        if incremental:
            window = since_watermark(state, settings, target.shop_id, lookback_days)
        else:
            window = days_window(date_from, date_to, lookback_days, settings.shop_timezone, by)
        run = problems.run_key(window.date_from, window.date_to, window.selector, incremental=incremental)
        alerts = build_alerts(settings, state, LINE, window.describe())
        params = {"from": str(window.date_from), "to": str(window.date_to), "incremental": incremental,
                  "redeliver": redeliver}  # fmt: skip

        def body(run_id: str) -> dict[str, int]:
            counts = deliver_window(settings, shopify, state, alerts, window=window, target=target,
                                    run_id=run_id, run=run, redeliver=redeliver)  # fmt: skip
            state.advance_watermark(target.shop_id, LINE, window.selector, window_start=window.start,
                                    window_end=window.end, run_id=run_id)  # fmt: skip
            return counts

        counts = run_window(
            settings, state, alerts, line=LINE, window=window, run=run, params=params, body=body
        )
    return counts


def warehouse_target(settings: Settings) -> Target:
    """The 3PL's SFTP folders as the ledger names them."""
    return Target(
        settings.shop_domain,
        LINE,
        WAREHOUSE_DESTINATION,
        settings.sftp_inbound_dir,
        settings.sftp_archive_dir,
        settings.sftp_processed_dir,
        settings.sftp_outbound_dir,
    )


def since_watermark(
    state: StateStore, settings: Settings, shop_id: str, lookback_days: int
) -> BusinessWindow:
    """Orders changed from the last fully completed window (or `lookback_days` ago) until now."""
    mark = state.watermark(shop_id, LINE, "updated")
    if mark is None:
        first = today_in(settings.shop_timezone) - timedelta(days=lookback_days)
        mark = business_window(first, first, settings.shop_timezone).start
    return change_window(mark, datetime.now(UTC), settings.shop_timezone)


def deliver_window(
    settings: Settings,
    shopify: ShopifyClient,
    state: StateStore,
    alerts: Alerts,
    *,
    window: BusinessWindow,
    target: Target,
    run_id: str,
    run: str = "scheduled",
    redeliver: bool = False,
) -> dict[str, int]:
    """The line's steps for one window; returns the run's counts."""
    logger = get_run_logger()
    connect = sftp_factory(settings)
    settle_unconfirmed(connect, state, target)
    counts: Counter[str] = Counter()
    parts = 0
    try:
        for key, pulled in order_parts(shopify, window, timedelta(seconds=settings.window_overlap_seconds)):
            with part(key) if key else nullcontext():
                done = deliver_part(settings, shopify, state, alerts, pulled=pulled, window=window,
                                    target=target, run_id=run_id, run=run, redeliver=redeliver)  # fmt: skip
            counts.update(done)
            parts += 1
    except Exception as exc:
        if parts == 0 or not isinstance(exc, ShoplinesError | ShopifyError):
            raise
        raise PartlyDelivered(
            f"{window.describe()}: {parts} part(s) were delivered, each order once, then "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    logger.info("%s: %s", window.describe(), ", ".join(f"{k} {v}" for k, v in counts.items()))
    return dict(counts)


def deliver_part(
    settings: Settings,
    shopify: ShopifyClient,
    state: StateStore,
    alerts: Alerts,
    *,
    pulled: Pulled,
    window: BusinessWindow,
    target: Target,
    run_id: str,
    run: str,
    redeliver: bool,
) -> dict[str, int]:
    """The line's steps for the window's orders (all of them, or one part of a bulk read)."""
    logger = get_run_logger()
    connect = sftp_factory(settings)
    raw = pulled.orders
    payloads = {str(o.get("id")): o for o in raw if isinstance(o, dict)}
    frames = validate_orders(flatten_orders(raw), settings.shop_currency, payloads)
    quarantined = quarantine(state, target, run_id, frames.rejected)
    enforce_bad_row_policy(contract(LINE), frames.rejected)
    selection = select_eligible(frames.orders, frames.lines, frames.fulfillment_lines,
                                warehouse_location(settings), eligibility_rule(LINE))  # fmt: skip
    delivered = state.delivered_versions(
        target.shop_id, LINE, target.destination, selection.orders["order_id"]
    )
    planned = plan_deliveries(selection.orders, selection.ship_lines, delivered, redeliver=redeliver)
    planned = hold_address_changes(state, connect, target, planned, delivered, run_id=run_id)
    planned, refused = outside_contract(planned, contract(LINE), payloads)
    # released only now: an order the contract refuses has not "passed" even if its data did
    quarantined += quarantine(state, target, run_id, refused, passed=planned.get("order_id", ()))
    rows = warehouse_rows(planned, selection.ship_lines, settings.shop_timezone)
    built_at = build_time(datetime.now(UTC), state.recent_file_names(target.shop_id, target.destination))
    files = build_files(rows, settings.warehouse_max_lines_per_file, settings.warehouse_file_prefix,
                        target.shop_id, built_at)  # fmt: skip
    state.journal(target.shop_id, LINE, run_id, journal_rows(planned, files))
    sent = deliver_files(files, planned, connect=connect, state=state, target=target, run_id=run_id)
    counts = summarise(len(raw), planned, quarantined, sent, len(rows))
    review_run(
        alerts,
        state,
        target=target,
        planned=planned,
        pulled=pulled,
        drift=shopify.warnings,
        window=window.describe(),
        run=run,
    )
    logger.info("Left out: %s", skip_reasons(planned) or "none")
    if held := held_orders(planned):
        logger.warning(
            "Changed after delivery but not sent (the warehouse keeps its version): %s", ", ".join(held)
        )
    return counts
