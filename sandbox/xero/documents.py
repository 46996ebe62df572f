"""Invoices (ACCREC) and credit notes (ACCRECCREDIT): create, update, status rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.xero import contacts, render
from sandbox.xero.ledger import Document, Ledger
from sandbox.xero.lines import AMOUNT_TYPES, build_lines
from sandbox.xero.wire import org_today, parse_date

TYPES = {"invoice": "ACCREC", "credit_note": "ACCRECCREDIT"}
KEYS = {"invoice": ("InvoiceID", "InvoiceNumber"), "credit_note": ("CreditNoteID", "CreditNoteNumber")}
EDITABLE = ("DRAFT", "SUBMITTED", "AUTHORISED")
_ORDER = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2}
NOT_EDITABLE = "Invoice not of valid status for modification"
HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."


def write_document(
    ledger: Ledger, raw: dict[str, Any], now: datetime, *, kind: str, update: bool, unitdp: int
) -> tuple[dict[str, Any], list[str]]:
    """One element of ``PUT`` (``update=False``) or ``POST`` ``/Invoices`` or ``/CreditNotes``."""
    number_key = KEYS[kind][1]
    existing = _existing(ledger, raw, kind, update)
    if isinstance(existing, str):
        return raw, [existing]
    errors: list[str] = []
    if existing is not None:
        errors.extend(_edit_problems(existing, raw))
        if errors:
            return raw, errors
    doc_type = raw.get("Type", existing.type if existing else TYPES[kind])
    if doc_type != TYPES[kind]:
        errors.append(f"The sandbox only supports Type {TYPES[kind]} (got {doc_type}).")
    number = raw.get(number_key)
    if number is not None and not isinstance(number, str | int):
        errors.append(f"{number_key} must be a string")
    number = str(number) if number is not None else None
    if kind == "invoice" and number and existing is None and ledger.find_number(kind, number):
        errors.append("Invoice # must be unique.")
    status = str(raw.get("Status") or (existing.status if existing else "DRAFT"))
    errors.extend(_status_problems(existing, status))
    amounts_type = str(raw.get("LineAmountTypes") or (existing.amounts_type if existing else "Exclusive"))
    if amounts_type not in AMOUNT_TYPES:
        errors.append(f"LineAmountTypes must be one of {', '.join(AMOUNT_TYPES)}")
    contact = (
        contacts.resolve(ledger, raw["Contact"], now, errors)
        if "Contact" in raw or existing is None
        else ledger.contacts[existing.contact_id]
    )
    day, due = existing.day if existing else org_today(now), existing.due if existing else None
    try:
        day = parse_date(raw["Date"], "Date") if raw.get("Date") else day
        due = parse_date(raw["DueDate"], "DueDate") if raw.get("DueDate") else due
    except ValueError as exc:
        errors.append(str(exc))
    draft = status in ("DRAFT", "DELETED")
    if "LineItems" in raw or existing is None:
        lines = build_lines(
            ledger,
            raw.get("LineItems", []),
            amounts_type,
            unitdp=unitdp,
            draft=draft,
            errors=errors,
            new_id=ledger.new_id,
        )
    else:
        lines = existing.lines
    if not lines and not draft and status != "VOIDED":
        errors.append("A document must have at least one line item to be approved.")
    if errors or contact is None:
        return raw, errors
    doc = existing or Document(
        ledger.new_id(),
        kind,
        TYPES[kind],
        number or ledger.next_number(kind),
        contact.contact_id,
        day,
        status,
        amounts_type,
        lines,
        now,
    )
    doc.number = number or doc.number
    doc.contact_id, doc.day, doc.due, doc.status = contact.contact_id, day, due, status
    doc.amounts_type, doc.lines, doc.updated = amounts_type, lines, now
    for key, attr in (("Reference", "reference"), ("Url", "url"), ("CurrencyCode", "currency")):
        if key in raw:
            setattr(doc, attr, raw[key])
    contact.is_customer = True
    ledger.contacts[contact.contact_id] = contact
    ledger.documents[doc.doc_id] = doc
    return render.document(ledger, doc, unitdp=unitdp), []


def _existing(ledger: Ledger, raw: dict[str, Any], kind: str, update: bool) -> Document | str | None:
    """The document a POST updates (by id, or for POST by number); an error text if the id is unknown."""
    id_key, number_key = KEYS[kind]
    if raw.get(id_key):
        doc = ledger.documents.get(str(raw[id_key]))
        if doc is None or doc.kind != kind:
            return f"{'Invoice' if kind == 'invoice' else 'Credit Note'} could not be found"
        if not update:
            return "PUT creates documents only; use POST to update an existing one."
        return doc
    if update and raw.get(number_key):
        return ledger.find_number(kind, str(raw[number_key]))
    return None


def _edit_problems(doc: Document, raw: dict[str, Any]) -> list[str]:
    if doc.status not in EDITABLE:
        return [NOT_EDITABLE]
    if doc.paid or doc.credited:
        return [HAS_PAYMENTS]
    return []


def _status_problems(existing: Document | None, status: str) -> list[str]:
    if existing is None:
        if status not in EDITABLE:
            return [f"Status {status} is not valid for a new document."]
        return []
    if status == "VOIDED":
        return [] if existing.status == "AUTHORISED" else [NOT_EDITABLE]
    if status == "DELETED":
        return [] if existing.status in ("DRAFT", "SUBMITTED") else [NOT_EDITABLE]
    if status not in _ORDER or _ORDER[status] < _ORDER[existing.status]:
        return [NOT_EDITABLE]
    return []
