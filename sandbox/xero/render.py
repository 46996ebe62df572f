"""Records as Xero renders them in JSON responses."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.xero.ledger import Allocation, Contact, Document, Ledger, Line, Payment
from sandbox.xero.wire import date_string, money, ms_date

QUANTITY = Decimal("0.0001")


def contact(c: Contact, *, summary: bool = False) -> dict[str, Any]:
    """A contact (``summary`` = the short form nested inside documents)."""
    data: dict[str, Any] = {"ContactID": c.contact_id, "Name": c.name}
    if c.number:
        data["ContactNumber"] = c.number
    if summary:
        return data
    data.update(
        ContactStatus=c.status,
        FirstName=c.first_name or "",
        LastName=c.last_name or "",
        EmailAddress=c.email or "",
        IsSupplier=False,
        IsCustomer=c.is_customer,
        Addresses=[],
        Phones=[],
        UpdatedDateUTC=ms_date(c.updated),
        HasAttachments=False,
    )
    return data


def line(ln: Line, unitdp: int) -> dict[str, Any]:
    """A line item; ``UnitAmount`` at 2 or 4 decimals (``unitdp``), the rest at 2."""
    data: dict[str, Any] = {
        "LineItemID": ln.line_item_id,
        "Description": ln.description,
        "Quantity": ln.quantity.quantize(QUANTITY),
        "UnitAmount": ln.unit_amount.quantize(Decimal(1).scaleb(-unitdp), rounding=ROUND_HALF_UP),
        "TaxType": ln.tax_type,
        "TaxAmount": money(ln.tax_amount),
        "LineAmount": money(ln.line_amount),
        "Tracking": ln.tracking,
    }
    if ln.account_code is not None:
        data["AccountCode"] = ln.account_code
    if ln.item_code is not None:
        data["ItemCode"] = ln.item_code
    if ln.discount_rate is not None:
        data["DiscountRate"] = money(ln.discount_rate)
    return data


def document(ledger: Ledger, doc: Document, *, unitdp: int = 2, lines: bool = True) -> dict[str, Any]:
    """An invoice or credit note with totals, payments and allocations."""
    is_invoice = doc.kind == "invoice"
    data: dict[str, Any] = {
        "Type": doc.type,
        ("InvoiceID" if is_invoice else "CreditNoteID"): doc.doc_id,
        ("InvoiceNumber" if is_invoice else "CreditNoteNumber"): doc.number,
        "Reference": doc.reference or "",
        "Contact": contact(ledger.contacts[doc.contact_id], summary=True),
        "Date": ms_date(doc.day),
        "DateString": date_string(doc.day),
        "Status": doc.status,
        "LineAmountTypes": doc.amounts_type,
        "SubTotal": money(doc.subtotal),
        "TotalTax": money(doc.total_tax),
        "Total": money(doc.total),
        "CurrencyCode": doc.currency,
        "CurrencyRate": Decimal("1.0000000000"),
        "UpdatedDateUTC": ms_date(doc.updated),
        "HasAttachments": False,
        "Payments": [payment(ledger, p, nested=True) for p in _payments_of(ledger, doc)],
    }
    if doc.due is not None:
        data.update(DueDate=ms_date(doc.due), DueDateString=date_string(doc.due))
    if is_invoice:
        data.update(AmountDue=money(doc.outstanding), AmountPaid=money(doc.paid))
        data.update(AmountCredited=money(doc.credited), IsDiscounted=False)
        data["CreditNotes"] = [_credit_ref(ledger, a) for a in _allocations(ledger, invoice=doc.doc_id)]
        if doc.url:
            data["Url"] = doc.url
    else:
        data.update(RemainingCredit=money(doc.outstanding), AppliedAmount=money(doc.credited))
        data["Allocations"] = [allocation(ledger, a) for a in _allocations(ledger, credit=doc.doc_id)]
    if doc.fully_paid_on is not None:
        data["FullyPaidOnDate"] = ms_date(doc.fully_paid_on)
    if lines:
        data["LineItems"] = [line(ln, unitdp) for ln in doc.lines]
    return data


def payment(ledger: Ledger, p: Payment, *, nested: bool = False) -> dict[str, Any]:
    """A payment (``nested`` = the short form inside a document)."""
    data: dict[str, Any] = {
        "PaymentID": p.payment_id,
        "Date": ms_date(p.day),
        "Amount": money(p.amount),
        "Reference": p.reference or "",
        "CurrencyRate": Decimal("1.0000000000"),
        "HasAccount": True,
        "HasValidationErrors": False,
    }
    if nested:
        return data
    doc = ledger.documents[p.doc_id]
    account = ledger.accounts[p.account_id]
    key, id_key, number_key = (
        ("Invoice", "InvoiceID", "InvoiceNumber")
        if doc.kind == "invoice"
        else ("CreditNote", "CreditNoteID", "CreditNoteNumber")
    )
    data.update(
        Status=p.status,
        PaymentType="ACCRECPAYMENT" if doc.kind == "invoice" else "ARCREDITPAYMENT",
        UpdatedDateUTC=ms_date(p.updated),
        IsReconciled=False,
        Account={"AccountID": account.account_id, "Code": account.code, "Name": account.name},
    )
    data[key] = {id_key: doc.doc_id, number_key: doc.number, "Type": doc.type}
    data[key]["Contact"] = contact(ledger.contacts[doc.contact_id], summary=True)
    return data


def allocation(ledger: Ledger, a: Allocation) -> dict[str, Any]:
    """An allocation of a credit note to an invoice."""
    invoice = ledger.documents[a.invoice_id]
    credit = ledger.documents[a.credit_note_id]
    return {
        "AllocationID": a.allocation_id,
        "Amount": money(a.amount),
        "Date": ms_date(a.day),
        "Invoice": {"InvoiceID": invoice.doc_id, "InvoiceNumber": invoice.number},
        "CreditNote": {"CreditNoteID": credit.doc_id, "CreditNoteNumber": credit.number},
    }


def _credit_ref(ledger: Ledger, a: Allocation) -> dict[str, Any]:
    credit = ledger.documents[a.credit_note_id]
    return {
        "CreditNoteID": credit.doc_id,
        "CreditNoteNumber": credit.number,
        "AppliedAmount": money(a.amount),
        "Total": money(credit.total),
    }


def _payments_of(ledger: Ledger, doc: Document) -> list[Payment]:
    return [p for p in ledger.payments.values() if p.doc_id == doc.doc_id]


def _allocations(ledger: Ledger, *, invoice: str = "", credit: str = "") -> list[Allocation]:
    return [a for a in ledger.allocations.values() if a.invoice_id == invoice or a.credit_note_id == credit]
