"""Reconcile orders → warehouse for shop days: does the warehouse have the current version of every order
Shopify says it should? Reads Shopify and the ledger, sends nothing. Wiring only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from prefect import flow

from shoplines.dates import business_window
from shoplines.lines import WAREHOUSE_DESTINATION, eligibility_rule
from shoplines.settings import load_settings
from shoplines.wiring import build_alerts, build_shopify, open_state, run_logger, warehouse_location
from tasks.extract import fetch_orders
from tasks.plan_deliveries import plan_deliveries
from tasks.problems import ranges_inside
from tasks.reconcile import RECONCILE, Reconciliation, reconcile_window
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders

LINE = "orders-to-warehouse"
IN_FLIGHT = timedelta(minutes=30)  # two schedule intervals: a change this recent may not be sent yet


@flow(name="reconcile")
def reconcile(date_from: date, date_to: date) -> Reconciliation:
    """Compare Shopify (the source of truth) with what the warehouse was sent, for shop days `date_from` to
    `date_to` inclusive; a mismatch is announced (and cleared when a later reconciliation ties out)."""
    settings = load_settings()
    window = business_window(date_from, date_to, settings.shop_timezone, "processed")
    with build_shopify(settings) as shopify, open_state(settings) as state:
        pulled = fetch_orders(shopify, window, timedelta(0))
        payloads = {str(o.get("id")): o for o in pulled.orders if isinstance(o, dict)}
        frames = validate_orders(flatten_orders(pulled.orders), settings.shop_currency, payloads)
        selection = select_eligible(frames.orders, frames.lines, frames.fulfillment_lines,
                                    warehouse_location(settings), eligibility_rule(LINE))  # fmt: skip
        delivered = state.delivered_versions(
            settings.shop_domain, LINE, WAREHOUSE_DESTINATION, selection.orders["order_id"]
        )
        planned = plan_deliveries(selection.orders, selection.ship_lines, delivered)
        quarantined = state.open_quarantine(settings.shop_domain, LINE)
        result = reconcile_window(
            pulled, planned, len(frames.rejected), quarantined, now=datetime.now(UTC), in_flight=IN_FLIGHT
        )
        alerts = build_alerts(settings, state, RECONCILE, window.describe())
        key = f"{LINE}:{window.date_from}:{window.date_to}"
        if result.ties_out:  # this range ties out, and so does every range inside it
            first, last = str(window.date_from), str(window.date_to)
            alerts.clear([key, *ranges_inside(alerts.open_keys(f"{LINE}:"), f"{LINE}:", first, last)])
        else:
            alerts.report(result.problem(key, window.describe()))
        alerts.flush_pending()
    run_logger().info("%s: %s", window.describe(), result.sentence())
    return result
