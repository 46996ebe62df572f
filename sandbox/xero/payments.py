"""Payments against invoices and credit notes, and credit-note allocations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sandbox.xero import render
from sandbox.xero.ledger import Allocation, Document, Ledger, Payment
from sandbox.xero.orgdata import Account
from sandbox.xero.wire import money, org_today, parse_date, to_decimal

NOT_AUTHORISED = "Payments can only be made against Authorised documents."
EXCEEDS = "Payment amount exceeds the amount outstanding on this document."
ALLOCATION_EXCEEDS_INVOICE = (
    "The amount allocated exceeds the amount outstanding on the invoice."  # unconfirmed
)
ALLOCATION_EXCEEDS_CREDIT = (
    "The amount allocated exceeds the remaining credit on the credit note."  # unconfirmed
)


def write_payment(ledger: Ledger, raw: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list[str]]:
    """One element of ``PUT``/``POST /Payments``."""
    errors: list[str] = []
    doc = _target(ledger, raw, errors)
    account = _account(ledger, raw.get("Account"), errors)
    amount, day = Decimal(0), org_today(now)
    try:
        amount = money(to_decimal(raw.get("Amount"), "Amount"))
        day = parse_date(raw["Date"], "Date") if raw.get("Date") else day
    except ValueError as exc:
        errors.append(str(exc))
    if amount <= 0 and not errors:
        errors.append("Payment amount must be greater than zero.")
    if doc is not None:
        if doc.status != "AUTHORISED":
            errors.append(NOT_AUTHORISED)
        elif amount > doc.outstanding:
            errors.append(EXCEEDS)
    if errors or doc is None or account is None:
        return raw, errors
    payment = Payment(ledger.new_id(), doc.doc_id, account.account_id, amount, day, now, raw.get("Reference"))
    ledger.payments[payment.payment_id] = payment
    doc.paid += amount
    _settle(doc, day, now)
    return render.payment(ledger, payment), []


def allocate(
    ledger: Ledger, credit: Document, raw: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """One element of ``PUT /CreditNotes/{id}/Allocations``."""
    errors: list[str] = []
    ref: dict[str, Any] = raw["Invoice"] if isinstance(raw.get("Invoice"), dict) else {}
    invoice = ledger.documents.get(str(ref.get("InvoiceID", "")))
    if invoice is None or invoice.kind != "invoice":
        errors.append("Invoice could not be found")
    amount, day = Decimal(0), org_today(now)
    try:
        amount = money(to_decimal(raw.get("Amount"), "Amount"))
        day = parse_date(raw["Date"], "Date") if raw.get("Date") else day
    except ValueError as exc:
        errors.append(str(exc))
    if credit.status != "AUTHORISED" or (invoice is not None and invoice.status != "AUTHORISED"):
        errors.append("Allocations can only be made between Authorised documents.")  # unconfirmed
    elif invoice is not None and amount > invoice.outstanding:
        errors.append(ALLOCATION_EXCEEDS_INVOICE)
    elif amount > credit.outstanding:
        errors.append(ALLOCATION_EXCEEDS_CREDIT)
    if amount <= 0 and not errors:
        errors.append("Allocation amount must be greater than zero.")
    if errors or invoice is None:
        return raw, errors
    alloc = Allocation(ledger.new_id(), credit.doc_id, invoice.doc_id, amount, day)
    ledger.allocations[alloc.allocation_id] = alloc
    credit.credited += amount
    invoice.credited += amount
    for doc in (credit, invoice):
        _settle(doc, day, now)
    return render.allocation(ledger, alloc), []


def _settle(doc: Document, day: date, now: datetime) -> None:
    """AUTHORISED → PAID once nothing is outstanding."""
    doc.updated = now
    if doc.status == "AUTHORISED" and doc.outstanding == 0:
        doc.status, doc.fully_paid_on = "PAID", day


def _target(ledger: Ledger, raw: dict[str, Any], errors: list[str]) -> Document | None:
    for key, kind, id_key, number_key in (
        ("Invoice", "invoice", "InvoiceID", "InvoiceNumber"),
        ("CreditNote", "credit_note", "CreditNoteID", "CreditNoteNumber"),
    ):
        ref = raw.get(key)
        if not isinstance(ref, dict):
            continue
        doc = ledger.documents.get(str(ref.get(id_key, "")))
        if doc is None and ref.get(number_key):
            doc = ledger.find_number(kind, str(ref[number_key]))
        if doc is None or doc.kind != kind:
            errors.append(f"{'Invoice' if kind == 'invoice' else 'Credit Note'} could not be found")
            return None
        return doc
    errors.append("You must specify either an Invoice or a CreditNote for the payment.")  # unconfirmed
    return None


def _account(ledger: Ledger, ref: Any, errors: list[str]) -> Account | None:
    account = None
    if isinstance(ref, dict):
        account = ledger.accounts.get(str(ref.get("AccountID", "")))
        if account is None and ref.get("Code") is not None:
            account = ledger.account_by_code(str(ref["Code"]))
    if account is None:
        errors.append("Account could not be found.")
        return None
    if not account.accepts_payments:
        # unconfirmed wording
        errors.append("Payments can only be made to BANK accounts or accounts with payments enabled.")
        return None
    return account
