"""Thin I/O task: post the recipe's documents, payments and allocations to the books, exactly once.

Every write is recorded in the accounting ledger (`postings`) as intent before the call and as posted (with
the provider's id) after it. What the ledger says is posted is never sent again. An intent left by a run that
died is settled by looking the document up at the provider first (the client's lookup-before-create); a
payment or allocation by reading its document back (already paid? already credited?). Each write names who
or which policy let it through.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from clients.accounting import Contact, CreditNote, Invoice, LineItem, Payment, PostResult, idempotency_key
from clients.xero import XeroClient
from shoplines.crashpoints import crash_point
from shoplines.state.records import JournalRow, PostingPlan, PostingRecord
from shoplines.state.store import StateStore
from tasks.accounting_types import Allocation, PaymentInstruction, SalesDocument, cents_of
from tasks.validate_documents import check_documents

PROVIDER = "xero"
PER_REQUEST = 50  # documents per write: Xero's practical ceiling for one request


def _payment(pay: PaymentInstruction) -> Payment:
    target = (
        {"invoice_number": pay.document_number}
        if pay.document_kind == "invoice"
        else {"credit_note_number": pay.document_number}
    )
    return Payment(account_code=pay.account_code, date=pay.date, amount=pay.amount, reference=pay.reference,
                   **target)  # fmt: skip


def content_hash(value: object) -> str:
    """SHA-256 of a document's content (dataclasses, Decimals and dates as text, keys sorted)."""
    raw = asdict(value) if hasattr(value, "__dataclass_fields__") else value  # type: ignore[call-overload]
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def _lines(doc: SalesDocument) -> tuple[LineItem, ...]:
    return tuple(_line(line) for line in doc.lines)


def _line(line: Any) -> LineItem:
    return LineItem(
        description=line.description, quantity=line.quantity, unit_amount=line.unit_amount,
        account_code=line.account_code, tax_type=line.tax_type, tax_amount=line.tax_amount,
        item_code=line.item_code,
    )  # fmt: skip


def to_invoice(doc: SalesDocument, contact: Contact) -> Invoice:
    return Invoice(number=doc.number, contact=contact, date=doc.date, due_date=doc.date,
                   line_items=_lines(doc), reference=doc.reference, url=doc.url,
                   currency=doc.currency)  # fmt: skip


def to_credit_note(doc: SalesDocument, contact: Contact) -> CreditNote:
    return CreditNote(number=doc.number, contact=contact, date=doc.date, line_items=_lines(doc),
                      reference=doc.reference, currency=doc.currency)  # fmt: skip


@dataclass
class Outcome:
    """What one posting step did: posted now, found posted (ledger or provider), refused by the provider."""

    posted: list[PostingRecord] = field(default_factory=list)
    already: list[PostingRecord] = field(default_factory=list)
    failed: list[tuple[PostingRecord, str]] = field(default_factory=list)

    def merge(self, other: Outcome) -> Outcome:
        return Outcome(self.posted + other.posted, self.already + other.already, self.failed + other.failed)


