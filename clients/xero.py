"""Xero Accounting API adapter: the `AccountingClient` for one South African organisation.

Every write is ``PUT`` (create-only) with ``summarizeErrors=false``, so each element reports OK/ERROR on its
own, and an ``Idempotency-Key`` (see `clients.accounting.idempotency_key`). Xero forgets keys after 6
minutes: `post_invoices_once` / `post_credit_notes_once` look documents up by number before creating them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from clients import xero_wire as wire
from clients.accounting import (
    Account,
    Allocation,
    Contact,
    CreditNote,
    Invoice,
    Payment,
    PostResult,
    TaxRate,
    idempotency_key,
)
from clients.xero_errors import XeroError, XeroHttpError
from clients.xero_http import XeroSession

WRITE_PARAMS = {"summarizeErrors": "false", "unitdp": "4"}
NUMBERS_PER_LOOKUP = 40  # well under a page (100), so one page holds every match
DUPLICATE_INVOICE = "Invoice # must be unique."
D = TypeVar("D", Invoice, CreditNote)


class XeroClient:
    """Reads and writes one organisation's documents through a `XeroSession`."""

    def __init__(self, session: XeroSession) -> None:
        self.session = session

    def __enter__(self) -> XeroClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.session.close()

    # --- reads -------------------------------------------------------------------------------------

    def tax_rates(self) -> list[TaxRate]:
        """Every tax rate of the organisation (``OUTPUT3`` is 15% in a ZA org; ``OUTPUT`` the old 14%)."""
        return [wire.tax_rate(r) for r in self.session.get("/TaxRates")["TaxRates"]]

    def accounts(self) -> list[Account]:
        """The chart of accounts."""
        return [wire.account(a) for a in self.session.get("/Accounts")["Accounts"]]

    def find_contact(
        self, email: str | None = None, contact_number: str | None = None, name: str | None = None
    ) -> Contact | None:
        """The first active contact matching every given criterion, or None."""
        clauses = [
            f'{field}=="{_where_value(value)}"'
            for field, value in (("EmailAddress", email), ("ContactNumber", contact_number), ("Name", name))
            if value is not None
        ]
        if not clauses:
            raise ValueError("find_contact needs an email, a contact number or a name")
        found = self.session.get("/Contacts", {"where": " AND ".join(clauses)})["Contacts"]
        return wire.contact(found[0]) if found else None

    def find_invoices(self, numbers: Sequence[str]) -> dict[str, Invoice]:
        """Invoices by number, with their line items; numbers not in Xero are absent."""
        return {d.number: d for d in self._find("/Invoices", "InvoiceNumbers", numbers, wire.invoice)}

    def find_credit_notes(self, numbers: Sequence[str]) -> dict[str, CreditNote]:
        """Credit notes by number, with their line items (several may share a number: the last wins)."""
        return {
            d.number: d for d in self._find("/CreditNotes", "CreditNoteNumbers", numbers, wire.credit_note)
        }

    def _find(self, path: str, param: str, numbers: Sequence[str], parse: Callable[[Any], D]) -> list[D]:
        wanted = list(dict.fromkeys(numbers))
        if any("," in n for n in wanted):
            raise ValueError("document numbers with commas cannot be looked up by number")
        plural = path.strip("/")
        found: list[D] = []
        for start in range(0, len(wanted), NUMBERS_PER_LOOKUP):
            chunk = ",".join(wanted[start : start + NUMBERS_PER_LOOKUP])
            # `page` makes Xero include line items (and there is never more than one page here)
            found += [parse(raw) for raw in self.session.get(path, {param: chunk, "page": "1"})[plural]]
        return found

    def copies(self, path: str, numbers: Sequence[str]) -> dict[str, int]:
        """How many documents Xero holds per number (``/Invoices`` or ``/CreditNotes``), voided and deleted
        ones not counted: Xero keeps invoice numbers unique but not credit-note numbers, so a count above one
        is a double posting."""
        param, key = ("InvoiceNumbers", "InvoiceNumber") if path == "/Invoices" else (
            "CreditNoteNumbers", "CreditNoteNumber"
        )  # fmt: skip
        counts: dict[str, int] = {}
        for raw in self._find(path, param, numbers, lambda raw: raw):
            if raw.get("Status") not in ("VOIDED", "DELETED"):
                counts[raw[key]] = counts.get(raw[key], 0) + 1
        return counts

    # --- writes ------------------------------------------------------------------------------------

    def create_contact(self, contact: Contact, idempotency_key: str) -> PostResult[Contact]:
        """Create one contact (``PUT /Contacts``)."""
        raw = self._put("/Contacts", "Contacts", [wire.contact_body(contact)], idempotency_key)
        return _results(raw, wire.contact, "ContactID", lambda r: None)[0]

    def create_invoices(self, invoices: Sequence[Invoice], idempotency_key: str) -> list[PostResult[Invoice]]:
        """Create invoices; one result per element, in order (valid ones are kept even if others fail)."""
        raw = self._put("/Invoices", "Invoices", [wire.invoice_body(i) for i in invoices], idempotency_key)
        return _results(raw, wire.invoice, "InvoiceID", lambda r: r.get("InvoiceNumber"))

    def create_credit_notes(
        self, credit_notes: Sequence[CreditNote], idempotency_key: str
    ) -> list[PostResult[CreditNote]]:
        """Create credit notes; one result per element, in order."""
        body = [wire.credit_note_body(c) for c in credit_notes]
        raw = self._put("/CreditNotes", "CreditNotes", body, idempotency_key)
        return _results(raw, wire.credit_note, "CreditNoteID", lambda r: r.get("CreditNoteNumber"))

    def allocate_credit_note(
        self, credit_note_id: str, invoice_id: str, amount: Decimal, date: date, idempotency_key: str
    ) -> PostResult[Allocation]:
        """Apply ``amount`` of a credit note to an invoice."""
        path = f"/CreditNotes/{credit_note_id}/Allocations"
        raw = self._put(
            path, "Allocations", [wire.allocation_body(invoice_id, amount, date)], idempotency_key
        )
        return _results(raw, lambda r: wire.allocation(r, credit_note_id), "AllocationID", lambda r: None)[0]

    def create_payments(self, payments: Sequence[Payment], idempotency_key: str) -> list[PostResult[Payment]]:
        """Record payments (``PUT /Payments``); one result per element, in order."""
        raw = self._put("/Payments", "Payments", [wire.payment_body(p) for p in payments], idempotency_key)
        return _results(raw, wire.payment, "PaymentID", lambda r: None)

    def _put(self, path: str, key: str, elements: list[dict[str, Any]], idem: str) -> list[dict[str, Any]]:
        if not elements:
            return []
        body = wire.dumps({key: elements})
        answer = self.session.request("PUT", path, params=WRITE_PARAMS, body=body, idempotency_key=idem)
        returned = answer.get(key) if isinstance(answer, dict) else None
        if not isinstance(returned, list) or len(returned) != len(elements):
            raise XeroHttpError(
                f"Xero's answer to PUT {path} does not hold one result per element.", status=200
            )
        return returned

    # --- exactly once ------------------------------------------------------------------------------

    def post_invoices_once(
        self, invoices: Sequence[Invoice], attempt_window: str, *, known: Mapping[str, str] | None = None
    ) -> list[PostResult[Invoice]]:
        """Create the invoices not already in Xero; one result per invoice, in order.

        Invoices in ``known`` (number → InvoiceID, from our own ledger) are not looked up; the others are
        looked up by number and only the missing ones are created, with the key
        ``idempotency_key("invoices", <numbers sent>, attempt_window)``. "Invoice # must be unique." means
        another attempt got there first: the invoice is fetched and reported as existing. If the create
        fails outright, the numbers are looked up again (a ghost write is adopted) before giving up.
        """
        return self._post_once(
            invoices, attempt_window, known or {}, purpose="invoices", find=self.find_invoices,
            create=self.create_invoices, doc_id=lambda d: d.invoice_id,
        )  # fmt: skip

    def post_credit_notes_once(
        self,
        credit_notes: Sequence[CreditNote],
        attempt_window: str,
        *,
        known: Mapping[str, str] | None = None,
    ) -> list[PostResult[CreditNote]]:
        """`post_invoices_once` for credit notes (whose numbers Xero does not keep unique: the lookup is the
        only guard against a second copy)."""
        return self._post_once(
            credit_notes, attempt_window, known or {}, purpose="credit-notes", find=self.find_credit_notes,
            create=self.create_credit_notes, doc_id=lambda d: d.credit_note_id,
        )  # fmt: skip

    def _post_once(
        self,
        documents: Sequence[D],
        window: str,
        known: Mapping[str, str],
        *,
        purpose: str,
        find: Callable[[Sequence[str]], dict[str, D]],
        create: Callable[[Sequence[D], str], list[PostResult[D]]],
        doc_id: Callable[[D], str | None],
    ) -> list[PostResult[D]]:
        numbers = [d.number for d in documents]
        if len(set(numbers)) != len(numbers) or not all(numbers):
            raise ValueError("every document needs its own number to be posted exactly once")
        found = find([n for n in numbers if n not in known])
        missing = [d for d in documents if d.number not in known and d.number not in found]
        created: dict[str, PostResult[D]] = {}
        if missing:
            key = idempotency_key(purpose, [d.number for d in missing], window)
            try:
                results = adopt_duplicates(create(missing, key), find)
            except XeroError as exc:
                if not exc.retriable:
                    raise
                found |= _adopt_or_raise(find, [d.number for d in missing], exc)
            else:
                created = {d.number: r for d, r in zip(missing, results, strict=True)}
        out: list[PostResult[D]] = []
        for d in documents:
            if d.number in known:
                out.append(PostResult("OK", d.number, known[d.number], existed=True))
            elif d.number in found:
                doc = found[d.number]
                out.append(PostResult("OK", d.number, doc_id(doc), document=doc, existed=True))
            else:
                out.append(created[d.number])
        return out


