"""The organisation's books in memory: contacts, invoices, credit notes, payments, allocations."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sandbox.xero.orgdata import Account, TaxRate, default_accounts, default_tax_rates


@dataclass
class Contact:
    """A contact (customer)."""

    contact_id: str
    name: str
    updated: datetime
    number: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    status: str = "ACTIVE"
    is_customer: bool = False


@dataclass
class Line:
    """A computed line item (amounts already rounded)."""

    line_item_id: str
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str | None
    tax_type: str
    tax_amount: Decimal
    line_amount: Decimal
    discount_rate: Decimal | None = None
    item_code: str | None = None
    tracking: list[Any] = field(default_factory=list)


@dataclass
class Document:
    """An ACCREC invoice or an ACCRECCREDIT credit note."""

    doc_id: str
    kind: str  # "invoice" | "credit_note"
    type: str
    number: str
    contact_id: str
    day: date
    status: str
    amounts_type: str
    lines: list[Line]
    updated: datetime
    due: date | None = None
    reference: str | None = None
    url: str | None = None
    currency: str = "ZAR"
    paid: Decimal = Decimal("0.00")
    credited: Decimal = Decimal("0.00")  # invoices: credit notes allocated; credit notes: allocated away
    fully_paid_on: date | None = None

    @property
    def subtotal(self) -> Decimal:
        """Sum of line amounts net of tax."""
        gross = sum((ln.line_amount for ln in self.lines), Decimal("0.00"))
        return gross - self.total_tax if self.amounts_type == "Inclusive" else gross

    @property
    def total_tax(self) -> Decimal:
        """Sum of the per-line (already rounded) tax."""
        return sum((ln.tax_amount for ln in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """Document total."""
        return self.subtotal + self.total_tax

    @property
    def outstanding(self) -> Decimal:
        """AmountDue (invoices) or RemainingCredit (credit notes)."""
        if self.status in ("VOIDED", "DELETED"):
            return Decimal("0.00")
        return self.total - self.paid - self.credited


@dataclass
class Payment:
    """A payment against an invoice (money in) or a credit note (refund out)."""

    payment_id: str
    doc_id: str
    account_id: str
    amount: Decimal
    day: date
    updated: datetime
    reference: str | None = None
    status: str = "AUTHORISED"


@dataclass
class Allocation:
    """Part of a credit note applied to an invoice."""

    allocation_id: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    day: date


class Ledger:
    """Everything the organisation holds; ids come from a seeded generator."""

    def __init__(self, seed: int) -> None:
        """Empty books with the ZA tax rates and chart of accounts."""
        self._rng = random.Random(seed * 7919 + 17)
        self.tax_rates: dict[str, TaxRate] = default_tax_rates()
        self.accounts: dict[str, Account] = default_accounts(self.new_id)
        self.contacts: dict[str, Contact] = {}
        self.documents: dict[str, Document] = {}
        self.payments: dict[str, Payment] = {}
        self.allocations: dict[str, Allocation] = {}
        self._numbers = {"invoice": 0, "credit_note": 0}

    def new_id(self) -> str:
        """A random-looking but reproducible UUID4 string."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def next_number(self, kind: str) -> str:
        """Auto numbering: ``INV-0001`` / ``CN-0001`` (skipping numbers already taken)."""
        prefix = "INV-" if kind == "invoice" else "CN-"
        while True:
            self._numbers[kind] += 1
            number = f"{prefix}{self._numbers[kind]:04d}"
            if self.find_number(kind, number) is None:
                return number

    def find_number(self, kind: str, number: str) -> Document | None:
        """The (non-deleted) document of ``kind`` with this number."""
        for doc in self.documents.values():
            if doc.kind == kind and doc.number == number and doc.status != "DELETED":
                return doc
        return None

    def account_by_code(self, code: str) -> Account | None:
        """The account with this code."""
        return next((a for a in self.accounts.values() if a.code == code), None)

    def of_kind(self, kind: str) -> list[Document]:
        """Documents of one kind, oldest first."""
        return [d for d in self.documents.values() if d.kind == kind]

    def counts(self) -> dict[str, int]:
        """How many of each record the books hold."""
        return {
            "contacts": len(self.contacts),
            "invoices": len(self.of_kind("invoice")),
            "credit_notes": len(self.of_kind("credit_note")),
            "payments": len(self.payments),
            "allocations": len(self.allocations),
        }
