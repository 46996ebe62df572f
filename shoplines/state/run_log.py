"""Queries behind the run log (the `runs` table), run inside the store's transactions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from shoplines.state.models import Lease, Run
from shoplines.state.records import RunRecord, StateError
from shoplines.state.rows import to_record

FINISHED = ("completed", "failed")


def require_run(session: Session, run_id: str) -> Run:
    """The run with this id.

    Raises:
        StateError: there is no such run.
    """
    run = session.get(Run, run_id)
    if run is None:
        raise StateError(f"unknown run {run_id!r}")
    return run


def finish_run(
    session: Session, run_id: str, status: str, counts: dict[str, int], *, message: str | None, now: datetime
) -> None:
    """Close a run as `completed` or `failed` with its counts.

    Raises:
        ValueError: bad status or a count that is not an integer.
        StateError: the run is unknown.
    """
    if status not in FINISHED:
        raise ValueError(f"a run finishes as one of {FINISHED}, not {status!r}")
    if any(type(value) is not int for value in counts.values()):
        raise ValueError(f"counts must be integers: {counts!r}")
    run = require_run(session, run_id)
    run.status, run.counts, run.message, run.finished_at = status, dict(counts), message, now


def latest_runs(
    session: Session, shop_id: str, line: str, limit: int, status: str | None = None
) -> list[RunRecord]:
    """The newest runs of a line, newest first, optionally only those in one status."""
    query = select(Run).where(Run.shop_id == shop_id, Run.line == line)
    if status is not None:
        query = query.where(Run.status == status)
    query = query.order_by(Run.started_at.desc(), Run.run_id).limit(limit)
    return [to_record(RunRecord, run) for run in session.scalars(query)]


def mark_stale(session: Session, older_than: timedelta, now: datetime) -> list[str]:
    """Mark `abandoned` every run still `running` after `older_than` that holds no live lease.

    Such a run's process is gone (crashed, killed, the machine restarted): it will never finish itself.
    """
    live_lease = exists().where(Lease.run_id == Run.run_id, Lease.expires_at > now)
    query = select(Run).where(Run.status == "running", Run.started_at < now - older_than, ~live_lease)
    stale = session.scalars(query.order_by(Run.started_at, Run.run_id).with_for_update()).all()
    for run in stale:
        run.status, run.finished_at = "abandoned", now
        run.message = f"abandoned: still running after {older_than} without a live lease (process gone?)"
    return [run.run_id for run in stale]
