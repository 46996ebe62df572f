"""The accounting documents the posting recipe produces: plain frozen values an accounting client sends.

Every amount is a `Decimal` with exactly two decimals, VAT included (Xero `LineAmountTypes=Inclusive`);
line tax is Shopify's own figure, pinned, never recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

DocumentKind = Literal["invoice", "credit_note"]
CENT = Decimal("0.01")


def money(cents: int) -> Decimal:
    """Integer cents as a two-decimal `Decimal` (12345 -> Decimal("123.45")), exactly."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def cents_of(amount: Decimal) -> int:
    """A two-decimal `Decimal` back to integer cents; anything finer than a cent is an error."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has fractions of a cent")
    return int(scaled)


@dataclass(frozen=True)
class DocumentLine:
    """One line: ``line_amount`` = ``quantity`` x ``unit_amount`` exactly, tax included."""

    description: str
    quantity: Decimal
    unit_amount: Decimal
    line_amount: Decimal
    tax_amount: Decimal
    tax_type: str
    account_code: str
    item_code: str | None = None


@dataclass(frozen=True)
class SalesDocument:
    """An ACCREC invoice or an ACCRECCREDIT credit note; ``total`` = the sum of its line amounts."""

    kind: DocumentKind
    number: str
    date: date
    reference: str
    contact_key: str
    currency: str
    lines: tuple[DocumentLine, ...]
    url: str | None
    source_ids: tuple[str, ...]
    total: Decimal
    total_tax: Decimal
    gateway: str | None


@dataclass(frozen=True)
class PaymentInstruction:
    """Money into (invoice) or out of (credit note, a refund paid back) a gateway's clearing account."""

    document_number: str
    account_code: str
    amount: Decimal
    date: date
    reference: str
    document_kind: DocumentKind = "invoice"


@dataclass(frozen=True)
class Allocation:
    """Part of a credit note set against an invoice that still has that much outstanding."""

    credit_note_number: str
    invoice_number: str
    amount: Decimal
    date: date


@dataclass(frozen=True)
class Held:
    """Something not posted, and why: a person decides (never a guess)."""

    source_id: str
    name: str | None
    reason: str


@dataclass(frozen=True)
class Posting:
    """What one run of the recipe produced, and what it held back or left out on purpose."""

    documents: tuple[SalesDocument, ...] = ()
    payments: tuple[PaymentInstruction, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    held: tuple[Held, ...] = ()
    skipped: tuple[Held, ...] = field(default=())  # nothing to post (test orders, cancelled unpaid)
