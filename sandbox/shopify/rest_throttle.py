"""The REST Admin API's request-based leaky bucket per shop, on the sandbox clock.

Every REST call fills the bucket by one; it leaks at the plan's rate. A call that would overflow it is
answered ``429`` with ``Retry-After: 2.0``; every answer carries ``X-Shopify-Shop-Api-Call-Limit: used/size``
(``shared/reference/shopify-admin-api.md`` §5, [RL-REST]).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime

from sandbox.clock import SandboxClock

# plan → (leak rate requests/s, bucket size). Standard is documented; the others are inferred (×2, ×10, ×20).
REST_PLANS: dict[str, tuple[float, int]] = {
    "standard": (2.0, 40),
    "advanced": (4.0, 80),
    "plus": (20.0, 400),
    "enterprise": (40.0, 800),
}


class RestBucket:
    """Calls fill the bucket, time leaks it; the plan follows the GraphQL bucket's (``plan_of``)."""

    def __init__(self, clock: SandboxClock, plan_of: Callable[[], str]) -> None:
        """An empty bucket whose size and rate follow ``plan_of()`` (a custom plan keeps the last one)."""
        self._clock = clock
        self._plan_of = plan_of
        self._lock = threading.Lock()
        self.leak_rate, self.size = REST_PLANS["standard"]
        self._used = 0.0
        self._at: datetime = clock.now()

    def _leak(self) -> None:
        plan = self._plan_of()
        if plan in REST_PLANS:
            self.leak_rate, self.size = REST_PLANS[plan]
        now = self._clock.now()
        elapsed = max(0.0, (now - self._at).total_seconds())
        self._used = max(0.0, self._used - elapsed * self.leak_rate)
        self._at = now

    def take(self) -> tuple[bool, str]:
        """Count one call; ``(admitted, header value)`` where the header is ``used/size`` after it."""
        with self._lock:
            self._leak()
            admitted = self._used + 1 <= self.size
            if admitted:
                self._used += 1
            return admitted, f"{math.ceil(self._used)}/{self.size}"

    def fill(self, used: float) -> None:
        """Set the level (tests: start from a nearly full bucket)."""
        with self._lock:
            self._leak()
            self._used = min(float(self.size), max(0.0, used))
