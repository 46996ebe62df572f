"""Retry policy for Shopify requests: exponential backoff with jitter inside one deadline."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from clients.shopify_errors import ShopifyRetriesExhausted, ShopifyTransientError


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one request is retried.

    Attributes:
        max_attempts: Attempts allowed for failures other than rate limits (429/THROTTLED are
            waited out until the deadline instead, since they mean "slow down", not "broken").
        base: Delay after the first failure, in seconds; doubles per failure.
        cap: Largest delay between attempts, in seconds.
        jitter: Fraction (0–1) of each delay that is randomised away, so clients sharing a
            shop do not retry in lockstep.
        seed: Seed for the jitter; None draws one from the OS (production), tests pass a number.
    """

    max_attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    jitter: float = 0.25
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base < 0 or self.cap < 0 or not 0 <= self.jitter <= 1:
            raise ValueError(f"invalid retry policy {self}")

    def backoff(self, failure: int, rng: random.Random) -> float:
        """Seconds to wait after the ``failure``-th failure (1-based), jitter applied."""
        raw = min(self.cap, self.base * 2 ** (failure - 1))
        return raw * (1 - self.jitter * rng.random())


class RetryState:
    """Attempts of one request: counts failures, keeps the deadline, picks the next delay."""

    def __init__(
        self,
        operation: str,
        policy: RetryPolicy,
        deadline: float,
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self.operation = operation
        self.policy = policy
        self.clock = clock
        self.rng = rng
        self.started = clock()
        self.deadline_at = self.started + deadline
        self.attempts = 0
        self.failures = 0
        self.rate_limits = 0

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(self.deadline_at - self.clock(), 0.0)

    def next_delay(self, error: ShopifyTransientError, hinted: float | None) -> float:
        """Count a failed attempt and return the real seconds to wait before the next one.

        Args:
            error: The classified retriable failure of the attempt that just ended.
            hinted: A wait the shop asked for (``Retry-After``), already in real seconds.

        Returns:
            The delay; 0 for THROTTLED with a cost, whose wait the throttle budget computes.

        Raises:
            ShopifyRetriesExhausted: no attempts left, or waiting would pass the deadline.
        """
        if error.rate_limited:
            self.rate_limits += 1
            if hinted is not None:
                delay = hinted
            elif error.kind == "throttled" and error.requested_cost is not None:
                delay = 0.0  # the throttle budget waits exactly as long as the bucket needs
            else:
                delay = self.policy.backoff(self.rate_limits, self.rng)
        else:
            self.failures += 1
            if self.failures >= self.policy.max_attempts:
                raise self.exhausted(error)
            delay = self.policy.backoff(self.failures, self.rng)
        if delay >= self.remaining():
            raise self.exhausted(error)
        return delay

    def exhausted(self, error: Exception) -> ShopifyRetriesExhausted:
        """The error to raise when this request gives up."""
        return ShopifyRetriesExhausted(self.operation, self.attempts, self.clock() - self.started, error)