@dataclass
class Poster:
    """Posts one run's accounting writes for one shop and line."""

    client: XeroClient
    state: StateStore
    shop_id: str
    line: str
    run_id: str
    contact_name: str
    _contact: Contact | None = None

    def contact(self) -> Contact:
        """The one contact every document is posted to (created once, found by name after)."""
        if self._contact is None:
            found = self.client.find_contact(name=self.contact_name)
            if found is None:
                made = self.client.create_contact(
                    Contact(name=self.contact_name),
                    idempotency_key("contact", self.contact_name, self.run_id),
                )
                if not made.ok or made.document is None:
                    raise RuntimeError(
                        f"Xero refused the contact {self.contact_name!r}: {'; '.join(made.messages)}"
                    )
                found = made.document
            self._contact = Contact(name=found.name, contact_id=found.contact_id)
        return self._contact

    def _intent(self, plan: PostingPlan) -> PostingRecord:
        return self.state.record_posting_intent(self.shop_id, plan, self.run_id)

    def documents(
        self, docs: Sequence[SalesDocument], approved_by: Callable[[SalesDocument], str]
    ) -> Outcome:
        """Invoices and credit notes not posted yet: looked up by number, created only if missing."""
        outcome = Outcome()
        pending: dict[str, tuple[SalesDocument, PostingRecord]] = {}
        fit, unfit = check_documents(docs)
        for doc, why in unfit:  # never sent: kept on the ledger as refused by our own checks
            record = self._intent(self._plan(doc, approved_by))
            if record.status != "posted":
                outcome.failed.append((self.state.mark_posting(record.id, status="failed", message=why), why))
        for doc in fit:
            record = self._intent(self._plan(doc, approved_by))
            if record.status == "posted":
                outcome.already.append(record)
            else:
                pending[doc.number] = (doc, record)
        if not pending:
            return outcome
        crash_point("after_posting_intent")
        contact = self.contact()
        invoices = [to_invoice(d, contact) for d, _ in pending.values() if d.kind == "invoice"]
        notes = [to_credit_note(d, contact) for d, _ in pending.values() if d.kind == "credit_note"]
        results: list[PostResult[Any]] = []
        for start in range(0, len(invoices), PER_REQUEST):
            results += self.client.post_invoices_once(invoices[start : start + PER_REQUEST], self.run_id)
        for start in range(0, len(notes), PER_REQUEST):
            results += self.client.post_credit_notes_once(notes[start : start + PER_REQUEST], self.run_id)
        crash_point("after_post_before_mark")
        for result in results:
            _, record = pending[str(result.number)]
            self._settle(record, result, outcome)
        return outcome

    def _plan(self, doc: SalesDocument, approved_by: Callable[[SalesDocument], str]) -> PostingPlan:
        return PostingPlan(
            self.line, PROVIDER, doc.kind, doc.number, doc.source_ids, _name(doc), doc.date.isoformat(),
            content_hash(doc), cents_of(doc.total), approved_by(doc),
        )  # fmt: skip

    def _settle(self, record: PostingRecord, result: PostResult[Any], outcome: Outcome) -> None:
        if result.ok:
            note = "already in Xero: adopted" if result.existed else None
            marked = self.state.mark_posting(record.id, status="posted", external_id=result.id, message=note)
            (outcome.already if result.existed else outcome.posted).append(marked)
        else:
            why = "; ".join(result.messages) or "refused without a reason"
            outcome.failed.append((self.state.mark_posting(record.id, status="failed", message=why), why))

    def payments(
        self, instructions: Sequence[PaymentInstruction], approved_by: Callable[[str], str]
    ) -> Outcome:
        """Payments into (invoice) or out of (credit note) a clearing account, each once: the documents are
        read back first (a payment whose answer was lost shows as paid and is adopted), the rest go in
        batches of `PER_REQUEST`."""
        outcome = Outcome()
        pending: list[tuple[PaymentInstruction, PostingRecord]] = []
        for pay in instructions:
            key = f"PAY:{pay.document_number}:{pay.account_code}"
            record = self._intent(PostingPlan(
                self.line, PROVIDER, "payment", key, (pay.document_number,), pay.document_number,
                pay.date.isoformat(), content_hash(pay), cents_of(pay.amount),
                approved_by(pay.document_number),
            ))  # fmt: skip
            if record.status == "posted":
                outcome.already.append(record)
            else:
                pending.append((pay, record))
        settled = self._settled([pay for pay, _ in pending])
        to_create: list[tuple[PaymentInstruction, PostingRecord]] = []
        for pay, record in pending:
            found = settled.get(pay.document_number)
            if found is None:
                to_create.append((pay, record))
                continue
            marked = self.state.mark_posting(record.id, status="posted", external_id=found,
                                             message="already in Xero: adopted")  # fmt: skip
            outcome.already.append(marked)
        for start in range(0, len(to_create), PER_REQUEST):
            batch = to_create[start : start + PER_REQUEST]
            key = idempotency_key("payments", [r.key for _, r in batch], self.run_id)
            results = self.client.create_payments([_payment(pay) for pay, _ in batch], key)
            crash_point("after_payment_before_mark")
            for (_, record), result in zip(batch, results, strict=True):
                self._settle(record, result, outcome)
        return outcome

    def _settled(self, pays: Sequence[PaymentInstruction]) -> dict[str, str]:
        """Document number -> its Xero id, for the documents Xero already shows paid (or paid out)."""
        invoices = [p.document_number for p in pays if p.document_kind == "invoice"]
        notes = [p.document_number for p in pays if p.document_kind != "invoice"]
        found_invoices = self.client.find_invoices(invoices) if invoices else {}
        found_notes = self.client.find_credit_notes(notes) if notes else {}
        settled: dict[str, str] = {}
        for pay in pays:
            if pay.document_kind == "invoice":
                invoice = found_invoices.get(pay.document_number)
                paid = invoice.amount_paid if invoice is not None else None
                if invoice is not None and invoice.invoice_id and (paid or Decimal(0)) >= pay.amount:
                    settled[pay.document_number] = invoice.invoice_id
                continue
            note = found_notes.get(pay.document_number)
            if (
                note
                and note.credit_note_id
                and note.remaining_credit is not None
                and note.remaining_credit <= 0
            ):
                settled[pay.document_number] = note.credit_note_id
        return settled

    def allocations(self, allocations: Sequence[Allocation], approved_by: Callable[[str], str]) -> Outcome:
        """Credit notes set against invoices that still have that much outstanding, each once."""
        outcome = Outcome()
        for alloc in allocations:
            key = f"ALLOC:{alloc.credit_note_number}:{alloc.invoice_number}"
            record = self._intent(PostingPlan(
                self.line, PROVIDER, "allocation", key, (alloc.credit_note_number, alloc.invoice_number),
                alloc.credit_note_number, alloc.date.isoformat(), content_hash(alloc), cents_of(alloc.amount),
                approved_by(alloc.credit_note_number),
            ))  # fmt: skip
            if record.status == "posted":
                outcome.already.append(record)
                continue
            note = self.client.find_credit_notes([alloc.credit_note_number]).get(alloc.credit_note_number)
            invoice = self.client.find_invoices([alloc.invoice_number]).get(alloc.invoice_number)
            if note is None or invoice is None or not note.credit_note_id or not invoice.invoice_id:
                why = "the credit note or its invoice is not in Xero yet"
                outcome.failed.append((self.state.mark_posting(record.id, status="failed", message=why), why))
                continue
            if note.remaining_credit is not None and note.remaining_credit < alloc.amount:
                marked = self.state.mark_posting(record.id, status="posted", external_id=note.credit_note_id,
                                                 message="already allocated in Xero: adopted")  # fmt: skip
                outcome.already.append(marked)
                continue
            result = self.client.allocate_credit_note(
                note.credit_note_id, invoice.invoice_id, alloc.amount, alloc.date,
                idempotency_key("allocation", key, self.run_id),
            )  # fmt: skip
            self._settle(record, result, outcome)
        return outcome


