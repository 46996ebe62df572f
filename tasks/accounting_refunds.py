"""Refunds as credit notes: refunded lines and shipping with Shopify's tax, an adjustment line for money not
explained by them, the money paid back out of the gateway's clearing account, and an allocation to the
order's invoice for any credit not paid back in money."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from tasks.accounting_config import PostingConfig
from tasks.accounting_lines import (
    Amount,
    OrderView,
    business_date,
    document_lines,
    line_amount,
    order_views,
    payment_moment,
    records,
    shipping_amount,
    total_of,
)
from tasks.accounting_types import Allocation, Held, PaymentInstruction, Posting, SalesDocument, money
from tasks.splitting import round_half_up
from tasks.transform_posting_orders import PostingFrames
from tasks.transform_refunds import RefundFrames

Row = dict[str, Any]
APPROVAL_THRESHOLD = Decimal("5000.00")
NOTHING = "a refund of nothing (no lines, no shipping, no money)"


def needs_approval(credit_note: SalesDocument, threshold: Decimal = APPROVAL_THRESHOLD) -> bool:
    """A credit note above the threshold waits for a person before it is posted."""
    return credit_note.kind == "credit_note" and credit_note.total > threshold


def credit_note_number(refund: Row, config: PostingConfig) -> str:
    return f"{config.prefix}R-{refund['legacy_id']}"


def _shipping_row(view: OrderView, refunded: Row) -> Row | None:
    """The order's shipping line a refunded one belongs to: same title, or the only one."""
    same = [s for s in view.shipping if s["title"] == refunded["title"]]
    found = same if len(same) == 1 else (list(view.shipping) if len(view.shipping) == 1 else [])
    return found[0] if found else None


def _contents(
    view: OrderView, lines: list[Row], ships: list[Row], config: PostingConfig
) -> list[Amount] | str:
    """What the refund gave back, line by line, classified exactly as the order's own lines were."""
    by_id = {str(row["line_item_id"]): row for row in view.lines}
    found: list[Amount | str | None] = []
    for r in lines:
        line = by_id.get(str(r["line_item_id"]))
        found.append(
            f"refunded line {r['line_item_id']} is not on the order"
            if line is None
            else line_amount(
                view,
                {
                    **line,
                    "quantity": r["quantity"],
                    "amount_cents": r["subtotal_cents"],
                    "tax_cents": r["tax_cents"],
                },
                config,
            )
        )
    for s in ships:
        ship = _shipping_row(view, s)
        found.append(
            f"refunded shipping {s['title']!r} matches no single shipping line"
            if ship is None
            else shipping_amount(
                view, {**ship, "amount_cents": s["subtotal_cents"], "tax_cents": s["tax_cents"]}, config
            )
        )
    problems = [f for f in found if isinstance(f, str)]
    return "; ".join(problems) if problems else [f for f in found if isinstance(f, Amount)]


def _adjustment(cents: int, config: PostingConfig) -> Amount:
    rate = Fraction(config.accounts.refund_adjustment_tax_rate)
    tax = round_half_up(cents * rate / (1 + rate))
    return Amount(
        "adjustment",
        "Refund adjustment (money not explained by lines or shipping)",
        1,
        cents,
        tax,
        config.accounts.refund_adjustment_tax_type,
        config.accounts.refund_adjustment,
    )


