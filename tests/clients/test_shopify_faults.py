"""Every sandbox fault kind is either recovered from or fails loudly, within the deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from clients.shopify_errors import ShopifyRetriesExhausted
from clients.shopify_retry import RetryPolicy
from clients.shopify_windows import OrderWindow
from tests.clients.shopify_sandbox import Shop, in_window, running_shop


@pytest.fixture(scope="module")
def module_shop() -> Iterator[Shop]:
    with running_shop(seed=9, orders=120) as shop:
        yield shop


@pytest.fixture
def shop(module_shop: Shop) -> Shop:
    module_shop.reset()
    return module_shop


def window(shop: Shop) -> OrderWindow:
    return OrderWindow(shop.clock.start - timedelta(days=150), shop.clock.start)


def expected_ids(shop: Shop) -> list[str]:
    w = window(shop)
    return sorted(o["id"] for o in shop.truth() if in_window(o, w.start, w.end))


def pull(shop: Shop, **client_options: Any) -> list[str]:
    with shop.client(**client_options) as client:
        return sorted(o["id"] for o in client.fetch_orders(window(shop)))


def faulted(shop: Shop) -> list[dict[str, Any]]:
    return [r for r in shop.requests() if r["fault"]]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_mid_paging_are_retried_and_nothing_is_skipped(shop: Shop, status: int) -> None:
    shop.fault(kind="http_error", status=status, operation="OrdersPage", after=3, times=2)
    assert pull(shop) == expected_ids(shop)
    hits = faulted(shop)
    assert [r["status"] for r in hits] == [status, status]
    assert [e.details["error"] for e in shop.events if e.kind == "retry"] == ["http_5xx", "http_5xx"]
    after_fault = shop.requests()[shop.requests().index(hits[-1]) + 1]
    assert after_fault["variables"]["after"] == hits[0]["variables"]["after"]  # same cursor, no gap


def test_large_pages_that_keep_failing_are_shrunk_until_they_pass(shop: Shop) -> None:
    # 5 is the largest nested `first` in the page query, so only the orders page size can trip it.
    shop.fault(kind="http_5xx_when_first_gt", threshold=5, status=500, operation="OrdersPage", times=None)
    assert pull(shop) == expected_ids(shop)
    pages = [r for r in shop.requests() if r["operation_name"] == "OrdersPage" and r["status"] == 200]
    assert max(r["variables"]["first"] for r in pages) <= 5
    assert len(pages) > 10
    shrunk = [e for e in shop.events if e.kind == "page_size_shrunk"]
    assert [e.details["size"] for e in shrunk] == [4]


def test_429_waits_for_retry_after_then_recovers(shop: Shop) -> None:
    shop.fault(kind="http_429", retry_after=3.0, operation="OrdersPage", after=1, times=3)
    assert pull(shop) == expected_ids(shop)
    assert [r["status"] for r in faulted(shop)] == [429, 429, 429]
    delays = [e.details["delay"] for e in shop.events if e.kind == "throttled"]
    assert delays == [pytest.approx(3.0 / shop.clock.scale)] * 3  # Retry-After is in shop seconds


def test_connection_resets_are_retried(shop: Shop) -> None:
    shop.fault(kind="reset", operation="OrdersPage", after=2, times=2)
    assert pull(shop) == expected_ids(shop)
    assert len(faulted(shop)) == 2
    assert [e.details["error"] for e in shop.events if e.kind == "retry"] == ["transport", "transport"]


def test_truncated_bodies_are_retried(shop: Shop) -> None:
    shop.fault(kind="truncated", operation="OrdersPage", after=2, times=2)
    assert pull(shop) == expected_ids(shop)
    assert len(faulted(shop)) == 2
    assert {e.details["error"] for e in shop.events if e.kind == "retry"} <= {"transport", "bad_body"}


def test_a_stall_past_the_timeout_is_abandoned_and_retried(shop: Shop) -> None:
    shop.fault(kind="stall", seconds=5.0, operation="OrdersPage", after=1, times=1)
    began = time.monotonic()
    assert pull(shop, timeout=0.5) == expected_ids(shop)
    assert time.monotonic() - began < 4.0
    assert [e.details["error"] for e in shop.events if e.kind == "retry"] == ["timeout"]


def test_throttled_answers_are_waited_out(shop: Shop) -> None:
    shop.fault(kind="throttled", operation="OrdersPage", after=1, times=3)
    assert pull(shop) == expected_ids(shop)
    assert [r["errors"] for r in faulted(shop)] == [["THROTTLED"]] * 3
    assert len([e for e in shop.events if e.kind == "throttled"]) == 3


def test_a_server_error_that_never_stops_exhausts_the_attempts(shop: Shop) -> None:
    shop.fault(kind="http_error", status=503, operation="OrdersPage", after=2, times=None)
    retry = RetryPolicy(max_attempts=4, base=0.01, cap=0.05, seed=1)
    with shop.client(retry=retry) as client, pytest.raises(ShopifyRetriesExhausted) as caught:
        client.fetch_orders(window(shop))
    error = caught.value
    assert (error.operation, error.attempts) == ("OrdersPage page 3", 4)
    assert "OrdersPage page 3" in str(error)
    assert "4 attempt(s)" in str(error)
    assert "HTTP 503" in str(error)
    assert shop.running.token not in str(error)


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "stall", "seconds": 5.0},
        {"kind": "http_429", "retry_after": 10.0},
        {"kind": "throttled"},
    ],
    ids=["stall", "http_429", "throttled"],
)
def test_a_fault_that_never_stops_ends_at_the_deadline(shop: Shop, rule: dict[str, Any]) -> None:
    shop.fault(**rule, operation="OrdersPage", after=1, times=None)
    patient = RetryPolicy(max_attempts=1000, base=0.01, cap=0.05, seed=2)
    began = time.monotonic()
    with (
        shop.client(timeout=0.3, deadline=1.5, retry=patient) as client,
        pytest.raises(ShopifyRetriesExhausted, match="OrdersPage page 2") as caught,
    ):
        client.fetch_orders(window(shop))
    elapsed = time.monotonic() - began
    # deadline + one in-flight timeout + set-up and a loaded machine's slack; without the deadline the
    # 1,000 patient attempts would take well over a minute
    assert elapsed < 1.5 + 0.3 + 4.0
    assert caught.value.attempts >= 2
