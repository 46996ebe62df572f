"""Runs and quarantine round trips, and UTC timestamps throughout."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shoplines.state.store import QuarantineRow, StateConflict, StateError, StateStore
from tests.state.conftest import StepClock
from tests.state.factories import LINE, OTHER_SHOP, SHOP, WINDOW, deliver, order, plan, start

JHB = ZoneInfo("Africa/Johannesburg")


def test_run_round_trip(store: StateStore, clock: StepClock) -> None:
    run_id = store.start_run(
        SHOP, LINE, "updated", *WINDOW, {"by": "updated", "dry_run": False}, prefect_flow_run_id="f-1"
    )
    [running] = store.runs(SHOP, LINE)
    assert (running.run_id, running.status, running.selector, running.counts) == (
        run_id,
        "running",
        "updated",
        {},
    )
    assert (running.params, running.prefect_flow_run_id, running.finished_at) == (
        {"by": "updated", "dry_run": False}, "f-1", None,
    )  # fmt: skip

    store.finish_run(run_id, "failed", {"received": 3, "files": 0}, "SFTP refused the login")
    [failed] = store.runs(SHOP, LINE)
    assert (failed.status, failed.counts, failed.message) == (
        "failed",
        {"received": 3, "files": 0},
        "SFTP refused the login",
    )
    assert failed.finished_at == clock.now
    assert failed.started_at < failed.finished_at


def test_runs_newest_first_with_a_limit(store: StateStore) -> None:
    ids = [start(store) for _ in range(4)]
    start(store, OTHER_SHOP)
    assert [r.run_id for r in store.runs(SHOP, LINE)] == ids[::-1]
    assert [r.run_id for r in store.runs(SHOP, LINE, limit=2)] == ids[:1:-1]
    assert store.runs(SHOP, "refunds-to-accounting") == []
    chosen = store.start_run(SHOP, LINE, "processed", *WINDOW, {}, run_id="run-chosen-by-caller")
    assert chosen == "run-chosen-by-caller"
    assert store.runs(SHOP, LINE, limit=1)[0].run_id == chosen
    with pytest.raises(StateConflict, match="already exists"):
        store.start_run(SHOP, LINE, "processed", *WINDOW, {}, run_id="run-chosen-by-caller")


def test_bad_run_input_is_refused(store: StateStore) -> None:
    run_id = start(store)
    with pytest.raises(ValueError, match="finishes as one of"):
        store.finish_run(run_id, "running", {})
    with pytest.raises(ValueError, match="integers"):
        store.finish_run(run_id, "completed", {"rows": 1.5})  # type: ignore[dict-item]
    with pytest.raises(StateError, match="unknown run"):
        store.finish_run("no-such-run", "completed", {})
    with pytest.raises(ValueError, match="before it starts"):
        store.start_run(SHOP, LINE, "processed", WINDOW[1], WINDOW[0], {})
    with pytest.raises(ValueError, match="timezone-aware"):
        store.start_run(SHOP, LINE, "processed", datetime(2026, 11, 1), datetime(2026, 11, 2), {})  # noqa: DTZ001
    assert [r.status for r in store.runs(SHOP, LINE)] == ["running"]


def test_quarantine_round_trip(store: StateStore) -> None:
    run_id = start(store)
    rows = [
        QuarantineRow(
            "gid://shopify/Order/7", "#1007", "line without SKU", {"lines": [{"sku": None, "qty": 2}]}
        ),
        QuarantineRow(None, None, "order without id", {"raw": "…", "total": "R 1 234,50"}),
    ]
    assert store.quarantine_rows(SHOP, LINE, run_id, rows) == 2
    assert store.quarantine_rows(SHOP, LINE, run_id, []) == 0

    held = store.open_quarantine(SHOP, LINE)
    assert [(q.entity_id, q.entity_name, q.reason, q.payload) for q in held] == [
        (r.entity_id, r.entity_name, r.reason, r.payload) for r in rows
    ]
    assert {(q.shop_id, q.line, q.run_id, q.resolved_at) for q in held} == {(SHOP, LINE, run_id, None)}
    assert store.open_quarantine(OTHER_SHOP, LINE) == []

    store.resolve_quarantine(SHOP, held[0].id, "SKU added in Shopify; re-sent")
    assert [q.id for q in store.open_quarantine(SHOP, LINE)] == [held[1].id]
    with pytest.raises(StateConflict, match="already resolved"):
        store.resolve_quarantine(SHOP, held[0].id, "again")
    with pytest.raises(StateError, match="no quarantined record"):
        store.resolve_quarantine(OTHER_SHOP, held[1].id, "not theirs")
    with pytest.raises(StateError, match="unknown run"):
        store.quarantine_rows(SHOP, LINE, "no-such-run", rows)


def test_json_documents_keep_money_exact(store: StateStore) -> None:
    run_id = store.start_run(
        SHOP, LINE, "processed", *WINDOW, {"from": date(2026, 11, 1), "limit": Decimal("0.10")}
    )
    row = QuarantineRow("gid://shopify/Order/7", "#1007", "total mismatch", {"total": Decimal("1234.50")})
    store.quarantine_rows(SHOP, LINE, run_id, [row])
    assert store.open_quarantine(SHOP, LINE)[0].payload == {"total": "1234.50"}
    assert store.runs(SHOP, LINE)[0].params == {"from": "2026-11-01", "limit": "0.10"}
    with pytest.raises(TypeError, match="cannot store set"):
        store.quarantine_rows(SHOP, LINE, run_id, [QuarantineRow(None, None, "x", {"bad": {1, 2}})])
    assert len(store.open_quarantine(SHOP, LINE)) == 1


def test_timestamps_come_back_timezone_aware_utc(db_url: str) -> None:
    clock = StepClock(now=datetime(2026, 11, 1, 10, 0, tzinfo=JHB), step=timedelta(minutes=1))
    with StateStore.open(db_url, clock=clock) as store:
        window = (datetime(2026, 11, 1, tzinfo=JHB), datetime(2026, 11, 2, tzinfo=JHB))
        run_id = store.start_run(SHOP, LINE, "processed", *window, {})
        deliver(store, run_id, plan("ORD-1.csv", order(1)))
        store.quarantine_rows(SHOP, LINE, run_id, [QuarantineRow("gid://shopify/Order/2", "#2", "bad", {})])
        store.finish_run(run_id, "completed", {"files": 1})

        [run] = store.runs(SHOP, LINE)
        [file] = store.files(SHOP, "warehouse-sftp")
        [held] = store.open_quarantine(SHOP, LINE)
        delivered = store.delivered_versions(SHOP, LINE, "warehouse-sftp", ["gid://shopify/Order/1"])
        stamps = [run.window_start, run.window_end, run.started_at, run.finished_at, file.created_at]
        stamps += [file.delivered_at, held.created_at, delivered["gid://shopify/Order/1"].delivered_at]
    assert all(stamp is not None and stamp.tzinfo is UTC for stamp in stamps)
    assert run.window_start == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    assert (run.window_start, run.window_end) == window
    assert run.started_at == datetime(2026, 11, 1, 8, 1, tzinfo=UTC)
