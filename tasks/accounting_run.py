"""The accounting lines' steps between Shopify and the books: pull both sides of the window's orders, check
them, turn them into documents (the recipe), hold what needs a person, post the rest once, and say so.

Two pulls per window (`fetch_orders` for what was sold, `fetch_money_orders` for refunds and payments); an
order only one side saw is held by the recipe, never guessed at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from prefect import get_run_logger

from clients.shopify import OrderWindow, ShopifyClient
from shoplines.alerting import Problem
from shoplines.dates import BusinessWindow
from shoplines.lines import contract
from shoplines.state.records import ApprovalRecord, JournalRow
from shoplines.state.store import StateStore
from tasks.accounting_refunds import needs_approval
from tasks.accounting_types import Held, SalesDocument, cents_of
from tasks.deliver import Target
from tasks.extract import fetch_orders
from tasks.post_accounting import Outcome, content_hash
from tasks.record import enforce_bad_row_policy, quarantine
from tasks.transform_orders import Rejected
from tasks.transform_posting_orders import PostingFrames, flatten_posting_orders, validate_posting_orders
from tasks.transform_refunds import RefundFrames, flatten_refunds
from tasks.validate_refunds import validate_refunds

REFUND_APPROVAL = "refund-over-threshold"
HELD = "accounting-held"
REFUSED = "accounting-refused"


@dataclasses.dataclass(frozen=True)
class Pulled:
    """Both sides of a window's orders, checked; what failed its checks is quarantined."""

    orders: PostingFrames
    money: RefundFrames
    received: int
    rejected: list[Rejected]


def read_both(
    shopify: ShopifyClient, window: BusinessWindow, currency: str
) -> tuple[PostingFrames, RefundFrames, int]:
    """The window's orders (what was sold) and their refunds and payments, validated: (orders, money, how
    many orders arrived). Reads only: the lines quarantine what failed, the reconciliation counts it."""
    contents = fetch_orders(shopify, window, timedelta(0)).orders
    money_raw = shopify.fetch_money_orders(OrderWindow(window.start, window.end), field=window.shopify_field)
    orders = validate_posting_orders(flatten_posting_orders(contents), currency)
    money = validate_refunds.fn(flatten_refunds.fn(money_raw), currency)
    return orders, money, len(contents)


def pull(shopify: ShopifyClient, state: StateStore, target: Target, window: BusinessWindow, *, run_id: str,
         currency: str) -> Pulled:  # fmt: skip
    """`read_both`, with what failed its checks quarantined; a money line halts while any record is bad."""
    orders, money, received = read_both(shopify, window, currency)
    rejected = [*orders.rejected, *money.rejected]
    good = set(orders.orders["order_id"].astype(str)) if not orders.orders.empty else set()
    quarantine(state, target, run_id, rejected, passed=good - {r.entity_id for r in rejected})
    enforce_bad_row_policy(contract(target.line), rejected)
    get_run_logger().info("Pulled %d orders (%d refunds); %d record(s) failed their checks",
                          received, len(money.refunds), len(rejected))  # fmt: skip
    return Pulled(orders, money, received, rejected)


def refunds_created_in(money: RefundFrames, start: datetime, end: datetime) -> RefundFrames:
    """Only the refunds created in [start, end) (a refund's business date is its creation, shop time)."""
    refunds = money.refunds
    if refunds.empty:
        return money
    created = pd.to_datetime(refunds["created_at"], utc=True)
    inside = refunds[(created >= pd.Timestamp(start)) & (created < pd.Timestamp(end))]
    ids = set(inside["refund_id"].astype(str))

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["refund_id"].astype(str).isin(ids)] if "refund_id" in frame.columns else frame

    return dataclasses.replace(money, refunds=inside, refund_lines=keep(money.refund_lines),
                               refund_shipping=keep(money.refund_shipping))  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """Refunds above the threshold: the ones a person approved, and the ones still waiting or rejected."""

    approved: dict[str, str]  # credit note number -> "NAME (approval N)"
    waiting: list[ApprovalRecord]
    rejected: list[ApprovalRecord]

    def allows(self, doc: SalesDocument, threshold: Decimal) -> bool:
        return not needs_approval(doc, threshold) or doc.number in self.approved


def refund_checkpoint(
    state: StateStore,
    shop_id: str,
    line: str,
    docs: Sequence[SalesDocument],
    *,
    threshold: Decimal,
    run_id: str,
) -> Checkpoint:
    """Ask a person about every credit note above `threshold` (one approval per credit note and content)."""
    approved: dict[str, str] = {}
    waiting: list[ApprovalRecord] = []
    rejected: list[ApprovalRecord] = []
    for doc in docs:
        if not needs_approval(doc, threshold):
            continue
        summary = f"refund {doc.number} of ZAR {doc.total:,.2f} is above ZAR {threshold:,.2f}"
        record, _ = state.request_approval(
            shop_id, line=line, kind=REFUND_APPROVAL, entity_id=doc.source_ids[0],
            entity_name=doc.reference,
            subject=f"{doc.number}:{content_hash(doc)[:16]}",
            summary=summary.replace(",", " "),
            detail={"credit_note": doc.number, "date": doc.date.isoformat(), "total": str(doc.total),
                    "reference": doc.reference, "lines": [ln.description for ln in doc.lines]},
            amount_cents=cents_of(doc.total), run_id=run_id,
        )  # fmt: skip
        if record.status == "approved":
            approved[doc.number] = f"{record.decided_by} (approval {record.id})"
        elif record.status == "rejected":
            rejected.append(record)
        else:
            waiting.append(record)
    return Checkpoint(approved, waiting, rejected)


def held_problem(line: str, held: Sequence[Held]) -> Problem | None:
    """What the recipe would not post without a person (unmapped gateway or tax, totals not tying out, …)."""
    if not held:
        return None
    listed = "; ".join(f"{h.name or h.source_id}: {h.reason}" for h in held[:10])
    more = f"; and {len(held) - 10} more" if len(held) > 10 else ""
    return Problem(
        HELD, f"{len(held)} record(s) were not posted to Xero: they need a person",
        f"{listed}{more}.",
        "Map the gateway or tax rate (SHOPLINES_ACCOUNTING_ACCOUNTS / _TAXES) or fix the order in Shopify, "
        f"then re-run the days; `shoplines trace` tells each one's story. ({line})",
        {"held": len(held)},
    )  # fmt: skip


def refused_problem(outcome: Outcome) -> Problem | None:
    """Writes Xero refused: nothing was posted for them."""
    if not outcome.failed:
        return None
    listed = "; ".join(f"{r.kind} {r.key}: {why}" for r, why in outcome.failed[:10])
    return Problem(
        REFUSED, f"Xero refused {len(outcome.failed)} posting(s)", f"{listed}.",
        "Fix the cause in Xero (an account, a tax rate, a locked period) or in our settings; the next run "
        "posts them once (the ledger knows what is already there).",
        {"refused": len(outcome.failed)},
    )  # fmt: skip


def held_rows(held: Sequence[Held]) -> list[JournalRow]:
    """Support's view of what was not posted and why."""
    return [JournalRow(h.source_id, h.name, "held", f"not posted to Xero: {h.reason}") for h in held]
