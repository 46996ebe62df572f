"""The accounting client contract: value types with Decimal money and the `AccountingClient` protocol.

Idempotency keys (`idempotency_key`) are ``f"{purpose}:{documents}:{attempt_window}"``: ``purpose`` names the
kind of write (``invoices``, ``credit-notes``, ``payments``, ``allocation``), ``documents`` the document
number(s) the request carries, and ``attempt_window`` is a string the *caller* chooses for one attempt at
posting, normally the run id. A retry inside the same run sends the same key and the same bytes, so Xero
replays its first answer instead of writing twice; a later run uses a new window and must look documents up
by number first (Xero forgets a key after 6 minutes), which `post_invoices_once` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, Literal, Protocol, TypeVar

LineAmountTypes = Literal["Exclusive", "Inclusive", "NoTax"]
PostStatus = Literal["OK", "ERROR"]
MAX_KEY_LENGTH = 128  # Xero refuses longer Idempotency-Key values
T = TypeVar("T")


@dataclass(frozen=True)
class TaxRate:
    """One of the organisation's tax rates (map ours from these, never hard-code ``OUTPUT3``)."""

    tax_type: str
    name: str
    display_rate: Decimal
    effective_rate: Decimal
    status: str
    can_apply_to_revenue: bool


@dataclass(frozen=True)
class Account:
    """A chart-of-accounts entry."""

    account_id: str
    code: str
    name: str
    type: str
    tax_type: str | None
    status: str
    enable_payments: bool


@dataclass(frozen=True)
class Contact:
    """A customer; on a document only ``contact_id`` (or else ``name``) is sent."""

    name: str
    contact_id: str | None = None
    contact_number: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class LineItem:
    """A document line; money as Decimal (``tax_amount`` pins the shop's own VAT figure for the line)."""

    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str
    tax_type: str
    tax_amount: Decimal | None = None
    item_code: str | None = None
    line_amount: Decimal | None = None  # Xero's figure, on documents read back
    line_item_id: str | None = None


@dataclass(frozen=True)
class Invoice:
    """An ACCREC invoice; the fields after ``url`` are Xero's, filled on documents read back."""

    number: str
    contact: Contact
    date: dt.date
    line_items: tuple[LineItem, ...]
    due_date: dt.date | None = None
    line_amount_types: LineAmountTypes = "Inclusive"
    status: str = "AUTHORISED"
    reference: str | None = None
    url: str | None = None
    currency: str = "ZAR"
    invoice_id: str | None = None
    sub_total: Decimal | None = None
    total_tax: Decimal | None = None
    total: Decimal | None = None
    amount_due: Decimal | None = None
    amount_paid: Decimal | None = None
    amount_credited: Decimal | None = None


@dataclass(frozen=True)
class CreditNote:
    """An ACCRECCREDIT credit note (a refund); Xero does not check credit-note numbers for uniqueness."""

    number: str
    contact: Contact
    date: dt.date
    line_items: tuple[LineItem, ...]
    line_amount_types: LineAmountTypes = "Inclusive"
    status: str = "AUTHORISED"
    reference: str | None = None
    currency: str = "ZAR"
    credit_note_id: str | None = None
    sub_total: Decimal | None = None
    total_tax: Decimal | None = None
    total: Decimal | None = None
    remaining_credit: Decimal | None = None


@dataclass(frozen=True)
class Payment:
    """Money received against an invoice, or paid out against a credit note (a cash refund).

    Exactly one of ``invoice_id``/``invoice_number``/``credit_note_id``/``credit_note_number`` is needed;
    ``account_code`` is the bank or gateway clearing account (e.g. 611 PayFast Clearing).
    """

    account_code: str
    date: dt.date
    amount: Decimal
    invoice_id: str | None = None
    invoice_number: str | None = None
    credit_note_id: str | None = None
    credit_note_number: str | None = None
    reference: str | None = None
    payment_id: str | None = None
    payment_type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Allocation:
    """Part of a credit note applied to an invoice."""

    credit_note_id: str
    invoice_id: str
    amount: Decimal
    date: dt.date
    allocation_id: str | None = None


@dataclass(frozen=True)
class PostResult(Generic[T]):
    """What happened to one element of a write.

    Attributes:
        status: ``OK`` (created now, or found already there: see ``existed``) or ``ERROR``.
        number: The document number (invoice/credit note), when it has one.
        id: Xero's id of the document; None on ERROR.
        messages: Xero's validation messages (empty on OK).
        document: The element as Xero returned it (None on ERROR).
        existed: True when the document was already in Xero and was not created by this call.
    """

    status: PostStatus
    number: str | None = None
    id: str | None = None
    messages: tuple[str, ...] = field(default=())
    document: T | None = None
    existed: bool = False

    @property
    def ok(self) -> bool:
        """True for OK."""
        return self.status == "OK"


def idempotency_key(purpose: str, documents: str | Sequence[str], attempt_window: str) -> str:
    """``f"{purpose}:{documents}:{attempt_window}"``, at most 128 characters.

    Args:
        purpose: The kind of write, e.g. ``invoices``.
        documents: A document number, or the numbers one request carries (joined with ``+``).
        attempt_window: The caller's attempt (normally the run id): same window, same key.

    Returns:
        The key; a long document list is shortened to its first and last numbers, count and a hash.
    """
    numbers = [documents] if isinstance(documents, str) else list(documents)
    joined = "+".join(numbers)
    key = f"{purpose}:{joined}:{attempt_window}"
    if len(key) > MAX_KEY_LENGTH:
        digest = hashlib.sha256(joined.encode()).hexdigest()[:16]
        short = f"{numbers[0][:24]}..{numbers[-1][:24]}#{len(numbers)}-{digest}"
        key = f"{purpose[:16]}:{short}:{attempt_window}"
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"idempotency key {key!r} is over {MAX_KEY_LENGTH} characters: shorten the window")
    return key


class AccountingClient(Protocol):
    """An accounting system the books line posts to (Xero first)."""

    def tax_rates(self) -> list[TaxRate]:
        """Every tax rate of the organisation."""
        ...

    def accounts(self) -> list[Account]:
        """The chart of accounts."""
        ...

    def find_contact(
        self, email: str | None = None, contact_number: str | None = None, name: str | None = None
    ) -> Contact | None:
        """The contact matching every given criterion, or None."""
        ...

    def create_contact(self, contact: Contact, idempotency_key: str) -> PostResult[Contact]:
        """Create one contact."""
        ...

    def find_invoices(self, numbers: Sequence[str]) -> dict[str, Invoice]:
        """Invoices by number (numbers not in Xero are absent from the result)."""
        ...

    def create_invoices(self, invoices: Sequence[Invoice], idempotency_key: str) -> list[PostResult[Invoice]]:
        """Create invoices (create-only); one result per element, in order."""
        ...

    def find_credit_notes(self, numbers: Sequence[str]) -> dict[str, CreditNote]:
        """Credit notes by number."""
        ...

    def create_credit_notes(
        self, credit_notes: Sequence[CreditNote], idempotency_key: str
    ) -> list[PostResult[CreditNote]]:
        """Create credit notes (create-only); one result per element, in order."""
        ...

    def allocate_credit_note(
        self, credit_note_id: str, invoice_id: str, amount: Decimal, date: dt.date, idempotency_key: str
    ) -> PostResult[Allocation]:
        """Apply ``amount`` of a credit note to an invoice."""
        ...

    def create_payments(self, payments: Sequence[Payment], idempotency_key: str) -> list[PostResult[Payment]]:
        """Record payments; one result per element, in order."""
        ...
