"""Reconciliation of the books: every order the recipe would post is in Xero once, every refund is in Xero
once as its credit note, and every order the warehouse was sent is in the books. Pure comparison, plus the
one read of Xero it needs (how many copies of each number Xero holds)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from shoplines.alerting import Problem
from shoplines.state.records import PostingRecord
from tasks.accounting_types import Posting

BOOKS = "books:"  # + the day range: one problem per reconciled range


@dataclass(frozen=True)
class BooksReconciliation:
    """What the books should hold for the days, what the ledger and Xero hold, and what does not tie out."""

    expected_invoices: int  # orders the books should hold (in their own invoice or a day's summary)
    expected_credit_notes: int
    missing_invoices: list[str] = field(default_factory=list)  # expected, not posted (or not in Xero)
    missing_credit_notes: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)  # a number Xero holds more than once
    not_in_books: list[str] = field(default_factory=list)  # sent to the warehouse, not in any posted invoice
    held: int = 0  # the recipe holds these for a person (announced by the lines themselves)

    @property
    def ties_out(self) -> bool:
        return not (self.missing_invoices or self.missing_credit_notes or self.doubled or self.not_in_books)

    def sentence(self) -> str:
        parts = [
            f"books: orders expected {self.expected_invoices}, not in Xero {len(self.missing_invoices)}",
            f"credit notes expected {self.expected_credit_notes}, missing {len(self.missing_credit_notes)}",
            f"posted twice {len(self.doubled)}",
            f"sent to the warehouse but not in the books {len(self.not_in_books)}",
            f"held for a person {self.held}",
        ]
        return ", ".join(parts) + (": ties out" if self.ties_out else ": DOES NOT TIE OUT")

    def problem(self, key: str, window: str) -> Problem:
        def names(items: list[str]) -> str:
            return ", ".join(items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")

        details = [
            f"not in Xero: {names(self.missing_invoices + self.missing_credit_notes)}"
            if self.missing_invoices or self.missing_credit_notes else "",
            f"in Xero more than once: {names(self.doubled)}" if self.doubled else "",
            f"sent to the warehouse, in no posted invoice: {names(self.not_in_books)}"
            if self.not_in_books else "",
        ]  # fmt: skip
        return Problem(
            key, f"the books do not match Shopify for {window}", "; ".join(d for d in details if d) + ".",
            "Re-run the accounting lines for these days (only what is missing is posted). A number in Xero "
            "more than once needs finance to void the extra copy; then reconcile again.",
            {"missing": len(self.missing_invoices) + len(self.missing_credit_notes),
             "doubled": len(self.doubled)},
        )  # fmt: skip


def reconcile_books(
    invoices: Posting,
    credit_notes: Posting,
    postings: Sequence[PostingRecord],
    copies: Mapping[str, int],
    warehouse_orders: Iterable[tuple[str, str]],
    *,
    waiting: Iterable[str] = (),
) -> BooksReconciliation:
    """Compare what the recipe makes of Shopify now with the ledger and Xero.

    Args:
        invoices, credit_notes: the recipe's documents for the days (what the books should hold); orders are
            matched by id, so per-order invoices and daily summaries reconcile alike.
        postings: the ledger's invoice and credit-note rows.
        copies: per posted document number, how many Xero holds (not voided).
        warehouse_orders: (order id, name) of the orders delivered to the warehouse for the days.
        waiting: credit-note numbers a person has not approved (not expected in the books).
    """
    posted = {p.key: p for p in postings if p.status == "posted"}
    in_books = {
        o for p in posted.values() if p.kind == "invoice" and copies.get(p.key, 0) > 0 for o in p.entity_ids
    }
    names = {i: d.reference.split(" ")[0] or d.number for d in invoices.documents for i in d.source_ids}
    expected_orders = {i for d in invoices.documents for i in d.source_ids}
    skip = set(waiting)
    expected_cn = [d.number for d in credit_notes.documents if d.number not in skip]
    return BooksReconciliation(
        expected_invoices=len(expected_orders),
        expected_credit_notes=len(expected_cn),
        missing_invoices=sorted(names.get(o, o) for o in expected_orders if o not in in_books),
        missing_credit_notes=sorted(n for n in expected_cn if n not in posted or copies.get(n, 0) == 0),
        doubled=sorted(n for n, count in copies.items() if count > 1),
        not_in_books=sorted(name for order, name in warehouse_orders if order not in in_books),
        held=len(invoices.held) + len(credit_notes.held),
    )
