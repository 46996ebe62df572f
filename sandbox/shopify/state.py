"""Everything one running Shopify sandbox holds: store, clock, bucket, tokens, faults, request log."""

from __future__ import annotations

import asyncio
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.shopify.access import DEFAULT_SCOPES
from sandbox.shopify.engine import Engine
from sandbox.shopify.faults import FaultBook
from sandbox.shopify.proxy import FrontProxy
from sandbox.shopify.store import Store
from sandbox.shopify.throttle import LeakyBucket

DEFAULT_API_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
_VERSION = re.compile(r"^\d{4}-\d{2}$")
REQUEST_LOG_SIZE = 10_000


def served_version(requested: str, supported: tuple[str, ...]) -> str | None:
    """The version that answers: the requested one if supported, else the oldest supported stable one.

    ``unstable`` is served as is; a path segment that is not ``YYYY-MM`` gets ``None`` (HTTP 404).
    """
    if requested in supported or requested == "unstable":
        return requested
    if _VERSION.match(requested):
        return min(supported)  # "fall forward" (Shopify versioning docs)
    return None


@dataclass
class SandboxState:
    """Shared by the GraphQL endpoint and the admin endpoint (all on the server's event loop)."""

    store: Store
    clock: SandboxClock
    bucket: LeakyBucket
    engine: Engine
    faults: FaultBook
    api_versions: tuple[str, ...]
    token_rng: random.Random
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    sequence: int = 0
    proxy: FrontProxy | None = None
    stopping: asyncio.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls, store: Store, clock: SandboxClock, *, plan: str, api_versions: tuple[str, ...], seed: int
    ) -> SandboxState:
        """A state with a full bucket for ``plan`` and one default token."""
        bucket = LeakyBucket(clock, plan)
        state = cls(
            store,
            clock,
            bucket,
            Engine(store, clock, bucket),
            FaultBook(seed),
            api_versions,
            random.Random(seed + 7),
        )
        state.new_token(DEFAULT_SCOPES)
        return state

    def new_token(self, scopes: frozenset[str] | set[str]) -> str:
        """Mint a ``shpat_`` token holding ``scopes`` (seeded, so runs are reproducible)."""
        token = "shpat_" + "".join(self.token_rng.choice("0123456789abcdef") for _ in range(32))
        self.tokens[token] = frozenset(scopes)
        return token

    @property
    def default_token(self) -> str:
        """The token minted at start (default scopes)."""
        return next(iter(self.tokens))

    def log_request(self, entry: dict[str, Any]) -> None:
        """Append to the request log (``seq`` numbers never repeat, even after clearing)."""
        with self.lock:
            self.sequence += 1
            self.requests.append({"seq": self.sequence, **entry})
