"""Hold a line's lease for a run: wait for an overlapping run on PostgreSQL, refuse at once on SQLite."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from shoplines.state.records import Lease, LeaseHeld
from shoplines.state.store import StateStore


@contextmanager
def leased(
    state: StateStore,
    shop_id: str,
    line: str,
    window: tuple[datetime, datetime],
    *,
    run_id: str,
    ttl: timedelta,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Lease]:
    """The run's lease on `window` of `line`, released on the way out whatever happens.

    Raises:
        LeaseHeld: another run still holds an overlapping window after `wait` seconds (at once on SQLite,
            which allows one run per line).
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            lease = state.acquire_lease(shop_id, line, *window, holder=run_id, ttl=ttl, run_id=run_id)
            break
        except LeaseHeld:
            left = deadline - time.monotonic()
            if state.engine.dialect.name == "sqlite" or left <= 0:
                raise
            sleep(min(1.0, left))
    try:
        yield lease
    finally:
        state.release_lease(lease)
