"""A shop's GraphQL cost bucket as the client sees it, shared across threads to pace requests."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class QueryCost:
    """The ``extensions.cost`` block Shopify puts on every GraphQL answer."""

    requested: int
    actual: int | None
    maximum: float
    available: float
    restore_rate: float


def query_cost(body: dict[str, Any]) -> QueryCost | None:
    """Read ``extensions.cost`` from a decoded answer, or None when the answer has none."""
    cost = (body.get("extensions") or {}).get("cost")
    if not isinstance(cost, dict):
        return None
    status = cost.get("throttleStatus") or {}
    try:
        return QueryCost(
            requested=int(cost["requestedQueryCost"]),
            actual=None if cost.get("actualQueryCost") is None else int(cost["actualQueryCost"]),
            maximum=float(status["maximumAvailable"]),
            available=float(status["currentlyAvailable"]),
            restore_rate=float(status["restoreRate"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


class SharedBudget(Protocol):
    """The shop's budget as other processes see it too (a Prefect rate limit, say): points are taken before
    a request and settled once Shopify says what it charged. Built and handed in from outside."""

    def take(self, points: float) -> None:
        """Wait until the shared budget holds `points`, then spend them."""

    def settle(self, taken: float, charged: float) -> None:
        """Shopify charged `charged` for a request `taken` was spent on: give back or take the difference."""


class Reservation:
    """Points set aside for one request from the moment it is paced until its answer arrives."""

    def __init__(self, cost: float, waited: float) -> None:
        self.cost = cost
        self.waited = waited


class ThrottleBudget:
    """Thread-safe estimate of one shop's leaky bucket; share one instance per shop.

    Shopify refills the bucket at ``restoreRate`` points per second. The budget keeps the last
    ``currentlyAvailable`` it saw and when, and adds the refill since. Before a request it waits
    exactly as long as the bucket needs to hold the requested cost (no fixed sleeps), then deducts
    that cost at once, as Shopify charges it on arrival. An answer resets the estimate to Shopify's
    figure minus the requests other threads still have in flight, which that figure may not include.

    ``time_scale`` exists only for the sandbox, whose clock can run faster than real time: refill is
    multiplied and waits are divided by it. Production code leaves it at 1.0. ``shared``, when given, is the
    same bucket shared with other processes: every request takes its points there first.
    """

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        shared: SharedBudget | None = None,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self.shared = shared
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._reported: float | None = None
        self._maximum: float | None = None
        self._rate: float | None = None
        self._seen_at = 0.0
        self._in_flight: list[Reservation] = []

    @property
    def maximum(self) -> float | None:
        """The bucket size Shopify last reported (None before the first answer)."""
        return self._maximum

    def observe(self, cost: QueryCost, reservation: Reservation | None = None) -> None:
        """Record the throttle status of an answer that has just arrived (for ``reservation``)."""
        with self._lock:
            self._drop(reservation)
            self._reported = cost.available - sum(r.cost for r in self._in_flight)
            self._maximum = cost.maximum
            self._rate = cost.restore_rate
            self._seen_at = self.clock()
        if self.shared is not None and reservation is not None:  # a query not run (throttled) costs nothing
            self.shared.settle(reservation.cost, float(cost.actual or 0))

    def release(self, reservation: Reservation | None) -> None:
        """Stop tracking a reservation; one without an answer stays deducted (Shopify may have charged it)."""
        with self._lock:
            self._drop(reservation)

    def available(self) -> float | None:
        """Points estimated to be in the bucket now (None while nothing is known)."""
        with self._lock:
            return self._estimate(self.clock())

    def wait_needed(self, cost: float) -> float:
        """Real seconds to wait before ``cost`` points are available (0 when unknown or ready)."""
        with self._lock:
            return self._wait(cost, self.clock())

    def acquire(self, cost: float, *, max_wait: float = math.inf) -> Reservation:
        """Wait until the bucket holds ``cost`` points, then reserve them until the answer arrives.

        Args:
            cost: Requested query cost; capped at the bucket size so a wait always ends.
            max_wait: Give up waiting after this many real seconds and return anyway
                (the request may then be throttled, which the caller's retry handles).

        Returns:
            The reservation to pass to `observe` (or `release`); ``waited`` holds the real seconds slept.
        """
        if self.shared is not None:
            self.shared.take(cost)
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                wait = self._wait(cost, now)
                if wait <= 0 or waited >= max_wait:
                    return self._reserve(cost, waited, now)
            step = min(wait, max_wait - waited)
            self.sleep(step)
            waited += step

    def pause(self, shop_seconds: float) -> None:
        """Sleep for a duration the shop stated in its own clock (e.g. ``Retry-After``)."""
        if shop_seconds > 0:
            self.sleep(shop_seconds / self.time_scale)

    def _drop(self, reservation: Reservation | None) -> bool:
        for index, held in enumerate(self._in_flight):
            if held is reservation:
                del self._in_flight[index]
                return True
        return False

    def _reserve(self, cost: float, waited: float, now: float) -> Reservation:
        reservation = Reservation(cost, waited)
        self._in_flight.append(reservation)
        available = self._estimate(now)
        if available is not None:
            self._reported, self._seen_at = available - cost, now
        return reservation

    def _estimate(self, now: float) -> float | None:
        if self._reported is None or self._maximum is None or self._rate is None:
            return None
        refill = max(now - self._seen_at, 0.0) * self._rate * self.time_scale
        return min(self._maximum, self._reported + refill)

    def _wait(self, cost: float, now: float) -> float:
        available = self._estimate(now)
        if available is None or self._maximum is None or not self._rate:
            return 0.0
        missing = min(cost, self._maximum) - available
        return max(missing, 0.0) / (self._rate * self.time_scale)
