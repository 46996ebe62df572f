"""Daily summaries per gateway (A2X style): one invoice per shop day and gateway, lines by account and tax
type with Shopify's own tax summed, a payment for the day's captured money; orders that arrive after their
day was posted go into a numbered adjustment invoice, never an edit of a posted one."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shoplines.state.records import PostingRecord
from tasks.accounting_config import PostingConfig, gateway_key
from tasks.accounting_documents import held_reason, split_views
from tasks.accounting_lines import Amount, OrderView, business_date, order_amounts, order_views, total_of
from tasks.accounting_types import DocumentLine, Held, PaymentInstruction, Posting, SalesDocument, money
from tasks.transform_posting_orders import PostingFrames
from tasks.transform_refunds import RefundFrames

SUMMARY_PAYMENT = re.compile(r"PAY:(?P<number>.*D-\d{8}-(?P<gateway>[^-:]+)(?:-A\d+)?):(?P<account>[^:]+)")
LABELS = {"sales": "Sales", "shipping": "Shipping", "gift_card": "Gift cards sold"}


@dataclass(frozen=True)
class PostedDay:
    """What is already posted for one (day, gateway): its orders and how many documents (1 + adjustments)."""

    order_ids: frozenset[str]
    documents: int


DayKey = tuple[date, str]  # (shop day, gateway key as in the number: "PAYFAST")


def summary_number(config: PostingConfig, day: date, gateway: str, adjustment: int = 0) -> str:
    """`ZA-D-20261102-PAYFAST`, or `...-A1` for the first adjustment."""
    base = f"{config.prefix}D-{day:%Y%m%d}-{gateway}"
    return f"{base}-A{adjustment}" if adjustment else base


def _summary_lines(amounts: list[Amount], day: date, gateway: str, count: int) -> tuple[DocumentLine, ...]:
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in amounts:
        key = (a.account, a.tax_type)
        sums[key][0] += a.cents
        sums[key][1] += a.tax_cents
        kinds[key] = [*dict.fromkeys([*kinds[key], LABELS[a.kind]])]
    return tuple(
        DocumentLine(
            f"{' and '.join(kinds[key])} {tax_type}, {gateway} {day:%Y-%m-%d} ({count} orders)",
            Decimal(1),
            money(cents),
            money(cents),
            money(tax),
            tax_type,
            account,
            None,
        )
        for key, (cents, tax) in sorted(sums.items())
        for account, tax_type in [key]
    )


def _summary(views: list[OrderView], key: DayKey, number: str, config: PostingConfig) -> Posting:
    day, gateway = key
    amounts = [a for v in views for a in order_amounts(v, config) if isinstance(a, Amount)]
    lines = _summary_lines(amounts, day, gateway, len(views))
    total, tax = total_of(lines)
    assert total == money(sum(int(v.order["total_price_cents"]) for v in views))
    ids = tuple(sorted(str(v.order["order_id"]) for v in views))
    doc = SalesDocument(
        "invoice",
        number,
        day,
        f"Shopify {gateway} {day:%Y-%m-%d} ({len(views)} orders)",
        config.contact_key,
        config.currency,
        lines,
        None,
        ids,
        total,
        tax,
        gateway,
    )
    paid: dict[str, int] = defaultdict(int)
    for p in (p for v in views for p in v.payments):
        paid[str(config.accounts.clearing_account(p["gateway"]))] += int(p["amount_cents"])
    payments = tuple(
        PaymentInstruction(number, account, money(cents), day, f"{number} {gateway} captured")
        for account, cents in sorted(paid.items())
        if cents
    )
    return Posting((doc,), payments)


def _checked(view: OrderView, config: PostingConfig) -> Held | None:
    reason = held_reason(view, config)
    amounts = order_amounts(view, config)
    reason = reason or (amounts if isinstance(amounts, str) else None)
    return (
        None if reason is None else Held(str(view.order["order_id"]), str(view.order["order_name"]), reason)
    )


def daily_summaries(
    orders: PostingFrames,
    money_side: RefundFrames,
    config: PostingConfig,
    posted: Mapping[DayKey, PostedDay] | None = None,
) -> Posting:
    """Summary mode: one invoice per (shop day of `processedAt`, gateway) for the orders not yet posted.

    Args:
        orders, money_side: validated posting frames and refund/transaction frames of the same orders.
        config: numbering, accounts and tax map.
        posted: per (day, gateway key) the order ids already posted and how many documents that took;
            only the other orders are summarised, into adjustment `-A{n}` when the day was posted before.
    """
    posted = posted or {}
    views, skipped = split_views(order_views(orders, money_side.transactions, money_side.payments_unknown))
    groups: dict[DayKey, list[OrderView]] = defaultdict(list)
    held = []
    for view in views:
        problem = _checked(view, config)
        if problem is not None:
            held.append(problem)
            continue
        key = (
            business_date(view.order["processed_at"], config.timezone),
            str(gateway_key(view.gateway())).upper(),
        )
        if str(view.order["order_id"]) not in posted.get(key, PostedDay(frozenset(), 0)).order_ids:
            groups[key].append(view)
    documents: list[SalesDocument] = []
    payments: list[PaymentInstruction] = []
    for key, members in sorted(groups.items()):
        done = posted.get(key, PostedDay(frozenset(), 0)).documents
        made = _summary(members, key, summary_number(config, *key, adjustment=done), config)
        documents += made.documents
        payments += made.payments
    return Posting(tuple(documents), tuple(payments), (), tuple(held), tuple(skipped))


def owed_payments(ledger: Sequence[PostingRecord]) -> list[PaymentInstruction]:
    """The payments of summaries that the ledger does not show as posted, made again from its rows.

    A posted summary's day is never summarised again (`PostedDay`), so a payment whose write failed or whose
    run died would otherwise never be retried; rebuilt exactly as `_summary` made it (same content hash).
    """
    owed = []
    for record in ledger:
        found = SUMMARY_PAYMENT.fullmatch(record.key)
        if record.kind != "payment" or record.status == "posted" or found is None:
            continue
        number, gateway, account = found.group("number", "gateway", "account")
        day = date.fromisoformat(record.business_date)
        owed.append(
            PaymentInstruction(
                number, account, money(record.amount_cents), day, f"{number} {gateway} captured"
            )
        )
    return owed
