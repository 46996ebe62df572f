"""What an operator does after a run's process died (the harness knows: it killed it with SIGKILL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

LINE = "orders-to-warehouse"


def abandon_killed_runs(home: Path, shop: str, line: str = LINE) -> tuple[int, list[str]]:
    """Release the leases a killed run still holds and mark it abandoned, so the next run may start and
    settles its unconfirmed uploads; returns (leases released, runs abandoned).

    Without this a killed run blocks its window until its lease expires (`run_lease_seconds`), and its
    intents are only looked at once the run is older than the state store's stale limit.
    """
    from shoplines.state.store import StateStore

    with StateStore.open(f"sqlite:///{(home / 'state.db').resolve()}") as state:
        held = state.leases(shop, line)
        for lease in held:
            state.release_lease(lease)
        return len(held), state.mark_stale_runs(timedelta(0))
