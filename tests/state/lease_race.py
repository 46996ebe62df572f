"""A worker for the lease races: importable by spawned processes, so it lives outside the test module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shoplines.state.db import make_engine
from shoplines.state.store import LeaseHeld, StateStore
from tests.state.factories import SHOP

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def contend(store: StateStore, worker: int, line: str) -> str:
    """Ask for a one-day window starting `worker` hours after T0 (all workers' windows overlap)."""
    start = T0 + timedelta(hours=worker)
    try:
        store.acquire_lease(
            SHOP, line, start, start + timedelta(days=1), holder=f"worker-{worker}", ttl=timedelta(hours=1)
        )
    except LeaseHeld:
        return "held"
    except Exception as exc:  # reported to the parent, which fails the test with it
        return f"{type(exc).__name__}: {exc}"
    return "won"


def race(urls: dict[str, str], worker: int, rounds: int, barrier: Any, results: Any) -> None:
    """In a process of its own, per database and round: wait for every worker, then contend for a line."""
    for backend, url in urls.items():
        store = StateStore(make_engine(url))  # already migrated by the parent
        try:
            for round_no in range(rounds):
                barrier.wait(timeout=60)
                results.put((backend, round_no, worker, contend(store, worker, f"line-{round_no}")))
        finally:
            store.close()
