"""One run of a date-window line, the same for every line: recorded in the run log, its window leased, a
failure recorded and announced with what to do (and the run's summary artifact published), a success
clearing the failures it fixes. The line's own steps are `body(run_id)`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from shoplines.alerting import Alerts
from shoplines.dates import BusinessWindow
from shoplines.leasing import leased
from shoplines.settings import Settings
from shoplines.state.store import StateStore
from tasks import problems
from tasks.caching import part
from tasks.record import publish_run_summary, report_failure


def run_window(
    settings: Settings,
    state: StateStore,
    alerts: Alerts,
    *,
    line: str,
    window: BusinessWindow,
    run: str,
    params: dict[str, Any],
    body: Callable[[str], dict[str, int]],
) -> dict[str, int]:
    """Run `body` for `window` under the line's lease; returns its counts (raises what it raised)."""
    shop = settings.shop_domain
    run_id = state.start_run(shop, line, window.selector, window.start, window.end, params)
    try:
        with leased(state, shop, line, (window.start, window.end), run_id=run_id,
                    ttl=timedelta(seconds=settings.run_lease_seconds),
                    wait=settings.run_lease_wait_seconds), \
                part(f"{window.start.isoformat()}..{window.end.isoformat()}"):  # fmt: skip
            counts = body(run_id)
    except BaseException as exc:
        try:
            state.finish_run(run_id, "failed", {}, f"{type(exc).__name__}: {exc}")
        finally:  # people hear of it even if the run log cannot be written
            report_failure(alerts, exc, window.describe(), run)
            publish_run_summary(line, window.describe(), None, alerts, f"{type(exc).__name__}: {exc}")
        raise
    state.finish_run(run_id, "completed", counts)
    alerts.clear(problems.cleared_failures(alerts.open_keys(problems.FAILED), run))
    alerts.flush_pending()
    publish_run_summary(line, window.describe(), counts, alerts)
    return counts
