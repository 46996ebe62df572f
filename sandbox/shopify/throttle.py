"""Shopify's cost-based leaky bucket per shop, running on the sandbox clock."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime

from sandbox.clock import SandboxClock

# plan → (restoreRate points/s, maximumAvailable points); bucket = 20 s of restore rate.
PLANS: dict[str, tuple[float, float]] = {
    "standard": (100.0, 2_000.0),
    "advanced": (200.0, 4_000.0),
    "plus": (1_000.0, 20_000.0),
    "enterprise": (2_000.0, 40_000.0),
}
MAX_QUERY_COST = 1_000


@dataclass(frozen=True)
class ThrottleStatus:
    """``extensions.cost.throttleStatus``."""

    maximum_available: float
    currently_available: int
    restore_rate: float

    def as_json(self) -> dict[str, float | int]:
        """The JSON shape Shopify sends (floats, except ``currentlyAvailable``)."""
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


class LeakyBucket:
    """Points refill at ``restore_rate`` per sandbox second up to ``capacity``; queries spend them."""

    def __init__(self, clock: SandboxClock, plan: str = "standard") -> None:
        """Create a full bucket for ``plan`` (see :data:`PLANS`)."""
        self._clock = clock
        self._lock = threading.Lock()
        self.restore_rate, self.capacity = PLANS[plan]
        self.plan = plan
        self._available = self.capacity
        self._at: datetime = clock.now()

    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = max(0.0, (now - self._at).total_seconds())
        self._available = min(self.capacity, self._available + elapsed * self.restore_rate)
        self._at = now

    def try_charge(self, cost: int) -> bool:
        """Take ``cost`` points up front if the bucket holds them; ``False`` means THROTTLED."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: int) -> None:
        """Give back ``requested − actual`` after execution."""
        with self._lock:
            self._refill()
            self._available = min(self.capacity, self._available + max(0, points))

    def status(self) -> ThrottleStatus:
        """The bucket now (``currentlyAvailable`` rounded down, as Shopify reports an int)."""
        with self._lock:
            self._refill()
            return ThrottleStatus(self.capacity, math.floor(self._available), self.restore_rate)

    def configure(
        self,
        plan: str | None = None,
        *,
        restore_rate: float | None = None,
        capacity: float | None = None,
        available: float | None = None,
    ) -> None:
        """Switch plan or set custom rate / size / current level (admin endpoint)."""
        with self._lock:
            self._refill()
            if plan is not None:
                self.restore_rate, self.capacity = PLANS[plan]
                self.plan = plan
            if restore_rate is not None:
                self.restore_rate, self.plan = float(restore_rate), "custom"
            if capacity is not None:
                self.capacity, self.plan = float(capacity), "custom"
            self._available = min(self.capacity, self._available if available is None else float(available))
