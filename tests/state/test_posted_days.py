"""Daily summaries count as in the books only once posted: one left as intent or refused is made again."""

from __future__ import annotations

from datetime import date

from flows.orders_to_accounting import LINE, posted_days
from shoplines.state.records import PostingPlan
from shoplines.state.store import StateStore
from tasks.accounting_summaries import PostedDay
from tests.state.factories import SHOP, WINDOW


def summary(number: str, *orders: str) -> PostingPlan:
    return PostingPlan(LINE, "xero", "invoice", number, orders, number, "2026-10-21", f"hash {number}", 100,
                       "policy")  # fmt: skip


def test_only_posted_summaries_freeze_their_day(store: StateStore) -> None:
    run = store.start_run(SHOP, LINE, "processed", *WINDOW, {})
    posted = store.record_posting_intent(SHOP, summary("ZA-D-20261021-PAYFAST", "1", "2"), run)
    store.mark_posting(posted.id, status="posted", external_id="x1")
    store.record_posting_intent(SHOP, summary("ZA-D-20261022-YOCO", "3"), run)  # the run died here
    refused = store.record_posting_intent(SHOP, summary("ZA-D-20261023-OZOW", "4"), run)
    store.mark_posting(refused.id, status="failed", message="Xero refused it")
    assert posted_days(store, SHOP) == {(date(2026, 10, 21), "PAYFAST"): PostedDay(frozenset({"1", "2"}), 1)}
