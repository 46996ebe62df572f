"""Leases on windows of a line: acquire (race-free), renew, release, inside the store's transactions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from shoplines.state import locks
from shoplines.state.models import Lease as LeaseRow
from shoplines.state.models import Run
from shoplines.state.records import Lease, LeaseHeld, LeaseLost, StateError
from shoplines.state.rows import to_record

SQLITE_ONE_RUN = (
    "SQLite allows one run per line at a time; use PostgreSQL (SHOPLINES_DATABASE_URL) for several workers"
)


def check_request(window_start: datetime, window_end: datetime, ttl: timedelta) -> None:
    """Refuse a lease request that could never be granted.

    Raises:
        ValueError: a naive or empty window, or a ttl that is not positive.
    """
    if window_start.utcoffset() is None or window_end.utcoffset() is None:
        raise ValueError("lease windows must be timezone-aware datetimes")
    if window_end <= window_start:
        raise ValueError(f"a lease needs a non-empty window, not [{window_start}, {window_end})")
    if ttl <= timedelta(0):
        raise ValueError(f"a lease needs a positive ttl, not {ttl}")


def acquire(session: Session, wanted: LeaseRow, ttl: timedelta, now: datetime) -> Lease:
    """Grant `wanted` (shop, line, window, holder, run) unless another holder's live lease stands in the way.

    Expired leases of the line are taken over first: deleted, and their runs, if still `running`, marked
    `abandoned` (a run that let its lease lapse is presumed dead, so its unconfirmed files become
    unresolved at once). A holder never blocks itself, and asking again for the very window it holds
    extends that lease (a retried task gets its lease back).

    Raises:
        LeaseHeld: another holder's live lease overlaps the window, or, on SQLite, exists at all.
    """
    locks.serialise(session, locks.LEASES, wanted.shop_id, wanted.line)
    _take_over_expired(session, wanted, now)
    live = session.scalars(
        select(LeaseRow)
        .where(LeaseRow.shop_id == wanted.shop_id, LeaseRow.line == wanted.line)
        .order_by(LeaseRow.acquired_at, LeaseRow.lease_id)
    ).all()
    _refuse_others(session, wanted, live)
    mine = next((row for row in live if _key(row) == _key(wanted)), None)
    if mine is not None:
        mine.expires_at = max(mine.expires_at, now + ttl)
        return to_record(Lease, mine)
    wanted.lease_id, wanted.acquired_at, wanted.expires_at = str(uuid.uuid4()), now, now + ttl
    session.add(wanted)
    return to_record(Lease, wanted)


def _take_over_expired(session: Session, wanted: LeaseRow, now: datetime) -> None:
    expired = (LeaseRow.shop_id == wanted.shop_id, LeaseRow.line == wanted.line, LeaseRow.expires_at <= now)
    session.execute(
        update(Run)
        .where(Run.run_id.in_(select(LeaseRow.run_id).where(*expired)), Run.status == "running")
        .values(
            status="abandoned",
            finished_at=now,
            message=f"abandoned: its lease expired and was taken over by {wanted.holder!r}",
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(LeaseRow).where(*expired).execution_options(synchronize_session=False))


def _key(row: LeaseRow) -> tuple[str, datetime, datetime]:
    return row.holder, row.window_start, row.window_end


def _refuse_others(session: Session, wanted: LeaseRow, live: Sequence[LeaseRow]) -> None:
    others = [row for row in live if row.holder != wanted.holder]
    # Half-open windows overlap when each starts before the other ends.
    overlapping = [
        row for row in others if row.window_start < wanted.window_end and wanted.window_start < row.window_end
    ]
    if overlapping:
        raise LeaseHeld(_held(overlapping[0]), to_record(Lease, overlapping[0]))
    if others and locks.is_sqlite(session):
        raise LeaseHeld(f"{_held(others[0])}; {SQLITE_ONE_RUN}", to_record(Lease, others[0]))


def _held(row: LeaseRow) -> str:
    return (
        f"{row.line} of {row.shop_id} is leased to {row.holder!r} for the window "
        f"[{row.window_start.isoformat()}, {row.window_end.isoformat()}) until {row.expires_at.isoformat()}"
    )


def renew(session: Session, lease: Lease, ttl: timedelta, now: datetime) -> Lease:
    """Extend a lease to `now + ttl`; a lease past its expiry is still renewed if nobody took it over.

    Raises:
        ValueError: the ttl is not positive.
        LeaseLost: the lease is gone (released, or expired and taken over).
    """
    if ttl <= timedelta(0):
        raise ValueError(f"a lease needs a positive ttl, not {ttl}")
    locks.serialise(session, locks.LEASES, lease.shop_id, lease.line)
    row = session.get(LeaseRow, lease.lease_id)
    if row is None:
        raise LeaseLost(
            f"the lease of {lease.holder!r} on {lease.line} of {lease.shop_id} for "
            f"[{lease.window_start.isoformat()}, {lease.window_end.isoformat()}) is gone (released, or "
            "expired and taken over): stop before any further side effect"
        )
    row.expires_at = now + ttl
    return to_record(Lease, row)


def live(session: Session, shop_id: str, line: str, now: datetime) -> list[Lease]:
    """The unexpired leases of a line, oldest first."""
    query = (
        select(LeaseRow)
        .where(LeaseRow.shop_id == shop_id, LeaseRow.line == line, LeaseRow.expires_at > now)
        .order_by(LeaseRow.acquired_at, LeaseRow.lease_id)
    )
    return [to_record(Lease, row) for row in session.scalars(query)]


def release(session: Session, lease: Lease) -> None:
    """Delete a lease; releasing one that is gone is a no-op."""
    session.execute(
        delete(LeaseRow)
        .where(LeaseRow.lease_id == lease.lease_id)
        .execution_options(synchronize_session=False)
    )


def break_lease(session: Session, shop_id: str, lease_id: str, *, by: str, note: str, now: datetime) -> Lease:
    """A person takes a lease away from a run that is stuck: the lease is deleted and its run, if still
    `running`, marked `abandoned` with who did it and why. The stuck process, should it wake, finds its lease
    gone at its next renewal (`LeaseLost`) and stops before any further side effect.

    Raises:
        StateError: no lease of this shop has that id (it may have been released or taken over already).
    """
    row = session.get(LeaseRow, lease_id)
    if row is not None:  # take the line's lease lock, then read the row again under it
        locks.serialise(session, locks.LEASES, row.shop_id, row.line)
        row = session.get(LeaseRow, lease_id, populate_existing=True)
    if row is None or row.shop_id != shop_id:
        raise StateError(f"no lease {lease_id!r} of {shop_id} (released or taken over already?)")
    lease = to_record(Lease, row)
    if row.run_id is not None:
        session.execute(
            update(Run)
            .where(Run.run_id == row.run_id, Run.status == "running")
            .values(status="abandoned", finished_at=now, message=f"abandoned: lease released by {by}: {note}")
            .execution_options(synchronize_session=False)
        )
    session.delete(row)
    return lease
