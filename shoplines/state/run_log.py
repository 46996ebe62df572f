"""Queries behind the run log (the `runs` table), run inside the store's transactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.models import Run
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


def latest_runs(session: Session, shop_id: str, line: str, limit: int) -> list[RunRecord]:
    """The newest runs of a line, newest first."""
    query = (
        select(Run)
        .where(Run.shop_id == shop_id, Run.line == line)
        .order_by(Run.started_at.desc(), Run.run_id)
        .limit(limit)
    )
    return [to_record(RunRecord, run) for run in session.scalars(query)]
