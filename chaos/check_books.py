"""The accounting verdict from the Xero sandbox's documents only: the faulted books against a clean run's.

Nothing here reads shoplines' ledger: what Xero holds is the ground truth of what was posted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from chaos.books import Books
from chaos.check import Verdict

Key = tuple[str, str]  # (kind, number): ("invoice", "ZA-1001"), ("credit note", "ZA-R-…")


def cents(amount: Any) -> int:
    """Money as the sandbox renders it (a JSON number with two decimals) in integer cents."""
    return int((Decimal(str(amount)) * 100).to_integral_value())


def documents(books: Books) -> list[tuple[Key, int]]:
    """Every invoice and credit note with its total, in cents (deleted and voided ones too)."""
    found = [(("invoice", str(i["InvoiceNumber"])), cents(i["Total"])) for i in books["invoices"]]
    return found + [
        (("credit note", str(n["CreditNoteNumber"])), cents(n["Total"])) for n in books["credit_notes"]
    ]


def payments(books: Books) -> dict[Key, list[int]]:
    """Per document, the amounts paid into it (invoice) or out of it (credit note), in cents."""
    paid: dict[Key, list[int]] = defaultdict(list)
    for payment in books["payments"]:
        if payment.get("Status") == "DELETED":
            continue
        if payment.get("Invoice"):
            key = ("invoice", str(payment["Invoice"]["InvoiceNumber"]))
        else:
            key = ("credit note", str(payment["CreditNote"]["CreditNoteNumber"]))
        paid[key].append(cents(payment["Amount"]))
    return paid


def allocations(books: Books) -> dict[Key, list[int]]:
    """Per credit note and invoice, the amounts of credit set against the invoice, in cents."""
    made: dict[Key, list[int]] = defaultdict(list)
    for allocation in books["allocations"]:
        pair = f"{allocation['CreditNote']['CreditNoteNumber']} to {allocation['Invoice']['InvoiceNumber']}"
        made[("allocation", pair)].append(cents(allocation["Amount"]))
    return made


def _money(
    found: dict[Key, list[int]], wanted: dict[Key, list[int]], what: str
) -> tuple[list[str], list[str]]:
    lost, twice = [], []
    for key in sorted(set(found) | set(wanted)):
        have, want = found.get(key, []), wanted.get(key, [])
        label = f"{key[0]} {key[1]}"
        if len(have) > len(want) or sum(have) > sum(want):
            twice.append(f"{label}: {what} {_amounts(have)}, the clean run {_amounts(want)}")
        elif sum(have) < sum(want):
            lost.append(f"{label}: {what} {_amounts(have)}, the clean run {_amounts(want)}")
    return lost, twice


def _amounts(values: Iterable[int]) -> str:
    shown = [f"{Decimal(v) / 100:.2f}" for v in values]
    return " + ".join(shown) if shown else "nothing"


def check_books(faulted: Books, reference: Books) -> Verdict:
    """Lost: a document of the clean run missing or with another total, money paid or credited short.
    Duplicated: a number twice, a document the clean run did not post, money paid or credited twice."""
    have, want = documents(faulted), dict(documents(reference))
    counts = Counter(key for key, _ in have)
    totals = dict(have)
    lost = [
        f"{k[0]} {k[1]} ({Decimal(t) / 100:.2f}) is not in the books"
        for k, t in want.items()
        if k not in totals
    ]
    lost += [f"{k[0]} {k[1]}: total {Decimal(totals[k]) / 100:.2f}, the clean run {Decimal(t) / 100:.2f}"
             for k, t in want.items() if k in totals and totals[k] != t]  # fmt: skip
    twice = [f"{k[0]} {k[1]} is in the books {c} times" for k, c in counts.items() if c > 1]
    twice += [f"{k[0]} {k[1]} was not posted by the clean run" for k in counts if k not in want]
    for found, wanted, what in ((payments(faulted), payments(reference), "paid"),
                                (allocations(faulted), allocations(reference), "allocated")):  # fmt: skip
        short, extra = _money(found, wanted, what)
        lost, twice = lost + short, twice + extra
    return Verdict(lost, twice)
