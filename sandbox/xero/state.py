"""Everything one running Xero sandbox holds."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.clock import SandboxClock, iso
from sandbox.xero.auth import App, Auth
from sandbox.xero.faults import FaultBook
from sandbox.xero.idempotency import IdempotencyStore
from sandbox.xero.ledger import Ledger
from sandbox.xero.limits import RateLimits
from sandbox.xero.proxy import Relay

DEFAULT_SCOPE = (
    "openid profile email offline_access accounting.invoices accounting.payments "
    "accounting.contacts accounting.settings"
)
REQUEST_LOG_SIZE = 10_000


@dataclass
class Connection:
    """An app's authorised link to the organisation (``GET /connections``)."""

    connection_id: str
    tenant_id: str
    created: datetime
    updated: datetime


@dataclass
class XeroState:
    """Shared by the API, identity and admin routes (all on the server's event loop)."""

    clock: SandboxClock
    tenant_id: str
    tenant_name: str
    created: datetime
    auth: Auth
    ledger: Ledger
    limits: RateLimits
    idempotency: IdempotencyStore
    faults: FaultBook
    default_app: App
    connections: dict[str, dict[str, Connection]] = field(default_factory=dict)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    sequence: int = 0
    relay: Relay | None = None
    stopping: asyncio.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls, clock: SandboxClock, *, tenant_name: str, seed: int, tier: str, redirect_uris: Sequence[str] = ()
    ) -> XeroState:
        """One organisation and one registered app (``redirect_uris`` empty: any redirect is accepted)."""
        ledger = Ledger(seed)
        auth = Auth(clock, random.Random(seed + 1))
        app = auth.add_app("shoplines sandbox app", list(redirect_uris))
        limits, idempotency = RateLimits(clock, tier), IdempotencyStore(clock)
        tenant_id = ledger.new_id()
        return cls(
            clock,
            tenant_id,
            tenant_name,
            clock.now(),
            auth,
            ledger,
            limits,
            idempotency,
            FaultBook(seed),
            app,
        )

    def connect(self, client_id: str) -> Connection:
        """Authorise ``client_id`` for the organisation (idempotent; refreshes ``updatedDateUtc``)."""
        with self.lock:
            links = self.connections.setdefault(client_id, {})
            now = self.clock.now()
            link = links.get(self.tenant_id)
            if link is None:
                link = Connection(self.ledger.new_id(), self.tenant_id, now, now)
                links[self.tenant_id] = link
            link.updated = now
            return link

    def disconnect(self, client_id: str | None, ident: str) -> int:
        """Remove a connection by connection id or tenant id (one app's, or every app's)."""
        with self.lock:
            removed = 0
            for app, links in self.connections.items():
                if client_id is not None and app != client_id:
                    continue
                for tenant, link in list(links.items()):
                    if ident in (tenant, link.connection_id):
                        del links[tenant]
                        removed += 1
            return removed

    def connected(self, client_id: str, tenant_id: str) -> bool:
        """Whether the app may act for the tenant."""
        return tenant_id in self.connections.get(client_id, {})

    def log_request(self, entry: dict[str, Any]) -> None:
        """Append to the request log (``seq`` never repeats)."""
        with self.lock:
            self.sequence += 1
            self.requests.append({"seq": self.sequence, "at": iso(self.clock.now()), **entry})
