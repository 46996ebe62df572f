"""What people are told about a run: failures in plain words, contract alerts and checkpoints, journal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clients.sftp import SftpHostKeyError, SftpTransientError
from clients.shopify_errors import ShopifyAuthError, ShopifyRetriesExhausted
from shoplines.lines import contract
from shoplines.state.records import LeaseHeld, QuarantineRecord
from tasks import problems
from tasks.extract import PartlyDelivered, ShopifyIncomplete
from tasks.journal import journal_rows
from tasks.record import outside_contract
from tasks.warehouse_file import build_files, warehouse_rows
from tests.support.payloads import order
from tests.tasks.test_warehouse_line import Sent, plan

BUILT = datetime(2026, 10, 27, 6, 0, tzinfo=UTC)
CONTRACT = contract("orders-to-warehouse")


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (ShopifyAuthError("Shopify rejected the access token (HTTP 401)"), "ask the shop owner to reinstall"),
        (
            ShopifyRetriesExhausted("OrdersPage page 3", 4, 9.5, RuntimeError("HTTP 503")),
            "The next scheduled run tries again",
        ),
        (ShopifyIncomplete("Shopify counts 40 but only 38 arrived"), "fewer orders than it counts"),
        (SftpHostKeyError("host key changed"), "confirm the key with the 3PL"),
        (SftpTransientError("connection reset"), "Files already confirmed stay delivered"),
        (LeaseHeld("held by 'scheduled'", None), "Another run is working on this window"),  # type: ignore[arg-type]
        (RuntimeError("boom"), "An engineer should look"),
    ],
)
def test_a_failed_run_says_what_to_do_by_kind_of_failure(exc: Exception, words: str) -> None:
    problem = problems.failure(exc, "shop days 2026-11-01 to 2026-11-01")
    assert problem.key == f"{problems.FAILED}:scheduled"
    assert problem.title == "the run for shop days 2026-11-01 to 2026-11-01 failed"
    assert problem.what.startswith(f"{type(exc).__name__}: ")
    assert words in problem.next_step


def quarantined(n: int, name: str, reason: str) -> QuarantineRecord:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    gid = f"gid://shopify/Order/{n}"
    return QuarantineRecord(n, "s", "orders-to-warehouse", "r", gid, name, reason, {}, now, None, None)


def test_quarantine_is_one_problem_listing_the_orders_and_nothing_when_empty() -> None:
    assert problems.quarantine([]) is None
    rows = [quarantined(i, f"#{1000 + i}", "sku: failed not_nullable") for i in range(12)]
    problem = problems.quarantine(rows)
    assert problem is not None
    assert problem.title == "12 order(s) could not be sent: their data failed checks"
    assert "#1000, #1001" in problem.what
    assert problem.what.count("#") == 10  # ten named, the rest counted
    assert "and 2 more" in problem.what
    assert problem.counts == {"orders in quarantine": 12}


def test_an_inexact_count_is_a_problem_and_an_exact_one_is_not() -> None:
    assert problems.count_unchecked("EXACT", 40, "w") is None
    problem = problems.count_unchecked("AT_LEAST", 10000, "shop days 2026-01-01 to 2026-03-31")
    assert problem is not None
    assert "at least 10000" in problem.what


def test_a_cancel_after_delivery_is_announced_and_a_held_order_needs_a_person() -> None:
    first, _ = plan([order(1001), order(1002)])
    sent = {row.order_id: Sent(row.content_hash, "NEW") for row in first.itertuples()}
    cancelled = order(1001, cancelledAt="2026-10-15T00:00:00Z", displayFinancialStatus="REFUNDED")
    owing = order(1002, displayFinancialStatus="PARTIALLY_PAID", tags=["x"], shippingAddress=None)
    planned, _ = plan([cancelled, owing, order(1003)], sent)
    assert dict(zip(planned["order_name"], planned["action"].astype(str), strict=True)) == {
        "#1001": "CANCEL", "#1002": "HELD", "#1003": "NEW",
    }  # fmt: skip
    raised, cleared = problems.transitions(planned, CONTRACT)
    by_kind = {p.kind: p for p in raised}
    assert by_kind["event"].key.startswith(f"{problems.CANCELLED}{first.iloc[0]['order_id']}:")
    assert (
        by_kind["event"].title
        == "#1001: cancelled after it reached the warehouse -- check the parcel has not left"
    )
    assert by_kind["problem"].key == f"{problems.HELD}{first.iloc[1]['order_id']}"
    assert "a person decides" in by_kind["problem"].what
    assert set(cleared) == {f"{problems.HELD}{oid}" for oid in planned["order_id"]} - {by_kind["problem"].key}


def test_journal_rows_say_where_each_order_went_and_skip_unchanged_ones() -> None:
    first, _ = plan([order(1001)])
    sent = {first.iloc[0]["order_id"]: Sent(first.iloc[0]["content_hash"], "NEW")}
    planned, ship = plan([order(1001), order(1002), order(1003, test=True)], sent)
    files = build_files.fn(warehouse_rows.fn(planned, ship, "Africa/Johannesburg"), 5000, "ORD", "s", BUILT)
    rows = {r.entity_name: r for r in journal_rows(planned, files)}
    assert set(rows) == {"#1002", "#1003"}  # #1001 is unchanged: no entry
    assert rows["#1002"].stage == "mapped"
    assert rows["#1002"].summary.endswith(f"mapped to NEW in {files[0].name}, lines 2-3")
    assert rows["#1002"].detail["file"] == files[0].name
    assert (rows["#1003"].stage, rows["#1003"].summary.split(": ", 1)[1]) == (
        "skipped", "not for the warehouse: test order",
    )  # fmt: skip


def test_a_transition_the_contract_does_not_list_is_held_back_not_sent() -> None:
    planned, _ = plan([order(1001), order(1002)])
    narrower = CONTRACT.model_copy(
        update={"transitions": {k: v for k, v in CONTRACT.transitions.items() if k != "NEW"}}
    )
    kept, refused = outside_contract(planned, narrower, {o["id"]: o for o in [order(1001)]})
    assert kept.empty
    assert [(r.entity_name, r.reason) for r in refused] == [
        ("#1001", "transition NEW is not in the orders-to-warehouse contract"),
        ("#1002", "transition NEW is not in the orders-to-warehouse contract"),
    ]
    assert refused[0].payload == order(1001)
    assert outside_contract(planned, CONTRACT, {})[0].equals(planned)


def test_a_successful_run_clears_only_the_failures_it_covers() -> None:
    backfill = problems.run_key("2026-03-01", "2026-03-10", "processed", incremental=False)
    assert backfill == "processed:2026-03-01:2026-03-10"
    open_keys = {
        "run-failed:scheduled",
        "run-failed:processed:2026-03-02:2026-03-03",
        "run-failed:processed:2026-02-27:2026-03-02",
        "run-failed:updated:2026-03-02:2026-03-03",
    }
    assert sorted(problems.cleared_failures(open_keys, backfill)) == [
        "run-failed:processed:2026-03-01:2026-03-10",
        "run-failed:processed:2026-03-02:2026-03-03",
    ]  # the scheduled failure and ranges it does not cover stay open
    assert problems.cleared_failures(open_keys, "scheduled") == ["run-failed:scheduled"]


def test_ranges_inside_reads_only_keys_of_its_prefix_with_a_day_range() -> None:
    keys = {
        "line:2026-03-02:2026-03-03",
        "line:2026-02-27:2026-03-02",
        "other:2026-03-02:2026-03-03",
        "line:x",
    }
    assert problems.ranges_inside(keys, "line:", "2026-03-01", "2026-03-10") == ["line:2026-03-02:2026-03-03"]


def partly(cause: Exception) -> PartlyDelivered:
    try:
        raise PartlyDelivered("July: 3 part(s) were delivered") from cause
    except PartlyDelivered as exc:
        return exc


def test_a_failure_after_some_parts_were_delivered_never_says_nothing_was_sent() -> None:
    read = problems.failure(
        partly(ShopifyRetriesExhausted("BulkOperation", 4, 9.5, RuntimeError("HTTP 503"))),
        "July",
        "scheduled",
    )
    assert read.next_step == problems.PARTLY_SENT
    assert "Nothing" not in read.next_step
    short = problems.failure(partly(ShopifyIncomplete("counts 5,000 but 4,990 came")), "July", "scheduled")
    assert short.next_step == problems.PARTLY_SENT
    sftp = problems.failure(partly(SftpHostKeyError("host key changed")), "July", "scheduled")
    assert sftp.next_step.startswith(problems.PARTLY_SENT)
    assert "confirm the key with the 3PL" in sftp.next_step  # the cause's own advice follows
    assert problems.failure(
        ShopifyRetriesExhausted("OrdersPage", 4, 9.5, RuntimeError("HTTP 503")), "July"
    ).next_step.startswith("Nothing")
