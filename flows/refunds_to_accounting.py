"""Refunds → accounting (Xero): a credit note per refund created in the window, the money paid back out of the
gateway's clearing account (or the credit allocated to the order's invoice), each once; refunds above the
threshold wait for a person's approval. Wiring only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prefect import flow, get_run_logger

from clients.shopify import ShopifyClient
from clients.xero import XeroClient
from shoplines.alerting import Alerts, Problem
from shoplines.dates import BusinessWindow, days_window
from shoplines.parameters import check_days
from shoplines.settings import Settings, load_settings
from shoplines.state.records import JournalRow
from shoplines.state.store import StateStore
from shoplines.wiring import build_accounting, build_alerts, build_shopify, open_state, posting_config
from tasks import problems
from tasks.accounting_refunds import refund_credit_notes
from tasks.accounting_run import (
    HELD,
    REFUSED,
    Checkpoint,
    held_problem,
    held_rows,
    pull,
    refund_checkpoint,
    refunds_created_in,
    refused_problem,
)
from tasks.accounting_types import Held
from tasks.deliver import Target
from tasks.line_run import run_window
from tasks.post_accounting import PROVIDER, Outcome, Poster, journal_rows

LINE = "refunds-to-accounting"
ORDERS_LINE = "orders-to-accounting"
WAITING = "refund-approval:"  # + credit note number


@flow(name=LINE)
def refunds_to_accounting(
    date_from: date | None = None, date_to: date | None = None, lookback_days: int = 0
) -> dict[str, int]:
    """Post to Xero every refund created on the chosen shop days that the books do not have yet; re-runs post
    nothing twice.

    Args:
        date_from: First shop day (Africa/Johannesburg) a refund was created on, inclusive. Empty: the
            schedule's days.
        date_to: Last shop day, inclusive (not after today). Empty: date_from, or today.
        lookback_days: Without dates: also this many days before today (0 to 31).
    """
    settings = load_settings()
    check_days(settings, date_from, date_to, lookback_days)
    window = days_window(date_from, date_to, lookback_days, settings.shop_timezone, "updated")
    run = problems.run_key(window.date_from, window.date_to, "refunds", incremental=False)
    with build_shopify(settings) as shopify, open_state(settings) as state:
        alerts = build_alerts(settings, state, LINE, window.describe())
        scheduled = date_from is None and date_to is None  # the hourly deployment: freshness watches these
        params = {"from": str(window.date_from), "to": str(window.date_to), "incremental": scheduled}

        def body(run_id: str) -> dict[str, int]:
            with build_accounting(settings, state) as xero:
                return post_refunds(settings, shopify, xero, state, alerts, window=window, run_id=run_id)

        counts = run_window(
            settings, state, alerts, line=LINE, window=window, run=run, params=params, body=body
        )
    return counts


def posted_invoices(state: StateStore, shop_id: str) -> dict[str, str]:
    """Order id -> the invoice (its own, or the day's summary) the ledger says is in Xero."""
    found: dict[str, str] = {}
    for record in state.postings(shop_id, provider=PROVIDER, kind="invoice", status="posted"):
        for order_id in record.entity_ids:
            found.setdefault(order_id, record.key)
    return found


def post_refunds(
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
    threshold = settings.refund_approval_threshold
    pulled = pull(shopify, state, Target(shop, LINE, PROVIDER, ""), window, run_id=run_id,
                  currency=settings.shop_currency)  # fmt: skip
    money = refunds_created_in(pulled.money, window.start, window.end)
    posting = refund_credit_notes(pulled.orders, money, config, posted_invoices(state, shop))
    checkpoint = refund_checkpoint(state, shop, LINE, posting.documents, threshold=threshold, run_id=run_id)
    allowed = [d for d in posting.documents if checkpoint.allows(d, threshold)]
    numbers = {d.number for d in allowed}
    policy = f"policy: refunds up to ZAR {threshold:,.2f} post automatically".replace(",", " ")

    def approved_by(number: str) -> str:
        return checkpoint.approved.get(number, policy)

    poster = Poster(xero, state, shop, LINE, run_id, config.contact_key)
    outcome = poster.documents(allowed, lambda doc: approved_by(doc.number))
    posted = {r.key for r in outcome.posted + outcome.already}
    payments = [p for p in posting.payments if p.document_number in posted and p.document_number in numbers]
    outcome = outcome.merge(poster.payments(payments, approved_by))
    outcome = outcome.merge(poster.allocations(
        [a for a in posting.allocations if a.credit_note_number in posted], approved_by
    ))  # fmt: skip
    names = {str(r["refund_id"]): f"{r['order_name']} refund" for r in money.refunds.to_dict("records")}
    state.journal(
        shop, LINE, run_id, journal_rows(outcome, names) + decision_rows(checkpoint) + held_rows(posting.held)
    )
    tell(alerts, posting.held, outcome, checkpoint)
    counts = {
        "refunds": len(money.refunds),
        "quarantined": len(pulled.rejected),
        "credit_notes_posted": sum(1 for r in outcome.posted if r.kind == "credit_note"),
        "credit_notes_already": sum(1 for r in outcome.already if r.kind == "credit_note"),
        "refund_payments_posted": sum(1 for r in outcome.posted if r.kind == "payment"),
        "allocations_posted": sum(1 for r in outcome.posted if r.kind == "allocation"),
        "waiting_for_approval": len(checkpoint.waiting),
        "rejected_by_a_person": len(checkpoint.rejected),
        "refused": len(outcome.failed),
        "held": len(posting.held),
    }
    get_run_logger().info("%s: %s", window.describe(), ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def decision_rows(checkpoint: Checkpoint) -> list[JournalRow]:
    rows = [JournalRow(a.entity_id, a.entity_name, "waiting", f"{a.summary}: waiting for a person (approval "
                       f"{a.id}, shoplines approvals show {a.id})") for a in checkpoint.waiting]  # fmt: skip
    rows += [JournalRow(a.entity_id, a.entity_name, "decided", f"{a.summary}: not posted, rejected by "
                        f"{a.decided_by}: {a.reason}") for a in checkpoint.rejected]  # fmt: skip
    return rows


def tell(alerts: Alerts, held: Sequence[Held], outcome: Outcome, checkpoint: Checkpoint) -> None:
    """Open (or clear) the problems people must act on: held refunds, Xero refusals, approvals owed."""
    for problem in (held_problem(LINE, held), refused_problem(outcome)):
        if problem is not None:
            alerts.report(problem)
    if not held:
        alerts.clear([HELD])
    if not outcome.failed:
        alerts.clear([REFUSED])
    waiting = {f"{WAITING}{a.subject.split(':')[0]}": a for a in checkpoint.waiting}
    for key, approval in waiting.items():
        alerts.report(Problem(
            key, f"a refund waits for approval: {approval.summary}",
            f"{approval.entity_name}: {approval.summary}. Nothing of it is in Xero.",
            f"`shoplines approvals show {approval.id}`, then `shoplines approvals approve {approval.id} "
            "--by NAME --reason ...` (the next run posts it) or `reject` (it is never posted).",
        ))  # fmt: skip
    alerts.clear(alerts.open_keys(WAITING) - set(waiting))
