"""Orders and refunds → Xero killed (SIGKILL) at every accounting crash point, then run again: the books
end as a clean run's on an identical sandbox — every invoice, credit note and payment once, none missing."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from chaos.books import Books, connect_books, read_books
from chaos.check_books import check_books
from chaos.ops import abandon_killed_runs
from chaos.runner import window
from chaos.runs import KILLED, Launcher, Line, child_env
from chaos.sandbox import Sandbox
from shoplines.crashpoints import ACCOUNTING_POINTS

# the same seed, start and size give two identical stores; no SFTP or 3PL (the accounting lines need neither)
SERVE = [
    "--seed",
    "5",
    "--orders",
    "30",
    "--time-scale",
    "10",
    "--start",
    "2026-11-02T08:00:00Z",
    "--no-sftp",
]
ORDERS, REFUNDS = "orders-to-accounting", "refunds-to-accounting"


@pytest.fixture
def launcher(tmp_path: Path, prefect_server: None) -> Launcher:
    """Children forked from a server that preloaded shoplines, reporting to this session's Prefect."""
    from prefect.settings import PREFECT_API_URL

    started = Launcher(child_env(str(PREFECT_API_URL.value()), os.environ.get("PREFECT_HOME", str(tmp_path))))
    started.start()
    return started


@pytest.fixture
def sandboxes(tmp_path: Path) -> Iterator[tuple[Sandbox, Sandbox]]:
    """The sandbox the runs are killed on and an identical one for the clean reference run, both connected."""
    with (tmp_path / "sandbox.log").open("ab") as log, \
            Sandbox.start(tmp_path / "faulted", SERVE, log) as faulted, \
            Sandbox.start(tmp_path / "reference", SERVE, log) as reference:  # fmt: skip
        for sandbox in (faulted, reference):
            connect_books(sandbox.home, sandbox.description)
        yield faulted, reference


def line(launcher: Launcher, sandbox: Sandbox, command: str, days: tuple[date, date]) -> Line:
    return Line(launcher, sandbox.home, sandbox.home / "runs.log", days[0], days[1], command)


def clean_books(launcher: Launcher, reference: Sandbox, days: tuple[date, date], into: list[Books]) -> None:
    for command in (ORDERS, REFUNDS):
        assert line(launcher, reference, command, days).run(None, "reference")[0] == 0
    into.append(read_books(reference.description))


def test_a_run_killed_at_every_accounting_crash_point_then_rerun_posts_each_document_once(
    launcher: Launcher, sandboxes: tuple[Sandbox, Sandbox]
) -> None:
    faulted, reference = sandboxes
    orders = faulted.orders()
    first, last = window(orders, faulted.timezone)
    reference_books: list[Books] = []
    clean = threading.Thread(target=clean_books, args=(launcher, reference, (first, last), reference_books))
    clean.start()
    days = sorted(window([o], faulted.timezone)[0] for o in orders if o.get("processedAt"))
    thirds = days[len(days) // 3], days[2 * len(days) // 3]
    shop = str(faulted.description["shopify"]["shop"])
    rounds = [  # each kill leaves something new to post: a later window, or the refunds
        (ORDERS, thirds[0], ACCOUNTING_POINTS[0]),
        (ORDERS, thirds[1], ACCOUNTING_POINTS[1]),
        (ORDERS, last, ACCOUNTING_POINTS[2]),
        (REFUNDS, last, "after_payment_before_mark"),  # the credit notes are in, then their payments
    ]
    for command, to, point in rounds:
        run = line(launcher, faulted, command, (first, to))
        code, output = run.run(point, f"{command} to {to}")
        assert code == KILLED, f"{command} at {point}: exit {code}\n{output[-3000:]}"
        abandon_killed_runs(faulted.home, shop, command)
        code, output = run.run(None, f"{command} again")
        assert code == 0, f"{command} after {point}: exit {code}\n{output[-3000:]}"
        numbers = Counter(i["InvoiceNumber"] for i in read_books(faulted.description)["invoices"])
        assert max(numbers.values()) == 1, point
    clean.join(timeout=240)
    [expected] = reference_books
    books = read_books(faulted.description)
    verdict = check_books(books, expected)
    assert verdict.ok, verdict
    assert len(books["invoices"]) > 15
    assert len(books["credit_notes"]) > 0
    assert {p.get("CreditNote") is not None for p in books["payments"]} == {True, False}
