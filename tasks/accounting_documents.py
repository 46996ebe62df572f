"""Per-order posting: one VAT-inclusive invoice per Shopify order, its total tied to Shopify's to the cent,
and a payment into the gateway's clearing account for each successful SALE/CAPTURE."""

from __future__ import annotations

from collections.abc import Iterable

from tasks.accounting_config import PostingConfig
from tasks.accounting_lines import (
    OrderView,
    business_date,
    document_lines,
    order_amounts,
    order_views,
    payment_moment,
    total_of,
)
from tasks.accounting_types import Held, PaymentInstruction, Posting, SalesDocument, money
from tasks.transform_posting_orders import PostingFrames
from tasks.transform_refunds import RefundFrames


def order_number(order_name: str, config: PostingConfig) -> str:
    """The invoice number of an order: prefix + its number without '#' ("#1001" -> "ZA-1001")."""
    return f"{config.prefix}{order_name.lstrip('#').strip()}"


def invoice_numbers(posting: Posting) -> dict[str, str]:
    """Order id -> the invoice it was posted in, for the documents of a posting."""
    return {
        source: doc.number for doc in posting.documents if doc.kind == "invoice" for source in doc.source_ids
    }


def held_reason(view: OrderView, config: PostingConfig) -> str | None:
    if view.payments_unknown:
        return f"its payments are unknown: {view.payments_unknown}"
    if view.gateway() is None:
        return "it names no payment gateway"
    gateways = {view.gateway()} | {str(p["gateway"]) for p in view.payments}
    unmapped = sorted(str(g) for g in gateways if config.accounts.clearing_account(g) is None)
    if unmapped:
        return f"gateway {', '.join(unmapped)} has no clearing account"
    if view.paid_cents > int(view.order["total_price_cents"]):
        return f"payments of {money(view.paid_cents)} exceed the order total"
    return None


def order_invoice(view: OrderView, config: PostingConfig) -> SalesDocument | Held:
    """The invoice for one order, or why it is held back."""
    order = view.order
    amounts = order_amounts(view, config)
    reason = held_reason(view, config) or (amounts if isinstance(amounts, str) else None)
    if reason is not None or isinstance(amounts, str):
        return Held(str(order["order_id"]), str(order["order_name"]), str(reason))
    lines = tuple(line for a in amounts for line in document_lines(a))
    total, tax = total_of(lines)
    assert total == money(int(order["total_price_cents"]))  # order_amounts checked it, in cents
    return SalesDocument(
        "invoice",
        order_number(str(order["order_name"]), config),
        business_date(order["processed_at"], config.timezone),
        f"{order['order_name']} / {order['order_id']}",
        config.contact_key,
        str(order["currency"]),
        lines,
        config.order_url(str(order["legacy_id"])),
        (str(order["order_id"]),),
        total,
        tax,
        view.gateway(),
    )


def order_payments(view: OrderView, number: str, config: PostingConfig) -> list[PaymentInstruction]:
    """One payment per successful SALE/CAPTURE into its gateway's clearing account, on its own day."""
    out = []
    for p in sorted(view.payments, key=lambda r: (payment_moment(r), r["transaction_id"])):
        account = config.accounts.clearing_account(p["gateway"])
        assert account is not None  # checked by held_reason
        out.append(
            PaymentInstruction(
                number,
                account,
                money(int(p["amount_cents"])),
                business_date(payment_moment(p), config.timezone),
                str(p["transaction_id"]),
            )
        )
    return out


def split_views(views: Iterable[OrderView]) -> tuple[list[OrderView], list[Held]]:
    """The orders to post, and those with nothing to post (test orders, cancelled before payment)."""
    keep, skipped = [], []
    for view in views:
        why = view.skip_reason
        if why is None:
            keep.append(view)
        else:
            skipped.append(Held(str(view.order["order_id"]), str(view.order["order_name"]), why))
    return keep, skipped


def order_invoices(orders: PostingFrames, money_side: RefundFrames, config: PostingConfig) -> Posting:
    """Per-order mode: an invoice and its payments for every order; the rest held or skipped, with why."""
    views, skipped = split_views(order_views(orders, money_side.transactions, money_side.payments_unknown))
    documents, payments, held = [], [], []
    for view in views:
        made = order_invoice(view, config)
        if isinstance(made, Held):
            held.append(made)
            continue
        documents.append(made)
        payments.extend(order_payments(view, made.number, config))
    return Posting(tuple(documents), tuple(payments), (), tuple(held), tuple(skipped))
