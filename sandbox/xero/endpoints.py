"""The Accounting API routes under ``/api.xro/2.0``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.xero import filters, render, replies
from sandbox.xero.batch import unitdp, write_batch
from sandbox.xero.contacts import write_contact
from sandbox.xero.documents import write_document
from sandbox.xero.gate import Call, api
from sandbox.xero.ledger import Document
from sandbox.xero.orgdata import organisation
from sandbox.xero.payments import allocate, write_payment
from sandbox.xero.wire import ms_date

BASE = "/api.xro/2.0"
_PLURAL = {"invoice": "Invoices", "credit_note": "CreditNotes"}


def _list(call: Call, key: str, records: list[dict[str, Any]], paged: bool = True) -> Response:
    try:
        chosen = [r for r in records if filters.where(call.request.query_params.get("where"))(r)]
    except ValueError as exc:
        return replies.problem(400, "Bad Request", str(exc))
    if paged:
        chosen = filters.page(chosen, call.request.query_params.get("page"))
    provider = call.state.auth.apps[call.client_id].name
    return replies.json_reply(replies.envelope(call.now, provider, key, chosen))


def get_organisation(call: Call) -> Response:
    """``GET /Organisation``."""
    state = call.state
    org = organisation(state.tenant_id, state.tenant_name, ms_date(state.created))
    return _list(call, "Organisations", [org], paged=False)


def get_tax_rates(call: Call) -> Response:
    """``GET /TaxRates`` (``TaxType=`` and ``where``)."""
    wanted = call.request.query_params.get("TaxType")
    rates = [r.as_json() for r in call.state.ledger.tax_rates.values() if wanted in (None, r.tax_type)]
    return _list(call, "TaxRates", rates, paged=False)


def get_accounts(call: Call) -> Response:
    """``GET /Accounts``."""
    return _list(call, "Accounts", [a.as_json() for a in call.state.ledger.accounts.values()], paged=False)


def contacts(call: Call) -> Response:
    """``GET``/``PUT``/``POST /Contacts``."""
    ledger = call.state.ledger
    if call.request.method != "GET":
        update = call.request.method == "POST"
        return write_batch(call, "Contacts", lambda raw: write_contact(ledger, raw, call.now, update=update))
    ids = filters.id_list(call.request.query_params.get("IDs"))
    term = (call.request.query_params.get("searchTerm") or "").casefold()
    found = [
        render.contact(c)
        for c in ledger.contacts.values()
        if (ids is None or c.contact_id in ids)
        and (not term or any(term in (v or "").casefold() for v in (c.name, c.email, c.number, c.first_name)))
    ]
    return _list(call, "Contacts", found)


def contact(call: Call) -> Response:
    """``GET /Contacts/{id}``."""
    found = call.state.ledger.contacts.get(call.request.path_params["ident"])
    return replies.not_found() if found is None else _list(call, "Contacts", [render.contact(found)], False)


def _documents(kind: str) -> Any:
    def handler(call: Call) -> Response:
        ledger, params = call.state.ledger, call.request.query_params
        if call.request.method != "GET":
            update, dp = call.request.method == "POST", unitdp(call)
            return write_batch(
                call,
                _PLURAL[kind],
                lambda raw: write_document(ledger, raw, call.now, kind=kind, update=update, unitdp=dp),
            )
        ids = filters.id_list(params.get("IDs"))
        numbers = filters.id_list(params.get("InvoiceNumbers" if kind == "invoice" else "CreditNoteNumbers"))
        statuses = filters.id_list(params.get("Statuses"))
        contact_ids = filters.id_list(params.get("ContactIDs"))
        docs = [
            d
            for d in ledger.of_kind(kind)
            if (ids is None or d.doc_id in ids)
            and (numbers is None or d.number in numbers)
            and (statuses is None or d.status in statuses)
            and (contact_ids is None or d.contact_id in contact_ids)
        ]
        # Line items come back when paging or fetching one document (Xero's rule; see README).
        with_lines = "page" in params
        records = [render.document(ledger, d, unitdp=unitdp(call), lines=with_lines) for d in docs]
        return _list(call, _PLURAL[kind], records)

    return handler


def _find(call: Call, kind: str) -> Document | None:
    ident = call.request.path_params["ident"]
    ledger = call.state.ledger
    doc = ledger.documents.get(ident)
    if doc is None or doc.kind != kind:
        doc = ledger.find_number(kind, ident)
    return doc


def _document(kind: str) -> Any:
    def handler(call: Call) -> Response:
        doc = _find(call, kind)
        if doc is None:
            return replies.not_found()
        record = render.document(call.state.ledger, doc, unitdp=unitdp(call))
        return _list(call, _PLURAL[kind], [record], paged=False)

    return handler


def allocations(call: Call) -> Response:
    """``PUT /CreditNotes/{id}/Allocations``."""
    credit = _find(call, "credit_note")
    if credit is None:
        return replies.not_found()
    ledger = call.state.ledger
    return write_batch(call, "Allocations", lambda raw: allocate(ledger, credit, raw, call.now))


def payments(call: Call) -> Response:
    """``GET``/``PUT``/``POST /Payments``."""
    ledger = call.state.ledger
    if call.request.method != "GET":
        return write_batch(call, "Payments", lambda raw: write_payment(ledger, raw, call.now))
    return _list(call, "Payments", [render.payment(ledger, p) for p in ledger.payments.values()])


def payment(call: Call) -> Response:
    """``GET /Payments/{id}``."""
    found = call.state.ledger.payments.get(call.request.path_params["ident"])
    if found is None:
        return replies.not_found()
    return _list(call, "Payments", [render.payment(call.state.ledger, found)], paged=False)


def api_routes() -> list[BaseRoute]:
    """Every ``/api.xro/2.0`` route."""
    rw = ["GET", "PUT", "POST"]
    return [
        Route(f"{BASE}/Organisation", api(get_organisation), methods=["GET"]),
        Route(f"{BASE}/TaxRates", api(get_tax_rates), methods=["GET"]),
        Route(f"{BASE}/Accounts", api(get_accounts), methods=["GET"]),
        Route(f"{BASE}/Contacts", api(contacts), methods=rw),
        Route(f"{BASE}/Contacts/{{ident}}", api(contact), methods=["GET"]),
        Route(f"{BASE}/Invoices", api(_documents("invoice")), methods=rw),
        Route(f"{BASE}/Invoices/{{ident}}", api(_document("invoice")), methods=["GET"]),
        Route(f"{BASE}/CreditNotes", api(_documents("credit_note")), methods=rw),
        Route(f"{BASE}/CreditNotes/{{ident}}", api(_document("credit_note")), methods=["GET"]),
        Route(f"{BASE}/CreditNotes/{{ident}}/Allocations", api(allocations), methods=["PUT"]),
        Route(f"{BASE}/Payments", api(payments), methods=rw),
        Route(f"{BASE}/Payments/{{ident}}", api(payment), methods=["GET"]),
    ]
