"""A run that never happened is a silent failure too: notice missed schedules and runs that hang.

Checked by its own flow (`freshness-check` in prefect.yaml) and by `shoplines check freshness`, from the run
log in the state database, so a worker that is down, a paused schedule or a full work pool are all caught.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shoplines.alerting import Problem
from shoplines.state.records import RunRecord

SILENT = "schedule-silent"
HANGING = "run-hanging:"
ABANDONED = "run-abandoned:"


def _ago(now: datetime, then: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def silent_schedule(
    runs: list[RunRecord], line: str, *, now: datetime, every: timedelta, intervals: int
) -> Problem | None:
    """No scheduled (incremental) run of the line completed within `intervals` schedule intervals."""
    scheduled = [r for r in runs if r.params.get("incremental")]
    done = [r.finished_at for r in scheduled if r.status == "completed" and r.finished_at is not None]
    last = max(done, default=None)
    if last is not None and now - last <= every * intervals:
        return None
    since = (
        f"the last one finished {_ago(now, last)} ago ({last:%Y-%m-%d %H:%M} UTC)"
        if last
        else "none has ever"
    )
    failed = sum(1 for r in scheduled if r.status == "failed" and (last is None or r.started_at > last))
    return Problem(
        SILENT,
        f"no scheduled run of {line} has completed for {intervals} intervals",
        f"Runs are due every {int(every.total_seconds() // 60)} min; {since} completed. "
        f"{failed} scheduled run(s) failed since then.",
        "Check in the Prefect UI that the schedule is active and a worker is online "
        "(`prefect worker start --pool shoplines`); failed runs say why in their log.",
        {"failed since": failed},
    )


def hanging_runs(runs: list[RunRecord], *, now: datetime, limit: timedelta) -> list[Problem]:
    """Runs still `running` after `limit`: their process is alive (the lease is renewed) but not finishing."""
    return [
        Problem(
            f"{HANGING}{r.run_id}",
            f"a run has been running for {_ago(now, r.started_at)}",
            f"Run {r.run_id} ({r.window_start:%Y-%m-%d %H:%M} to {r.window_end:%Y-%m-%d %H:%M} UTC) "
            f"started at {r.started_at:%Y-%m-%d %H:%M} UTC and has not finished; it holds its window.",
            "Look at the run in the Prefect UI. If it is stuck, cancel it there, or free its window with "
            "`shoplines lease list` and `shoplines lease release`.",
        )
        for r in runs
        if r.status == "running" and now - r.started_at > limit
    ]


def abandoned_runs(run_ids: list[str]) -> list[Problem]:
    """Runs whose process died (killed, machine restarted): announced once."""
    return [
        Problem(
            f"{ABANDONED}{run_id}",
            "a run stopped without finishing",
            f"Run {run_id} was still marked running with nobody holding its window: its process is gone.",
            "Nothing is lost: the next run settles any upload it left unconfirmed and sends what is missing.",
            kind="event",
        )
        for run_id in run_ids
    ]