def _name(doc: SalesDocument) -> str:
    ref = doc.reference.split(" ")[0] if doc.reference else doc.number
    return ref if ref.startswith("#") else doc.number


def journal_rows(outcome: Outcome, names: Mapping[str, str]) -> list[JournalRow]:
    """Support's view: each source order or refund, what it was posted as, and what Xero said."""
    rows: list[JournalRow] = []
    for verb, records in (("posted to Xero", outcome.posted), ("already in Xero", outcome.already)):
        for record in records:
            if record.kind not in ("invoice", "credit_note"):
                continue
            what = "invoice" if record.kind == "invoice" else "credit note"
            for entity in record.entity_ids:
                rows.append(JournalRow(
                    entity, names.get(entity, record.entity_name), "posted",
                    f"{verb} as {what} {record.key}, ZAR {Decimal(record.amount_cents) / 100:.2f} "
                    f"(Xero id {record.external_id}; approved by {record.approved_by})",
                    {"document": record.key, "xero_id": record.external_id},
                ))  # fmt: skip
    for record, why in outcome.failed:
        for entity in record.entity_ids:
            rows.append(JournalRow(entity, names.get(entity, record.entity_name), "refused",
                                   f"Xero refused {record.kind} {record.key}: {why}"))  # fmt: skip
    return rows
