"""Leases: overlapping windows refused, SQLite's one run per line, expiry and takeover, renew, release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shoplines.state.store import LeaseHeld, LeaseLost, StateError, StateStore
from tests.state.conftest import StepClock
from tests.state.factories import DEST, LINE, OTHER_SHOP, SHOP, order, plan, start

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = (T0, T0 + timedelta(days=1))
OVERLAPPING = (T0 + timedelta(hours=12), T0 + timedelta(hours=36))
NEXT_DAY = (T0 + timedelta(days=1), T0 + timedelta(days=2))  # half-open: touches DAY, does not overlap
TTL = timedelta(minutes=5)
SQLITE_HINT = (
    r"; SQLite allows one run per line at a time; "
    r"use PostgreSQL \(SHOPLINES_DATABASE_URL\) for several workers$"
)


def is_sqlite(store: StateStore) -> bool:
    return store.engine.dialect.name == "sqlite"


def test_an_overlapping_window_is_refused_naming_the_holder(store: StateStore) -> None:
    held = store.acquire_lease(SHOP, LINE, *DAY, holder="scheduled", ttl=TTL)
    assert (held.shop_id, held.line, held.holder, held.run_id) == (SHOP, LINE, "scheduled", None)
    assert (held.window_start, held.window_end, held.expires_at - held.acquired_at) == (*DAY, TTL)

    with pytest.raises(LeaseHeld) as refused:
        store.acquire_lease(SHOP, LINE, *OVERLAPPING, holder="backfill", ttl=TTL)
    assert str(refused.value) == (
        f"{LINE} of {SHOP} is leased to 'scheduled' for the window "
        f"[2026-11-01T00:00:00+00:00, 2026-11-02T00:00:00+00:00) until {held.expires_at.isoformat()}"
    )
    assert refused.value.lease == held
    assert store.leases(SHOP, LINE) == [held]
    # other shops and other lines are independent
    store.acquire_lease(OTHER_SHOP, LINE, *OVERLAPPING, holder="backfill", ttl=TTL)
    store.acquire_lease(SHOP, "refunds-to-accounting", *OVERLAPPING, holder="backfill", ttl=TTL)


def test_disjoint_windows_run_together_on_postgresql_but_not_on_sqlite(store: StateStore) -> None:
    first = store.acquire_lease(SHOP, LINE, *DAY, holder="scheduled", ttl=TTL)
    if is_sqlite(store):
        with pytest.raises(
            LeaseHeld, match=r"^orders-to-warehouse of .* leased to 'scheduled'.*" + SQLITE_HINT
        ):
            store.acquire_lease(SHOP, LINE, *NEXT_DAY, holder="backfill", ttl=TTL)
        assert store.leases(SHOP, LINE) == [first]
    else:
        second = store.acquire_lease(SHOP, LINE, *NEXT_DAY, holder="backfill", ttl=TTL)
        assert store.leases(SHOP, LINE) == [first, second]
        with pytest.raises(LeaseHeld, match="leased to 'scheduled'") as refused:  # overlaps both
            store.acquire_lease(SHOP, LINE, *OVERLAPPING, holder="third", ttl=TTL)
        assert "SQLite" not in str(refused.value)


def test_an_expired_lease_is_taken_over(store: StateStore, clock: StepClock) -> None:
    crashed_run = start(store)
    store.record_file_intent(plan("ORD-1.csv", order(1)), crashed_run)  # then the process was killed
    crashed = store.acquire_lease(SHOP, LINE, *DAY, holder="crashed", ttl=TTL, run_id=crashed_run)
    clock.now = crashed.expires_at  # expiry is exclusive: the lease is over at expires_at
    assert [r.status for r in store.runs(SHOP, LINE)] == ["running"]  # nobody has taken it over yet
    assert store.unresolved_files(SHOP, DEST) == []  # ... and the run is younger than stale_after

    taker = store.acquire_lease(SHOP, LINE, *OVERLAPPING, holder="backfill", ttl=TTL)
    assert store.leases(SHOP, LINE) == [taker]
    [run] = store.runs(SHOP, LINE)
    assert (run.status, run.message) == (
        "abandoned",
        "abandoned: its lease expired and was taken over by 'backfill'",
    )
    assert [f.file_name for f in store.unresolved_files(SHOP, DEST)] == ["ORD-1.csv"]  # settle it first
    with pytest.raises(
        LeaseLost, match=r"lease of 'crashed' .* is gone .* stop before any further side effect"
    ):
        store.renew_lease(crashed, TTL)
    store.release_lease(crashed)  # a no-op: it is not theirs to release any more
    assert store.leases(SHOP, LINE) == [taker]


def test_a_refused_request_takes_nothing_over(store: StateStore, clock: StepClock) -> None:
    first_run, second_run = start(store), start(store)
    lapsing = store.acquire_lease(SHOP, LINE, *DAY, holder="worker", ttl=TTL, run_id=first_run)
    store.acquire_lease(SHOP, LINE, *NEXT_DAY, holder="worker", ttl=timedelta(hours=1), run_id=second_run)
    clock.now = lapsing.expires_at
    with pytest.raises(LeaseHeld, match="leased to 'worker' for the window \\[2026-11-02"):
        store.acquire_lease(SHOP, LINE, *OVERLAPPING, holder="third", ttl=TTL)
    assert [r.status for r in store.runs(SHOP, LINE)] == ["running", "running"]
    assert store.renew_lease(lapsing, TTL).lease_id == lapsing.lease_id  # still there to renew


def test_renew_keeps_others_out_and_release_lets_them_in(store: StateStore, clock: StepClock) -> None:
    lease = store.acquire_lease(SHOP, LINE, *DAY, holder="scheduled", ttl=TTL)
    clock.now += timedelta(minutes=4)
    renewed = store.renew_lease(lease, TTL)
    assert renewed.expires_at == clock.now + TTL
    assert (renewed.lease_id, renewed.acquired_at) == (lease.lease_id, lease.acquired_at)
    clock.now += timedelta(minutes=3)  # past the first expiry, within the renewed one
    with pytest.raises(LeaseHeld):
        store.acquire_lease(SHOP, LINE, *DAY, holder="backfill", ttl=TTL)

    store.release_lease(renewed)
    store.release_lease(renewed)  # idempotent
    assert store.leases(SHOP, LINE) == []
    assert store.acquire_lease(SHOP, LINE, *DAY, holder="backfill", ttl=TTL).holder == "backfill"


def test_a_lapsed_lease_nobody_took_can_be_renewed(store: StateStore, clock: StepClock) -> None:
    lease = store.acquire_lease(SHOP, LINE, *DAY, holder="slow", ttl=TTL)
    clock.now += timedelta(hours=1)
    assert store.leases(SHOP, LINE) == []
    assert store.renew_lease(lease, TTL).expires_at == clock.now + TTL
    assert [held.lease_id for held in store.leases(SHOP, LINE)] == [lease.lease_id]


def test_the_same_holder_gets_its_lease_back(store: StateStore, clock: StepClock) -> None:
    run_id = start(store)
    lease = store.acquire_lease(SHOP, LINE, *DAY, holder="flow-run-1", ttl=TTL, run_id=run_id)
    again = store.acquire_lease(SHOP, LINE, *DAY, holder="flow-run-1", ttl=TTL)  # e.g. a task retry
    assert (again.lease_id, again.run_id) == (lease.lease_id, run_id)
    assert again.expires_at == clock.now + TTL > lease.expires_at
    # a holder never blocks itself, even on an overlapping window
    other = store.acquire_lease(SHOP, LINE, *OVERLAPPING, holder="flow-run-1", ttl=TTL)
    assert other.lease_id != lease.lease_id
    assert len(store.leases(SHOP, LINE)) == 2


def test_bad_lease_requests_are_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.acquire_lease(SHOP, LINE, datetime(2026, 11, 1), DAY[1], holder="h", ttl=TTL)  # noqa: DTZ001
    with pytest.raises(ValueError, match="non-empty window"):
        store.acquire_lease(SHOP, LINE, DAY[0], DAY[0], holder="h", ttl=TTL)
    with pytest.raises(ValueError, match="positive ttl"):
        store.acquire_lease(SHOP, LINE, *DAY, holder="h", ttl=timedelta(0))
    with pytest.raises(StateError, match="unknown run"):
        store.acquire_lease(SHOP, LINE, *DAY, holder="h", ttl=TTL, run_id="no-such-run")
    lease = store.acquire_lease(SHOP, LINE, *DAY, holder="h", ttl=TTL)
    with pytest.raises(ValueError, match="positive ttl"):
        store.renew_lease(lease, -TTL)
    assert store.leases(SHOP, LINE) == [lease]


def test_a_person_breaks_a_stuck_lease_of_their_own_shop_only(store: StateStore) -> None:
    run = start(store)
    held = store.acquire_lease(SHOP, LINE, *DAY, holder="stuck", ttl=TTL, run_id=run)
    with pytest.raises(StateError, match="no lease"):
        store.break_lease(OTHER_SHOP, held.lease_id, by="sipho", note="wrong shop")
    assert store.break_lease(SHOP, held.lease_id, by="sipho", note="worker hung") == held
    assert store.leases(SHOP, LINE) == []
    [record] = store.runs(SHOP, LINE)
    assert (record.status, record.message) == ("abandoned", "abandoned: lease released by sipho: worker hung")
    with pytest.raises(LeaseLost):
        store.renew_lease(held, TTL)
    with pytest.raises(StateError, match="no lease"):
        store.break_lease(SHOP, held.lease_id, by="sipho", note="twice")
    store.acquire_lease(SHOP, LINE, *OVERLAPPING, holder="next", ttl=TTL)
