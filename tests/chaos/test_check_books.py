"""The accounting verdict can fail: synthetic Xero documents with lost and duplicated postings are counted."""

from __future__ import annotations

from typing import Any

from chaos.books import Books
from chaos.books_schedule import plan_accounting
from chaos.check_books import check_books
from shoplines.crashpoints import ACCOUNTING_POINTS


def invoice(number: str, total: float) -> dict[str, Any]:
    return {"InvoiceNumber": number, "Total": total}


def note(number: str, total: float) -> dict[str, Any]:
    return {"CreditNoteNumber": number, "Total": total}


def paid(number: str, amount: float, *, credit: bool = False) -> dict[str, Any]:
    target = (
        {"CreditNote": {"CreditNoteNumber": number}} if credit else {"Invoice": {"InvoiceNumber": number}}
    )
    return {"Amount": amount, "Status": "AUTHORISED", **target}


def books(invoices: list[Any], notes: list[Any], payments: list[Any]) -> Books:
    return {"invoices": invoices, "credit_notes": notes, "payments": payments, "allocations": []}


REFERENCE = books(
    [invoice("ZA-1", 100.0), invoice("ZA-2", 50.5), invoice("ZA-3", 20.0)],
    [note("ZA-R-1", 10.0)],
    [paid("ZA-1", 100.0), paid("ZA-2", 50.5), paid("ZA-R-1", 10.0, credit=True)],
)


def test_the_same_books_pass() -> None:
    assert check_books(REFERENCE, REFERENCE).ok


def test_lost_and_duplicated_postings_are_counted() -> None:
    faulted = books(
        [invoice("ZA-1", 100.0), invoice("ZA-1", 100.0), invoice("ZA-2", 50.0), invoice("ZA-9", 1.0)],
        [],  # the credit note never arrived
        [paid("ZA-1", 100.0), paid("ZA-1", 100.0), paid("ZA-2", 50.0), paid("ZA-3", 20.0)],
    )
    verdict = check_books(faulted, REFERENCE)
    assert sorted(verdict.lost) == [
        "credit note ZA-R-1 (10.00) is not in the books",
        "credit note ZA-R-1: paid nothing, the clean run 10.00",
        "invoice ZA-2: paid 50.00, the clean run 50.50",
        "invoice ZA-2: total 50.00, the clean run 50.50",
        "invoice ZA-3 (20.00) is not in the books",
    ]
    assert sorted(verdict.duplicated) == [
        "invoice ZA-1 is in the books 2 times",
        "invoice ZA-1: paid 100.00 + 100.00, the clean run 100.00",
        "invoice ZA-3: paid 20.00, the clean run nothing",
        "invoice ZA-9 was not posted by the clean run",
    ]


def test_accounting_schedules_are_deterministic_and_reach_every_point() -> None:
    assert plan_accounting(7, 3) == plan_accounting(7, 3)
    assert plan_accounting(7, 3) != plan_accounting(7, 4)
    schedules = [plan_accounting(1, s) for s in range(20)]
    assert all(2 <= len(s.rounds) <= 3 and s.rounds[-1].share == 1 for s in schedules)
    crashes = {step.crash_at for s in schedules for r in s.rounds for step in r.steps}
    assert crashes >= set(ACCOUNTING_POINTS)
