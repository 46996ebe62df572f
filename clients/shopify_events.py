"""Events the Shopify client reports to its caller (API version drift, retries, page shrinking)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal[
    "api_version_mismatch",
    "api_deprecation",
    "retry",
    "page_size_shrunk",
    "throttled",
    "bulk_started",
    "bulk_waiting",
    "bulk_progress",
    "bulk_finished",
    "bulk_cancelled",
    "bulk_download_retry",
    "bulk_downloaded",
    "bulk_regrouped",
]
NOTIFY_KINDS: frozenset[str] = frozenset({"api_version_mismatch", "api_deprecation"})


@dataclass(frozen=True)
class ClientEvent:
    """Something the caller should log; kinds in ``NOTIFY_KINDS`` also deserve a notification.

    Attributes:
        kind: What happened.
        message: One sentence for a log line or a notification.
        details: Machine-readable facts (operation, versions, delay…).
    """

    kind: EventKind
    message: str
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def needs_notice(self) -> bool:
        """True when a person should hear about it even though the sync succeeded."""
        return self.kind in NOTIFY_KINDS


def version_events(headers: Mapping[str, str], pinned: str) -> list[ClientEvent]:
    """Events for a served API version other than the pinned one, or deprecated fields in use.

    Args:
        headers: Response headers (case-insensitive mapping such as ``httpx.Headers``).
        pinned: The version in the request path.

    Returns:
        Zero, one or two events.
    """
    events: list[ClientEvent] = []
    served = headers.get("X-Shopify-API-Version")
    if served and served != pinned:
        events.append(
            ClientEvent(
                "api_version_mismatch",
                f"Shopify served API version {served} instead of the pinned {pinned}; "
                f"{pinned} is probably no longer supported, so upgrade the pinned version.",
                {"pinned": pinned, "served": served},
            )
        )
    deprecated = headers.get("X-Shopify-API-Deprecated-Reason")
    if deprecated:
        events.append(
            ClientEvent(
                "api_deprecation",
                f"Shopify reports deprecated API use in version {pinned}: {deprecated}.",
                {"pinned": pinned, "reason": deprecated},
            )
        )
    return events


class EventSink:
    """Forwards events to the caller's callback and keeps each version warning once."""

    def __init__(self, callback: Callable[[ClientEvent], None] | None) -> None:
        self._callback = callback
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.warnings: list[ClientEvent] = []

    def emit(self, event: ClientEvent) -> None:
        """Pass ``event`` on; version warnings repeat on every answer, so only new ones go out."""
        if event.needs_notice:
            with self._lock:
                key = (event.kind, event.message)
                if key in self._seen:
                    return
                self._seen.add(key)
                self.warnings.append(event)
        if self._callback is not None:
            self._callback(event)
