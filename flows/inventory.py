"""Inventory: apply approved stock corrections, pull Shopify's levels (changes, or a full snapshot), compare
with the warehouse's newest stock count, report mismatches, alert on low stock. Wiring only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prefect import flow, get_run_logger

from shoplines.leasing import leased
from shoplines.settings import load_settings
from shoplines.wiring import build_alerts, build_shopify, open_state, warehouse_location
from tasks import problems, stock_corrections
from tasks.inventory_levels import pull_levels
from tasks.inventory_run import compare_newest
from tasks.record import publish_run_summary, report_failure

LINE = "inventory"
ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))  # one inventory run at a time


@flow(name=LINE)
def inventory(full: bool = False) -> dict[str, int]:
    """Compare Shopify's stock with the warehouse's newest count. `full` re-reads every level from Shopify
    instead of those changed since the last run (a nightly snapshot catches anything an increment missed)."""
    settings = load_settings()
    warehouse = warehouse_location(settings)
    stock_corrections.check_api_version(settings.inventory_corrections, settings.shopify_api_version)
    shop = settings.shop_domain
    with open_state(settings) as state, build_shopify(settings) as shopify:
        alerts = build_alerts(settings, state, LINE, None)
        now = state.now()
        run_id = state.start_run(
            shop, LINE, "snapshot" if full else "changes", now, now, {"incremental": not full}
        )
        try:
            with leased(state, shop, LINE, ALL_TIME, run_id=run_id,
                        ttl=timedelta(seconds=settings.run_lease_seconds),
                        wait=settings.run_lease_wait_seconds):  # fmt: skip
                counts: dict[str, int] = {}
                if settings.inventory_corrections:
                    counts |= stock_corrections.apply_approved(
                        shopify, state, alerts, shop_id=shop, line=LINE, run_id=run_id
                    )
                pulled = pull_levels(shopify, state, shop_id=shop, line=LINE, run_id=run_id, full=full,
                                     overlap=timedelta(seconds=settings.window_overlap_seconds))  # fmt: skip
                counts |= {"levels": pulled.levels, "levels_quarantined": pulled.quarantined}
                counts |= compare_newest(settings, state, alerts, shopify, warehouse=warehouse, line=LINE,
                                         run_id=run_id)  # fmt: skip
        except BaseException as exc:
            try:
                state.finish_run(run_id, "failed", {}, f"{type(exc).__name__}: {exc}")
            finally:
                report_failure(alerts, exc, "stock", "scheduled")
                publish_run_summary(LINE, "stock", None, alerts, f"{type(exc).__name__}: {exc}")
            raise
        state.finish_run(run_id, "completed", counts)
        alerts.clear(problems.cleared_failures(alerts.open_keys(problems.FAILED), "scheduled"))
        alerts.flush_pending()
        publish_run_summary(LINE, "stock", counts, alerts)
    get_run_logger().info("Inventory: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
