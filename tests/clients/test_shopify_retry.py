"""Backoff schedule, attempt counting and the per-request deadline."""

from __future__ import annotations

import random

import pytest

from clients.shopify_errors import ShopifyRetriesExhausted, ShopifyTransientError
from clients.shopify_retry import RetryPolicy, RetryState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def server_error() -> ShopifyTransientError:
    return ShopifyTransientError("Shopify had a server error (HTTP 500).", kind="http_5xx")


def test_backoff_doubles_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(base=0.5, cap=3.0, jitter=0.0)
    rng = random.Random(1)
    assert [policy.backoff(n, rng) for n in range(1, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_jitter_only_shortens_and_is_reproducible_with_a_seed() -> None:
    policy = RetryPolicy(base=1.0, cap=60.0, jitter=0.5, seed=7)
    first = [policy.backoff(n, random.Random(policy.seed)) for n in range(1, 6)]
    again = [policy.backoff(n, random.Random(policy.seed)) for n in range(1, 6)]
    assert first == again
    for n, delay in enumerate(first, start=1):
        assert 0.5 * 2 ** (n - 1) <= delay <= 2 ** (n - 1)


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base": -1.0}, {"cap": -1.0}, {"jitter": 1.5}, {"jitter": -0.1}]
)
def test_invalid_policies_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_failures_use_up_max_attempts_and_name_the_operation() -> None:
    state = RetryState("orders page 3", RetryPolicy(max_attempts=3, jitter=0), 900, Clock(), random.Random(0))
    for _ in range(2):
        state.attempts += 1
        assert state.next_delay(server_error(), None) > 0
    state.attempts += 1
    with pytest.raises(ShopifyRetriesExhausted) as caught:
        state.next_delay(server_error(), None)
    message = str(caught.value)
    assert "orders page 3" in message
    assert "3 attempt(s)" in message
    assert "HTTP 500" in message
    assert caught.value.retriable is False


def test_rate_limits_do_not_use_up_attempts_but_respect_the_deadline() -> None:
    clock = Clock()
    state = RetryState("orders page 1", RetryPolicy(max_attempts=2), 10.0, clock, random.Random(0))
    for _ in range(20):
        state.attempts += 1
        assert state.next_delay(ShopifyTransientError("429", kind="http_429", retry_after=0.2), 0.2) == 0.2
        clock.now += 0.2
    clock.now += 6.0
    state.attempts += 1
    with pytest.raises(ShopifyRetriesExhausted, match="21 attempt"):
        state.next_delay(ShopifyTransientError("429", kind="http_429", retry_after=2.0), 2.0)


def test_throttled_with_a_known_cost_leaves_the_wait_to_the_budget() -> None:
    error = ShopifyTransientError("Throttled", kind="throttled")
    error.requested_cost = 752
    state = RetryState("orders", RetryPolicy(), 60, Clock(), random.Random(0))
    assert state.next_delay(error, None) == 0.0
    blind = ShopifyTransientError("Throttled", kind="throttled")
    assert state.next_delay(blind, None) > 0.0  # no cost to wait on: back off instead of spinning


def test_a_delay_that_would_pass_the_deadline_gives_up_now() -> None:
    state = RetryState("orders count", RetryPolicy(base=5.0, jitter=0), 3.0, Clock(), random.Random(0))
    state.attempts = 1
    with pytest.raises(ShopifyRetriesExhausted, match="orders count"):
        state.next_delay(server_error(), None)
