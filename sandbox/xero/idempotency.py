"""Idempotency-Key: a stored response per (app, key) for 6 sandbox minutes; same key + other request → 400."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.clock import SandboxClock

KEY_LIFETIME = timedelta(minutes=6)
MAX_KEY_LENGTH = 128


@dataclass
class Stored:
    """A response kept for replay (``done`` is set once it is known)."""

    fingerprint: str
    created: datetime
    status: int = 0
    body: bytes = b""
    media_type: str = "application/json; charset=utf-8"
    done: asyncio.Event = field(default_factory=asyncio.Event)


def fingerprint(method: str, path: str, query: str, tenant: str, body: bytes) -> str:
    """What makes two requests "the same request"."""
    digest = hashlib.sha256()
    for part in (method, path, "&".join(sorted(query.split("&"))), tenant):
        digest.update(part.encode() + b"\x00")
    digest.update(body)
    return digest.hexdigest()


class IdempotencyStore:
    """Lives on the server's event loop (``asyncio.Event`` per entry for concurrent duplicates)."""

    def __init__(self, clock: SandboxClock) -> None:
        """Empty store on ``clock``."""
        self.clock = clock
        self._entries: dict[tuple[str, str], Stored] = {}
        self.replays = 0

    def _purge(self) -> None:
        now = self.clock.now()
        for key in [
            k for k, v in self._entries.items() if now - v.created >= KEY_LIFETIME and v.done.is_set()
        ]:
            del self._entries[key]

    def claim(self, app: str, key: str, print_: str) -> Stored | None:
        """``None`` = first use (now reserved); otherwise the existing entry (compare its fingerprint)."""
        self._purge()
        existing = self._entries.get((app, key))
        if existing is not None:
            return existing
        self._entries[(app, key)] = Stored(print_, self.clock.now())
        return None

    def finish(self, app: str, key: str, status: int, body: bytes, media_type: str) -> None:
        """Record the response of a claimed key."""
        entry = self._entries.get((app, key))
        if entry is not None:
            entry.status, entry.body, entry.media_type = status, body, media_type
            entry.done.set()

    def abandon(self, app: str, key: str) -> None:
        """Forget a claimed key whose request never produced a response (sandbox-side failure)."""
        entry = self._entries.pop((app, key), None)
        if entry is not None:
            entry.done.set()

    def active(self) -> int:
        """Keys currently remembered."""
        self._purge()
        return len(self._entries)
