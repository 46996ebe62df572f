"""A 2,000+ order pull at Standard limits on a fast sandbox clock: paced by cost, not by THROTTLED."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from clients.shopify_budget import ThrottleBudget
from clients.shopify_sizing import MAX_QUERY_COST
from clients.shopify_windows import OrderWindow
from tests.clients.shopify_sandbox import SCALE, Shop, in_window, running_shop

ORDERS = 2000


@pytest.fixture(scope="module")
def module_shop() -> Iterator[Shop]:
    with running_shop(seed=21, orders=ORDERS, plan="standard") as shop:
        yield shop


@pytest.fixture
def shop(module_shop: Shop) -> Shop:
    module_shop.reset()
    return module_shop


def throttled(log: list[dict[str, Any]]) -> int:
    return sum("THROTTLED" in r["errors"] for r in log)


def test_a_large_pull_is_paced_by_the_budget(shop: Shop) -> None:
    """The sandbox clock is frozen and only moves when the budget sleeps, so pacing is deterministic."""
    window = OrderWindow(shop.clock.start - timedelta(days=150), shop.clock.start)
    waits: list[float] = []

    def sandbox_seconds() -> float:
        return shop.clock.seconds_since(shop.clock.start)

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        shop.clock.advance(math.ceil(seconds * 1e6 + 1) / 1e6)  # the clock keeps microseconds

    budget = ThrottleBudget(clock=sandbox_seconds, sleep=sleep)
    client = shop.client(budget=budget, deadline=120.0)
    shop.clock.set_scale(0)
    try:
        with client:
            orders = client.fetch_orders(window)
    finally:
        shop.clock.set_scale(SCALE)
    log = shop.requests()
    assert len(orders) == ORDERS
    assert sorted(o["id"] for o in orders) == sorted(o["id"] for o in shop.truth())
    assert throttled(log) == 0, f"{throttled(log)} THROTTLED answers in {len(log)} requests"
    assert all(r["status"] == 200 for r in log)
    assert all(r["requested_cost"] <= MAX_QUERY_COST for r in log)
    spent = sum(r["actual_cost"] or 0 for r in log)
    assert spent > 50_000  # 25 bucketfuls: with a frozen clock the pull only finishes if it is paced
    assert len(waits) > 20  # and the budget did the pacing, not THROTTLED answers
    assert sum(waits) * 100 >= spent - 2_000  # it waited for every point beyond the first full bucket
    assert not [e for e in shop.events if e.kind in ("throttled", "retry")]


def test_threads_sharing_one_budget_do_not_trip_the_throttle(shop: Shop) -> None:
    start = shop.clock.start
    windows = [  # ~400 orders: enough for dozens of overlapping requests, cheap enough to run
        OrderWindow(start - timedelta(days=6), start - timedelta(days=3)),
        OrderWindow(start - timedelta(days=3), start),
    ]
    budget = ThrottleBudget(time_scale=shop.clock.scale)
    results: dict[int, list[str]] = {}
    failures: list[BaseException] = []

    def pull(index: int) -> None:
        try:
            with shop.client(budget=budget) as client:
                results[index] = [o["id"] for o in client.fetch_orders(windows[index])]
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=pull, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    for index, w in enumerate(windows):
        assert sorted(results[index]) == sorted(o["id"] for o in shop.truth() if in_window(o, w.start, w.end))
    log = shop.requests()
    assert throttled(log) <= 4, f"{throttled(log)} THROTTLED answers in {len(log)} requests"
