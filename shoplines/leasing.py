"""Hold a line's lease for a run: wait for an overlapping run on PostgreSQL, refuse at once on SQLite.

The lease is short and renewed by a heartbeat while the run lives, so a run killed outright (SIGKILL, a
lost machine) frees its window within one lease period instead of blocking the line for long.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from shoplines.state.records import Lease, LeaseHeld, StateError
from shoplines.state.store import StateStore

log = logging.getLogger(__name__)


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
    """The run's lease on `window` of `line`, renewed every third of `ttl`, released on the way out.

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
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(state, lease, ttl, stop), name="lease-heartbeat", daemon=True
    )
    beat.start()
    try:
        yield lease
    finally:
        stop.set()
        beat.join()
        state.release_lease(lease)


def _heartbeat(state: StateStore, lease: Lease, ttl: timedelta, stop: threading.Event) -> None:
    while not stop.wait(ttl.total_seconds() / 3):
        try:
            lease = state.renew_lease(lease, ttl)
        except StateError as exc:  # lost or unreachable: the ledger's own keys still refuse a duplicate
            log.warning("could not renew the lease on %s: %s", lease.line, exc)
            return
