"""Xero's JSON, both ways: our dataclasses to byte-stable bodies (Decimal as bare numbers) and back."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from clients.accounting import Account, Allocation, Contact, CreditNote, Invoice, LineItem, Payment, TaxRate

CENTS = Decimal("0.01")
FOUR_DP = Decimal("0.0001")
_MARK = "\x00dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?[0-9.]+)"')
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def _exact(value: Decimal, step: Decimal, field: str) -> Decimal:
    """``value`` at exactly ``step``'s scale; refuses to round money away (that is the caller's job)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{field} must be a finite Decimal, not {value!r}")
    scaled = value.quantize(step)
    if scaled != value:
        raise ValueError(f"{field} {value} has more decimals than Xero keeps ({step})")
    return scaled


def money(value: Decimal, field: str = "amount") -> Decimal:
    """An amount with exactly two decimals (``115`` → ``115.00``)."""
    return _exact(value, CENTS, field)


def _mark(value: Any) -> Any:
    if isinstance(value, float):
        raise TypeError("floats never go to Xero: use Decimal")
    if isinstance(value, Decimal):
        return _MARK + format(value, "f")
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v) for v in value]
    return value


def dumps(payload: Any) -> bytes:
    """Stable JSON bytes: sorted keys, no spaces, every Decimal a bare number at its own scale."""
    text = json.dumps(_mark(payload), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return _MARKED.sub(lambda m: m.group(1), text).encode("utf-8")


def loads(raw: bytes) -> Any:
    """Parse a Xero answer; non-integer numbers become Decimal."""
    return json.loads(raw.decode("utf-8"), parse_float=Decimal)


def parse_date(value: Any) -> date | None:
    """``/Date(ms+0000)/`` or ``YYYY-MM-DD…`` as a date (None for missing)."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    return date.fromisoformat(value[:10])


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


# --- to Xero ---------------------------------------------------------------------------------------


def contact_ref(contact: Contact) -> dict[str, Any]:
    """The ``Contact`` of a document: by id when known, else by name (Xero creates unknown names)."""
    if contact.contact_id:
        return {"ContactID": contact.contact_id}
    return _drop_none({"Name": contact.name, "ContactNumber": contact.contact_number})


def contact_body(contact: Contact) -> dict[str, Any]:
    """A contact for ``PUT /Contacts``."""
    return _drop_none(
        {
            "Name": contact.name,
            "ContactNumber": contact.contact_number,
            "EmailAddress": contact.email,
            "FirstName": contact.first_name,
            "LastName": contact.last_name,
        }
    )


def line_body(line: LineItem) -> dict[str, Any]:
    """One line item; ``UnitAmount`` at 4 decimals (sent with ``unitdp=4``), ``TaxAmount`` at 2."""
    return _drop_none(
        {
            "Description": line.description,
            "Quantity": _exact(line.quantity, FOUR_DP, "Quantity").normalize(),
            "UnitAmount": _unit_amount(line.unit_amount),
            "AccountCode": line.account_code,
            "TaxType": line.tax_type,
            "TaxAmount": None if line.tax_amount is None else money(line.tax_amount, "TaxAmount"),
            "ItemCode": line.item_code,
        }
    )


def _unit_amount(value: Decimal) -> Decimal:
    exact = _exact(value, FOUR_DP, "UnitAmount")
    return exact.quantize(CENTS) if exact == exact.quantize(CENTS) else exact


def invoice_body(invoice: Invoice) -> dict[str, Any]:
    """An ACCREC invoice for ``PUT /Invoices``."""
    return _drop_none(
        {
            "Type": "ACCREC",
            "InvoiceNumber": invoice.number,
            "Contact": contact_ref(invoice.contact),
            "Date": invoice.date.isoformat(),
            "DueDate": invoice.due_date.isoformat() if invoice.due_date else None,
            "LineAmountTypes": invoice.line_amount_types,
            "Status": invoice.status,
            "Reference": invoice.reference,
            "Url": invoice.url,
            "CurrencyCode": invoice.currency,
            "LineItems": [line_body(line) for line in invoice.line_items],
        }
    )


def credit_note_body(note: CreditNote) -> dict[str, Any]:
    """An ACCRECCREDIT credit note for ``PUT /CreditNotes``."""
    return _drop_none(
        {
            "Type": "ACCRECCREDIT",
            "CreditNoteNumber": note.number,
            "Contact": contact_ref(note.contact),
            "Date": note.date.isoformat(),
            "LineAmountTypes": note.line_amount_types,
            "Status": note.status,
            "Reference": note.reference,
            "CurrencyCode": note.currency,
            "LineItems": [line_body(line) for line in note.line_items],
        }
    )


def payment_body(payment: Payment) -> dict[str, Any]:
    """A payment for ``PUT /Payments``: against an invoice or a credit note, by id or number."""
    targets = _drop_none(
        {
            "Invoice": _drop_none({"InvoiceID": payment.invoice_id, "InvoiceNumber": payment.invoice_number})
            or None,
            "CreditNote": _drop_none(
                {"CreditNoteID": payment.credit_note_id, "CreditNoteNumber": payment.credit_note_number}
            )
            or None,
        }
    )
    if len(targets) != 1:
        raise ValueError("a payment needs exactly one of an invoice or a credit note")
    return _drop_none(
        {
            **targets,
            "Account": {"Code": payment.account_code},
            "Date": payment.date.isoformat(),
            "Amount": money(payment.amount, "Amount"),
            "Reference": payment.reference,
        }
    )


def allocation_body(invoice_id: str, amount: Decimal, day: date) -> dict[str, Any]:
    """One allocation for ``PUT /CreditNotes/{id}/Allocations``."""
    return {"Invoice": {"InvoiceID": invoice_id}, "Amount": money(amount, "Amount"), "Date": day.isoformat()}


# --- from Xero -------------------------------------------------------------------------------------


def tax_rate(raw: dict[str, Any]) -> TaxRate:
    """A ``TaxRates`` element."""
    return TaxRate(
        tax_type=str(raw["TaxType"]),
        name=str(raw.get("Name", "")),
        display_rate=Decimal(str(raw.get("DisplayTaxRate", 0))),
        effective_rate=Decimal(str(raw.get("EffectiveRate", 0))),
        status=str(raw.get("Status", "")),
        can_apply_to_revenue=bool(raw.get("CanApplyToRevenue")),
    )


def account(raw: dict[str, Any]) -> Account:
    """An ``Accounts`` element."""
    return Account(
        account_id=str(raw.get("AccountID", "")),
        code=str(raw.get("Code", "")),
        name=str(raw.get("Name", "")),
        type=str(raw.get("Type", "")),
        tax_type=raw.get("TaxType"),
        status=str(raw.get("Status", "")),
        enable_payments=bool(raw.get("EnablePaymentsToAccount")),
    )


def contact(raw: dict[str, Any]) -> Contact:
    """A ``Contacts`` element (or the short form inside a document)."""
    return Contact(
        name=str(raw.get("Name", "")),
        contact_id=raw.get("ContactID"),
        contact_number=raw.get("ContactNumber") or None,
        email=raw.get("EmailAddress") or None,
        first_name=raw.get("FirstName") or None,
        last_name=raw.get("LastName") or None,
    )


def line(raw: dict[str, Any]) -> LineItem:
    """A ``LineItems`` element."""
    return LineItem(
        description=str(raw.get("Description", "")),
        quantity=Decimal(str(raw.get("Quantity", 0))),
        unit_amount=Decimal(str(raw.get("UnitAmount", 0))),
        account_code=str(raw.get("AccountCode", "")),
        tax_type=str(raw.get("TaxType", "")),
        tax_amount=_dec(raw.get("TaxAmount")),
        item_code=raw.get("ItemCode"),
        line_amount=_dec(raw.get("LineAmount")),
        line_item_id=raw.get("LineItemID"),
    )


def invoice(raw: dict[str, Any]) -> Invoice:
    """An ``Invoices`` element (as sent back on ERROR: without ids and totals)."""
    return Invoice(
        number=str(raw.get("InvoiceNumber", "")),
        contact=contact(raw.get("Contact") or {}),
        date=parse_date(raw.get("Date")) or date.min,
        due_date=parse_date(raw.get("DueDate")),
        line_items=tuple(line(item) for item in raw.get("LineItems") or ()),
        line_amount_types=raw.get("LineAmountTypes", "Exclusive"),
        status=str(raw.get("Status", "")),
        reference=raw.get("Reference") or None,
        url=raw.get("Url"),
        currency=str(raw.get("CurrencyCode", "ZAR")),
        invoice_id=raw.get("InvoiceID"),
        sub_total=_dec(raw.get("SubTotal")),
        total_tax=_dec(raw.get("TotalTax")),
        total=_dec(raw.get("Total")),
        amount_due=_dec(raw.get("AmountDue")),
        amount_paid=_dec(raw.get("AmountPaid")),
        amount_credited=_dec(raw.get("AmountCredited")),
    )


def credit_note(raw: dict[str, Any]) -> CreditNote:
    """A ``CreditNotes`` element."""
    return CreditNote(
        number=str(raw.get("CreditNoteNumber", "")),
        contact=contact(raw.get("Contact") or {}),
        date=parse_date(raw.get("Date")) or date.min,
        line_items=tuple(line(item) for item in raw.get("LineItems") or ()),
        line_amount_types=raw.get("LineAmountTypes", "Exclusive"),
        status=str(raw.get("Status", "")),
        reference=raw.get("Reference") or None,
        currency=str(raw.get("CurrencyCode", "ZAR")),
        credit_note_id=raw.get("CreditNoteID"),
        sub_total=_dec(raw.get("SubTotal")),
        total_tax=_dec(raw.get("TotalTax")),
        total=_dec(raw.get("Total")),
        remaining_credit=_dec(raw.get("RemainingCredit")),
    )


def payment(raw: dict[str, Any]) -> Payment:
    """A ``Payments`` element."""
    inv, note = raw.get("Invoice") or {}, raw.get("CreditNote") or {}
    return Payment(
        account_code=str((raw.get("Account") or {}).get("Code", "")),
        date=parse_date(raw.get("Date")) or date.min,
        amount=_dec(raw.get("Amount")) or Decimal(0),
        invoice_id=inv.get("InvoiceID"),
        invoice_number=inv.get("InvoiceNumber"),
        credit_note_id=note.get("CreditNoteID"),
        credit_note_number=note.get("CreditNoteNumber"),
        reference=raw.get("Reference") or None,
        payment_id=raw.get("PaymentID"),
        payment_type=raw.get("PaymentType"),
        status=raw.get("Status"),
    )


def allocation(raw: dict[str, Any], credit_note_id: str) -> Allocation:
    """An ``Allocations`` element."""
    return Allocation(
        credit_note_id=str((raw.get("CreditNote") or {}).get("CreditNoteID") or credit_note_id),
        invoice_id=str((raw.get("Invoice") or {}).get("InvoiceID", "")),
        amount=_dec(raw.get("Amount")) or Decimal(0),
        date=parse_date(raw.get("Date")) or date.min,
        allocation_id=raw.get("AllocationID"),
    )