class _Refunds:
    """Credit notes for one run, remembering credit already set against each order's invoice."""

    def __init__(self, money_side: RefundFrames, config: PostingConfig, invoices: Mapping[str, str]) -> None:
        self.config, self.invoices = config, invoices
        self.lines: dict[str, list[Row]] = defaultdict(list)
        self.ships: dict[str, list[Row]] = defaultdict(list)
        self.txns: dict[str, list[Row]] = defaultdict(list)
        for row in records(money_side.refund_lines):
            self.lines[row["refund_id"]].append(row)
        for row in records(money_side.refund_shipping):
            self.ships[row["refund_id"]].append(row)
        refunds_paid = money_side.transactions.query("kind == 'REFUND' and status == 'SUCCESS'")
        for row in records(refunds_paid):
            self.txns[row["refund_id"]].append(row)
        self.allocated: dict[str, int] = defaultdict(int)
        self.out = Posting()

    def post(self, refund: Row, view: OrderView) -> SalesDocument | Held:
        rid, name = str(refund["refund_id"]), refund["order_name"]
        invoice = self.invoices.get(str(refund["order_id"]))
        paid_back = sum(int(t["amount_cents"]) for t in self.txns[rid])
        unmapped = sorted(
            {
                str(t["gateway"])
                for t in self.txns[rid]
                if self.config.accounts.clearing_account(t["gateway"]) is None
            }
        )
        contents = _contents(view, self.lines[rid], self.ships[rid], self.config)
        reason = (
            "its order is not posted"
            if invoice is None
            else f"gateway {', '.join(unmapped)} has no clearing account"
            if unmapped
            else f"refund transactions come to {money(paid_back)}, Shopify's refund total is "
            f"{money(int(refund['total_refunded_cents']))}"
            if paid_back != int(refund["total_refunded_cents"])
            else contents
            if isinstance(contents, str)
            else None
        )
        if reason is not None or isinstance(contents, str) or invoice is None:
            return Held(rid, name, str(reason))
        return self._document(refund, view, contents, paid_back, invoice)

    def _document(
        self, refund: Row, view: OrderView, contents: list[Amount], paid_back: int, invoice: str
    ) -> SalesDocument | Held:
        rid, number = str(refund["refund_id"]), credit_note_number(refund, self.config)
        explained = sum(a.cents for a in contents)
        if paid_back and paid_back != explained:
            contents = [*contents, _adjustment(paid_back - explained, self.config)]
        total_cents = paid_back or explained
        if total_cents == 0:
            return Held(rid, refund["order_name"], NOTHING)
        on_invoice = total_cents - paid_back  # credit not paid back in money settles the invoice instead
        oid = str(refund["order_id"])
        left = int(view.order["total_price_cents"]) - view.paid_cents - self.allocated[oid]
        if on_invoice > left:
            return Held(
                rid,
                refund["order_name"],
                f"credit of {money(on_invoice)} without money paid back, "
                f"but invoice {invoice} has only {money(max(left, 0))} outstanding",
            )
        day = business_date(
            refund["updated_at"] if pd.isna(refund["created_at"]) else refund["created_at"],
            self.config.timezone,
        )
        lines = tuple(line for a in contents for line in document_lines(a))
        total, tax = total_of(lines)
        assert total == money(total_cents)
        self.allocated[oid] += on_invoice
        self._settle(number, invoice, on_invoice, day, rid)
        return SalesDocument(
            "credit_note",
            number,
            day,
            f"Refund {refund['legacy_id']} of {refund['order_name']} / {rid}",
            self.config.contact_key,
            self.config.currency,
            lines,
            self.config.order_url(str(view.order["legacy_id"])),
            (rid,),
            total,
            tax,
            view.gateway(),
        )

    def _settle(self, number: str, invoice: str, on_invoice: int, day: Any, rid: str) -> None:
        payments = [
            PaymentInstruction(
                number,
                str(self.config.accounts.clearing_account(t["gateway"])),
                money(int(t["amount_cents"])),
                business_date(payment_moment(t), self.config.timezone),
                str(t["transaction_id"]),
                "credit_note",
            )
            for t in sorted(self.txns[rid], key=lambda t: (payment_moment(t), t["transaction_id"]))
        ]
        allocations = [Allocation(number, invoice, money(on_invoice), day)] if on_invoice else []
        self.out = Posting(
            self.out.documents, self.out.payments + tuple(payments), self.out.allocations + tuple(allocations)
        )


def refund_credit_notes(
    orders: PostingFrames, money_side: RefundFrames, config: PostingConfig, invoices: Mapping[str, str]
) -> Posting:
    """A credit note per refund (oldest first), its refund payments and allocation; the rest held or skipped.

    Args:
        orders: posting frames of the refunds' orders (their lines say how each refunded line is taxed).
        money_side: validated refunds, refund lines, refund shipping and transactions.
        config: numbering, accounts and tax map.
        invoices: order id -> the invoice it was posted in (per-order or the day's summary, from the ledger).
    """
    views = {
        str(v.order["order_id"]): v
        for v in order_views(orders, money_side.transactions, money_side.payments_unknown)
    }
    run = _Refunds(money_side, config, invoices)
    documents: list[SalesDocument] = []
    held: list[Held] = []
    skipped: list[Held] = []
    refunds = money_side.refunds.sort_values(["created_at", "refund_id"], na_position="last")
    for refund in records(refunds):
        view = views.get(str(refund["order_id"]))
        if view is None:
            held.append(
                Held(str(refund["refund_id"]), refund["order_name"], "its order's lines were not fetched")
            )
        elif view.skip_reason is not None:
            skipped.append(
                Held(
                    str(refund["refund_id"]),
                    refund["order_name"],
                    f"its order was not posted: {view.skip_reason}",
                )
            )
        else:
            made = run.post(refund, view)
            if isinstance(made, SalesDocument):
                documents.append(made)
            else:
                (skipped if made.reason == NOTHING else held).append(made)
    return Posting(tuple(documents), run.out.payments, run.out.allocations, tuple(held), tuple(skipped))
