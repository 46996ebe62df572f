"""ThrottleBudget arithmetic with an injected clock: waits only as long as the bucket needs."""

from __future__ import annotations

import threading

import pytest

from clients.shopify_budget import QueryCost, ThrottleBudget, query_cost


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def status(available: float, maximum: float = 2000.0, rate: float = 100.0, requested: int = 0) -> QueryCost:
    return QueryCost(
        requested=requested, actual=None, maximum=maximum, available=available, restore_rate=rate
    )


def budget(scale: float = 1.0) -> tuple[ThrottleBudget, FakeClock]:
    clock = FakeClock()
    return ThrottleBudget(time_scale=scale, clock=clock, sleep=clock.sleep), clock


def test_unknown_bucket_never_waits() -> None:
    b, clock = budget()
    assert b.available() is None
    assert b.acquire(1000).waited == 0.0
    assert clock.sleeps == []


def test_waits_exactly_the_refill_time_for_the_missing_points() -> None:
    b, clock = budget()
    b.observe(status(available=666, maximum=1000, rate=50))
    assert b.wait_needed(752) == pytest.approx((752 - 666) / 50)
    waited = b.acquire(752).waited
    assert waited == pytest.approx(1.72)
    assert clock.sleeps == [pytest.approx(1.72)]


def test_refill_since_last_answer_is_counted_and_capped_at_the_maximum() -> None:
    b, clock = budget()
    b.observe(status(available=100))
    clock.now += 5  # 5 s × 100 pts/s
    assert b.available() == pytest.approx(600)
    clock.now += 1000
    assert b.available() == pytest.approx(2000)
    assert b.acquire(900).waited == 0.0
    assert clock.sleeps == []


def test_acquire_reserves_the_cost_so_the_next_caller_waits() -> None:
    b, _clock = budget()
    b.observe(status(available=1000))
    assert b.acquire(800).waited == 0.0
    assert b.available() == pytest.approx(200)
    assert b.acquire(800).waited == pytest.approx(6.0)  # 600 missing / 100 per second


def test_an_answer_replaces_the_estimate_but_other_requests_in_flight_still_count() -> None:
    b, clock = budget()
    b.observe(status(available=2000))
    mine, theirs = b.acquire(970), b.acquire(970)
    assert b.available() == pytest.approx(60)
    b.observe(status(available=1200), mine)  # charged 970, refunded 800; theirs may not be charged yet
    assert b.available() == pytest.approx(1200 - 970)
    b.observe(status(available=1100), theirs)
    assert b.available() == pytest.approx(1100)
    clock.now += 100
    assert b.available() == pytest.approx(2000)


def test_a_released_reservation_without_an_answer_stays_charged_but_is_no_longer_in_flight() -> None:
    b, _clock = budget()
    b.observe(status(available=1500))
    lost, other = b.acquire(500), b.acquire(200)
    b.release(lost)
    b.release(lost)  # idempotent
    assert b.available() == pytest.approx(800)
    b.observe(status(available=900), other)  # nothing else in flight now
    b.release(other)  # already settled by its answer: no change
    assert b.available() == pytest.approx(900)


def test_cost_above_the_bucket_size_waits_only_for_a_full_bucket() -> None:
    b, _clock = budget()
    b.observe(status(available=0, maximum=1000, rate=50))
    assert b.wait_needed(5000) == pytest.approx(20.0)


def test_time_scale_divides_waits_and_speeds_up_refill() -> None:
    b, clock = budget(scale=10.0)
    b.observe(status(available=0))
    assert b.wait_needed(1000) == pytest.approx(1.0)  # 10 s of shop time
    clock.now += 0.5
    assert b.available() == pytest.approx(500)
    b.pause(2.0)
    assert clock.sleeps == [pytest.approx(0.2)]


def test_max_wait_bounds_the_wait() -> None:
    b, clock = budget()
    b.observe(status(available=0))
    assert b.acquire(1000, max_wait=3.0).waited == pytest.approx(3.0)
    assert sum(clock.sleeps) == pytest.approx(3.0)


def test_time_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        ThrottleBudget(time_scale=0)


def test_query_cost_reads_the_extensions_block() -> None:
    body = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 752,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": 666,
                    "restoreRate": 50.0,
                },
            }
        },
    }
    assert query_cost(body) == QueryCost(752, None, 1000.0, 666.0, 50.0)
    assert query_cost({"data": {}}) is None
    assert query_cost({"extensions": {"cost": {"requestedQueryCost": 1}}}) is None


def test_threads_sharing_a_budget_never_overdraw_it() -> None:
    """Eight threads each take 500 points from a 2,000 bucket refilling at 100/s: 2,000 must be waited for."""
    lock = threading.Lock()
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.sleep(seconds)

    shared = ThrottleBudget(clock=clock, sleep=sleep)
    shared.observe(status(available=2000))
    taken: list[object] = []

    def take() -> None:
        taken.append(shared.acquire(500))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 4,000 points taken, 2,000 were there: at least 20 s of refill had to pass.
    assert len(taken) == 8
    assert clock.now >= 20.0 - 1e-9
    left = shared.available()
    assert left is not None
    assert left >= -1e-6


class Ledger:
    """A shared budget that records what the client took and settled."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []

    def take(self, points: float) -> None:
        self.calls.append(("take", points, 0.0))

    def settle(self, taken: float, charged: float) -> None:
        self.calls.append(("settle", taken, charged))


def test_a_shared_budget_is_taken_before_pacing_and_settled_with_what_shopify_charged() -> None:
    ledger = Ledger()
    clock = FakeClock()
    shared = ThrottleBudget(clock=clock, sleep=clock.sleep, shared=ledger)
    reservation = shared.acquire(120)
    answer = QueryCost(requested=120, actual=40, maximum=2000, available=1960, restore_rate=100)
    shared.observe(answer, reservation)
    throttled = shared.acquire(900)
    shared.observe(status(available=10, requested=900), throttled)  # not run: nothing charged
    shared.release(shared.acquire(50))  # no answer: Shopify may have charged it, so it stays taken
    assert ledger.calls == [
        ("take", 120, 0.0), ("settle", 120, 40), ("take", 900, 0.0), ("settle", 900, 0), ("take", 50, 0.0)
    ]  # fmt: skip