def adopt_duplicates(
    results: list[PostResult[D]], find: Callable[[Sequence[str]], dict[str, D]]
) -> list[PostResult[D]]:
    """Turn "Invoice # must be unique." results into OK results for the invoice already in Xero."""
    taken = [r.number for r in results if not r.ok and r.number and DUPLICATE_INVOICE in r.messages]
    if not taken:
        return results
    existing = find(taken)
    adopted: list[PostResult[D]] = []
    for r in results:
        doc = existing.get(r.number or "") if r.number in taken else None
        if doc is None:
            adopted.append(r)
        else:
            doc_id = getattr(doc, "invoice_id", None) or getattr(doc, "credit_note_id", None)
            adopted.append(PostResult("OK", r.number, doc_id, document=doc, existed=True))
    return adopted


def _adopt_or_raise(
    find: Callable[[Sequence[str]], dict[str, D]], numbers: list[str], error: XeroError
) -> dict[str, D]:
    """After a failed create: the documents a lost answer created anyway, or the original error."""
    try:
        found = find(numbers)
    except XeroError:
        raise error from None
    if set(numbers) - set(found):
        raise error
    return found


def _results(
    raw: list[dict[str, Any]],
    parse: Callable[[dict[str, Any]], Any],
    id_key: str,
    number: Callable[[Any], Any],
) -> list[PostResult[Any]]:
    out: list[PostResult[Any]] = []
    for element in raw:
        messages = tuple(str(e.get("Message", "")) for e in element.get("ValidationErrors") or ())
        failed = element.get("StatusAttributeString") == "ERROR" or bool(element.get("HasErrors"))
        doc_number = number(element)
        out.append(
            PostResult(
                "ERROR" if failed else "OK",
                str(doc_number) if doc_number else None,
                None if failed else element.get(id_key),
                messages,
                None if failed else parse(element),
            )
        )
    return out


def _where_value(value: str) -> str:
    if '"' in value:
        raise ValueError(f"cannot search Xero for a value with a double quote: {value!r}")
    return value
