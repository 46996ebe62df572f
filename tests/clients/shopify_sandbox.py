"""Helpers for Shopify client tests: a running sandbox, its admin endpoint, and a fast client for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from clients.shopify import ShopifyClient
from clients.shopify_budget import ThrottleBudget
from clients.shopify_events import ClientEvent
from clients.shopify_retry import RetryPolicy
from sandbox.clock import SandboxClock, parse_instant
from sandbox.shopify.generator import generate_store
from sandbox.shopify.server import RunningShopify, start_shopify_sandbox
from sandbox.shopify.store import Store

SCALE = 100.0  # sandbox seconds per real second: a 2,000-point bucket refills in 0.2 s
FAST_RETRY = RetryPolicy(max_attempts=5, base=0.02, cap=0.2, jitter=0.5, seed=11)


@dataclass
class Shop:
    """A running sandbox with its clock, store and an admin HTTP client."""

    running: RunningShopify
    clock: SandboxClock
    store: Store
    admin: httpx.Client
    events: list[ClientEvent] = field(default_factory=list)

    def client(self, token: str | None = None, **overrides: Any) -> ShopifyClient:
        """A client tuned for tests: fast budget clock, short timeout and deadline, seeded jitter; it pages
        every window (``bulk_from=None``) unless a test asks for bulk operations."""
        options: dict[str, Any] = {
            "budget": ThrottleBudget(time_scale=self.clock.scale),
            "timeout": 2.0,
            "deadline": 20.0,
            "retry": FAST_RETRY,
            "on_event": self.events.append,
            "now": self.clock.now,
            "bulk_from": None,
        }
        options.update(overrides)
        return ShopifyClient(self.running.url, token or self.running.token, **options)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the admin endpoint and return the JSON answer (raises on non-2xx)."""
        response = self.admin.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def fault(self, **rule: Any) -> None:
        """Inject one fault rule (see the sandbox README)."""
        self.post("/faults", rule)

    def requests(self) -> list[dict[str, Any]]:
        """The sandbox's log of GraphQL requests since the last reset."""
        response = self.admin.get("/requests")
        response.raise_for_status()
        return list(response.json()["requests"])

    def truth(self) -> list[dict[str, Any]]:
        """Every stored order, exactly as the sandbox holds it."""
        response = self.admin.get("/orders")
        response.raise_for_status()
        data = response.json()
        return list(data["orders"] if isinstance(data, dict) else data)

    def reset(self) -> None:
        """Clear faults, the request log and recorded events between tests."""
        self.admin.delete("/faults").raise_for_status()
        self.admin.delete("/requests").raise_for_status()
        self.events.clear()


@contextmanager
def running_shop(
    seed: int, orders: int, *, scale: float = SCALE, plan: str = "standard", start: datetime | None = None
) -> Iterator[Shop]:
    """Generate a store and serve it on a free loopback port for the duration of the block."""
    clock = SandboxClock(start, scale=scale)
    store = generate_store(seed, orders=orders, clock=clock)
    with (
        start_shopify_sandbox(store, clock, plan=plan, seed=seed) as running,
        httpx.Client(base_url=running.admin_url, timeout=10.0) as admin,
    ):
        yield Shop(running, clock, store, admin)


def in_window(order: dict[str, Any], start: datetime, end: datetime, key: str = "processedAt") -> bool:
    """Whether the order's ``key`` timestamp is in ``[start, end)``."""
    return start <= parse_instant(order[key]) < end


def nodes(connection: Any) -> list[dict[str, Any]]:
    """Nodes of a stored connection (``nodes`` or ``edges`` form)."""
    if not connection:
        return []
    if "nodes" in connection:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection["edges"]]
