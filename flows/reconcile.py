"""Reconcile shop days: does the warehouse have the current version of every order Shopify says it should
(`reconcile`), and do the books hold every order and refund once (`reconcile_books_flow`)? Reads Shopify, the
ledgers and Xero; sends nothing. Wiring only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from prefect import flow

from flows.refunds_to_accounting import posted_invoices
from shoplines.dates import BusinessWindow, days_window
from shoplines.lines import WAREHOUSE_DESTINATION, eligibility_rule
from shoplines.parameters import check_days
from shoplines.settings import load_settings
from shoplines.wiring import (
    build_accounting,
    build_alerts,
    build_shopify,
    open_state,
    posting_config,
    run_logger,
    warehouse_location,
)
from tasks.accounting_documents import order_invoices
from tasks.accounting_refunds import refund_credit_notes
from tasks.accounting_run import REFUND_APPROVAL, read_both, refunds_created_in
from tasks.extract import fetch_orders
from tasks.plan_deliveries import plan_deliveries
from tasks.post_accounting import PROVIDER
from tasks.problems import ranges_inside
from tasks.reconcile import RECONCILE, Reconciliation, reconcile_window
from tasks.reconcile_books import BOOKS, BooksReconciliation, reconcile_books
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders

LINE = "orders-to-warehouse"
IN_FLIGHT = timedelta(minutes=30)  # two schedule intervals: a change this recent may not be sent yet


def problem_range(window: BusinessWindow, date_from: date | None, date_to: date | None) -> str:
    """A mismatch's key: its days, or `nightly` for the schedule's moving window (so the next night's
    tie-out clears it)."""
    return "nightly" if date_from is None and date_to is None else f"{window.date_from}:{window.date_to}"


@flow(name="reconcile")
def reconcile(
    date_from: date | None = None, date_to: date | None = None, lookback_days: int = 0
) -> Reconciliation:
    """Compare Shopify (the source of truth) with what the warehouse was sent; a mismatch is announced (and
    cleared when a later reconciliation ties out).

    Args:
        date_from: First shop day (Africa/Johannesburg, by processedAt), inclusive. Empty: the schedule's
            days (today and lookback_days before).
        date_to: Last shop day, inclusive (not after today). Empty: date_from, or today.
        lookback_days: Without dates: also this many days before today (0 to 31).
    """
    settings = load_settings()
    check_days(settings, date_from, date_to, lookback_days)
    window = days_window(date_from, date_to, lookback_days, settings.shop_timezone, "processed")
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
        key = f"{LINE}:{problem_range(window, date_from, date_to)}"
        if result.ties_out:  # this range ties out, and so does every range inside it
            first, last = str(window.date_from), str(window.date_to)
            alerts.clear([key, *ranges_inside(alerts.open_keys(f"{LINE}:"), f"{LINE}:", first, last)])
        else:
            alerts.report(result.problem(key, window.describe()))
        alerts.flush_pending()
    run_logger().info("%s: %s", window.describe(), result.sentence())
    return result


@flow(name="reconcile-books")
def reconcile_books_flow(
    date_from: date | None = None, date_to: date | None = None, lookback_days: int = 0
) -> BooksReconciliation | None:
    """Is every order of the shop days in Xero once, every refund created on them in Xero once as its credit
    note, and every order sent to the warehouse in the books? Reads only; a mismatch is announced (cleared by
    a later tie-out). None when the shop is not connected to Xero.

    Args:
        date_from: First shop day (Africa/Johannesburg), inclusive. Empty: the schedule's days (today and
            lookback_days before).
        date_to: Last shop day, inclusive (not after today). Empty: date_from, or today.
        lookback_days: Without dates: also this many days before today (0 to 31).
    """
    settings = load_settings()
    check_days(settings, date_from, date_to, lookback_days)
    window = days_window(date_from, date_to, lookback_days, settings.shop_timezone, "processed")
    shop = settings.shop_domain
    with build_shopify(settings) as shopify, open_state(settings) as state:
        if state.accounting_connection(shop, PROVIDER) is None:
            run_logger().info("%s is not connected to Xero: the books are not reconciled", shop)
            return None
        config = posting_config(settings)
        orders, money, _ = read_both(shopify, window, settings.shop_currency)
        postings = [
            p for p in state.postings(shop, provider=PROVIDER) if p.kind in ("invoice", "credit_note")
        ]
        invoices = order_invoices(orders, money, config)
        refunds = refunds_created_in(money, window.start, window.end)
        notes = refund_credit_notes(orders, refunds, config, posted_invoices(state, shop))
        waiting = [a.subject.split(":")[0] for a in state.approvals(shop, status=None, kind=REFUND_APPROVAL)
                   if a.status != "approved"]  # fmt: skip
        ids = [str(i) for i in orders.orders["order_id"]] if not orders.orders.empty else []
        delivered = state.delivered_versions(shop, LINE, WAREHOUSE_DESTINATION, ids)
        names = {str(r["order_id"]): str(r["order_name"]) for r in orders.orders.to_dict("records")}
        sent = [(i, names.get(i, i)) for i, v in delivered.items() if v.record_type != "CANCEL"]
        with build_accounting(settings, state) as xero:
            days = (str(window.date_from), str(window.date_to))
            numbers = [
                p.key for p in postings if p.status == "posted" and days[0] <= p.business_date <= days[1]
            ]
            refund_prefix = f"{config.prefix}R-"
            copies = xero.copies("/Invoices", [n for n in numbers if not n.startswith(refund_prefix)])
            copies |= xero.copies("/CreditNotes", [n for n in numbers if n.startswith(refund_prefix)])
        result = reconcile_books(invoices, notes, postings, copies, sent, waiting=waiting)
        alerts = build_alerts(settings, state, RECONCILE, window.describe())
        key = f"{BOOKS}{problem_range(window, date_from, date_to)}"
        if result.ties_out:
            first, last = str(window.date_from), str(window.date_to)
            alerts.clear([key, *ranges_inside(alerts.open_keys(BOOKS), BOOKS, first, last)])
        else:
            alerts.report(result.problem(key, window.describe()))
        alerts.flush_pending()
    run_logger().info("%s: %s", window.describe(), result.sentence())
    return result
