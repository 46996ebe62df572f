"""The shop's Shopify budget shared by every run on every worker: a Prefect rate limit, one slot per point."""

from __future__ import annotations

import math
from dataclasses import dataclass

from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectNotFound

from shoplines.errors import ConfigError

# plan → (restoreRate points/s, maximumAvailable points): Shopify's GraphQL Admin API limits per plan
PLANS: dict[str, tuple[float, int]] = {
    "standard": (100.0, 2_000),
    "advanced": (200.0, 4_000),
    "plus": (1_000.0, 20_000),
    "enterprise": (2_000.0, 40_000),
}
SETUP = "run `shoplines prefect setup` against this Prefect server"


def limit_name(shop_domain: str) -> str:
    """The global concurrency limit of one shop's Shopify budget."""
    return f"shopify:{shop_domain}"


@dataclass(frozen=True)
class LimitSize:
    """A plan's bucket as a global concurrency limit: `limit` slots (points), refilled at `decay` per second
    (the plan's restore rate)."""

    limit: int
    decay: float


def limit_size(plan: str, time_scale: float = 1.0) -> LimitSize:
    """The limit for a plan; the sandbox's fast clock refills its bucket `time_scale` times faster."""
    rate, bucket = PLANS[plan]
    return LimitSize(bucket, rate * time_scale)


class PrefectBudget:
    """`SharedBudget` on a Prefect rate limit: `take` waits for slots (strict: a missing limit is an error),
    `settle` gives back what Shopify did not charge (or takes what it charged beyond the estimate)."""

    def __init__(self, name: str, maximum: int, timeout: float) -> None:
        self.name, self.maximum, self.timeout = name, maximum, timeout

    def slots(self, points: float) -> int:
        return min(self.maximum, max(1, math.ceil(points)))

    def take(self, points: float) -> None:
        try:
            rate_limit(self.name, occupy=self.slots(points), timeout_seconds=self.timeout, strict=True)
        except ConcurrencySlotAcquisitionError as exc:
            raise ConfigError(f"the Prefect limit {self.name} is missing or inactive: {SETUP}") from exc

    def settle(self, taken: float, charged: float) -> None:
        owed = (self.slots(charged) if charged > 0 else 0) - self.slots(taken)
        if owed > 0:
            self.take(owed)
        elif owed < 0:
            with get_client(sync_client=True) as client:
                client.release_concurrency_slots([self.name], -owed, occupancy_seconds=0.001)


def check_limit(name: str) -> None:
    """Fail before a run reads anything when the shop's limit is missing or is no rate limit (no decay)."""

    try:
        with get_client(sync_client=True) as client:
            found = client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        raise ConfigError(f"the Prefect limit {name} does not exist: {SETUP}") from None
    if not found.active or not found.slot_decay_per_second:
        raise ConfigError(f"the Prefect limit {name} is inactive or has no slot decay: {SETUP}")
