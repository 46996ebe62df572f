"""Orders → accounting (Xero): pull, check, make documents (per order or a daily summary per gateway), post
each once with its payment into the gateway's clearing account, record, tell. Wiring only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from prefect import flow, get_run_logger

from clients.shopify import ShopifyClient
from clients.xero import XeroClient
from shoplines.alerting import Alerts
from shoplines.dates import BusinessWindow, days_window, today_in
from shoplines.parameters import check_days
from shoplines.settings import Settings, load_settings
from shoplines.state.store import StateStore
from shoplines.wiring import build_accounting, build_alerts, build_shopify, open_state, posting_config
from tasks import problems
from tasks.accounting_documents import order_invoices
from tasks.accounting_run import HELD, REFUSED, held_problem, held_rows, pull, refused_problem
from tasks.accounting_summaries import PostedDay, daily_summaries, owed_payments
from tasks.deliver import Target
from tasks.line_run import run_window
from tasks.post_accounting import PROVIDER, Poster, journal_rows

LINE = "orders-to-accounting"
POLICY = "policy: paid orders post automatically"


@flow(name=LINE)
def orders_to_accounting(
    date_from: date | None = None, date_to: date | None = None, lookback_days: int = 0
) -> dict[str, int]:
    """Post to Xero every order of the chosen shop days that the books do not have yet; re-runs post nothing
    twice.

    Args:
        date_from: First shop day (Africa/Johannesburg, by processedAt), inclusive. Empty: the
            schedule's days.
        date_to: Last shop day, inclusive (not after today). Empty: date_from, or today.
        lookback_days: Without dates: also this many days before today (0 to 31).
    """
    settings = load_settings()
    check_days(settings, date_from, date_to, lookback_days)
    scheduled = date_from is None and date_to is None  # the hourly deployment: freshness watches these
    if scheduled and settings.accounting_mode == "daily-summary":
        date_from, date_to = finished_days(settings.shop_timezone, lookback_days)
    window = days_window(date_from, date_to, lookback_days, settings.shop_timezone, "processed")
    run = problems.run_key(window.date_from, window.date_to, window.selector, incremental=False)
    with build_shopify(settings) as shopify, open_state(settings) as state:
        alerts = build_alerts(settings, state, LINE, window.describe())
        params = {"from": str(window.date_from), "to": str(window.date_to), "incremental": scheduled}

        def body(run_id: str) -> dict[str, int]:
            with build_accounting(settings, state) as xero:
                return post_orders(settings, shopify, xero, state, alerts, window=window, run_id=run_id)

        counts = run_window(
            settings, state, alerts, line=LINE, window=window, run=run, params=params, body=body
        )
    return counts


def finished_days(timezone: str, lookback_days: int) -> tuple[date, date]:
    """The schedule's days in daily-summary mode: a day is summarised once, when it is over, so an hourly run
    ends yesterday (per-order mode posts today's orders as they come)."""
    yesterday = today_in(timezone) - timedelta(days=1)
    return yesterday - timedelta(days=max(lookback_days - 1, 0)), yesterday


def posted_days(state: StateStore, shop_id: str) -> dict[tuple[date, str], PostedDay]:
    """Per (shop day, gateway) of the daily summaries Xero is known to have: their orders, how many documents.

    Only `posted` rows count: a summary left as intent (the run died, or Xero's answer was lost) or refused is
    made again with the same number and orders, so the poster looks it up and adopts or creates it.
    """
    days: dict[tuple[date, str], PostedDay] = {}
    for record in state.postings(shop_id, provider=PROVIDER, kind="invoice", line=LINE, status="posted"):
        parts = record.key.split("-D-", 1)
        if len(parts) != 2:  # a per-order invoice
            continue
        stamp, gateway = parts[1].split("-")[:2]
        key = (datetime.strptime(stamp, "%Y%m%d").replace(tzinfo=UTC).date(), gateway)
        seen = days.get(key, PostedDay(frozenset(), 0))
        days[key] = PostedDay(seen.order_ids | set(record.entity_ids), seen.documents + 1)
    return days


def post_orders(
    settings: Settings,
    shopify: ShopifyClient,
    xero: XeroClient,
    state: StateStore,
    alerts: Alerts,
    *,
    window: BusinessWindow,
    run_id: str,
) -> dict[str, int]:
    """The line's steps for one window; returns the run's counts."""
    shop = settings.shop_domain
    config = posting_config(settings)
    target = Target(shop, LINE, PROVIDER, "")
    pulled = pull(shopify, state, target, window, run_id=run_id, currency=settings.shop_currency)
    if settings.accounting_mode == "daily-summary":
        posting = daily_summaries(pulled.orders, pulled.money, config, posted_days(state, shop))
    else:
        posting = order_invoices(pulled.orders, pulled.money, config)
    poster = Poster(xero, state, shop, LINE, run_id, config.contact_key)
    outcome = poster.documents(posting.documents, lambda _doc: POLICY)
    posted = {r.key for r in outcome.posted + outcome.already}
    payments = [p for p in posting.payments if p.document_number in posted]
    made = {(p.document_number, p.account_code) for p in payments}
    if (
        settings.accounting_mode == "daily-summary"
    ):  # a posted day is not summarised again: retry its payments
        ledger = state.postings(shop, provider=PROVIDER, kind="payment", line=LINE)
        payments += [p for p in owed_payments(ledger) if (p.document_number, p.account_code) not in made]
    outcome = outcome.merge(poster.payments(payments, lambda _n: POLICY))
    names = {str(r["order_id"]): str(r["order_name"]) for r in pulled.orders.orders.to_dict("records")}
    state.journal(shop, LINE, run_id, journal_rows(outcome, names) + held_rows(posting.held))
    for problem in (held_problem(LINE, posting.held), refused_problem(outcome)):
        if problem is not None:
            alerts.report(problem)
    if not posting.held:
        alerts.clear([HELD])
    if not outcome.failed:
        alerts.clear([REFUSED])
    kinds = ("invoice", "payment")
    counts = {
        "received": pulled.received,
        "quarantined": len(pulled.rejected),
        "documents": len(posting.documents),
        **{f"{k}s_posted": sum(1 for r in outcome.posted if r.kind == k) for k in kinds},
        **{f"{k}s_already": sum(1 for r in outcome.already if r.kind == k) for k in kinds},
        "refused": len(outcome.failed),
        "held": len(posting.held),
        "skipped": len(posting.skipped),
    }
    get_run_logger().info("%s: %s", window.describe(), ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
