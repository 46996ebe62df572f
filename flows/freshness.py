"""Freshness check: a line whose schedule stopped, or whose run hangs, is a silent failure. Wiring only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prefect import flow

from shoplines.freshness import abandoned_runs, hanging_runs, silent_schedule
from shoplines.settings import load_settings
from shoplines.wiring import build_alerts, open_state, run_logger

LINE = "orders-to-warehouse"
SCHEDULE_EVERY = timedelta(minutes=15)  # prefect.yaml's `scheduled` deployment (checked by a test)


@flow(name="freshness-check")
def freshness_check(line: str = LINE, every_minutes: int = 15) -> list[str]:
    """Announce a schedule (one run every `every_minutes`) with no successful run for
    `SHOPLINES_FRESHNESS_INTERVALS` intervals, runs that hang, and runs whose process died; clear what is
    fine again. Returns the open problems' titles."""
    if every_minutes < 1:
        raise ValueError(f"every_minutes must be at least 1, not {every_minutes}")
    logger = run_logger()
    settings = load_settings()
    every = timedelta(minutes=every_minutes)
    limit = every * settings.freshness_intervals
    with open_state(settings) as state:
        alerts = build_alerts(settings, state, line, None)
        died = state.mark_stale_runs(limit)
        now = datetime.now(UTC)
        runs = state.runs(settings.shop_domain, line, limit=200)
        silent = silent_schedule(runs, line, now=now, every=every, intervals=settings.freshness_intervals)
        hanging = hanging_runs(runs, now=now, limit=limit)
        for problem in [*abandoned_runs(died), *hanging]:
            alerts.report(problem)
        if silent is None:
            alerts.clear(["schedule-silent"])
        else:
            alerts.report(silent)
        still = {p.key for p in hanging}
        alerts.clear([key for key in alerts.open_keys("run-hanging:") if key not in still])
        alerts.flush_pending()
        titles = [p.title for p in ([silent] if silent else []) + hanging]
    for title in titles:
        logger.warning("%s", title)
    return titles
