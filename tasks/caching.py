"""Result caching for the line's steps: within one flow run only, so a retry of that run skips finished steps.

A new run (a re-run of Tuesday, the next schedule) never reuses a result: it must see Shopify as it is now.
Results hold customers' names and addresses, so they expire after a day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect.context import TaskRunContext

RESULT_LIFETIME = timedelta(days=1)


def per_flow_run(context: TaskRunContext, _parameters: dict[str, Any]) -> str | None:
    """Cache key: the step and the flow run (each step runs once per run, on that run's data)."""
    if context.task_run.flow_run_id is None:
        return None  # called outside a flow (tests, tools): nothing to reuse
    return f"{context.task.name}:{context.task_run.flow_run_id}"


PER_RUN: dict[str, Any] = {
    "cache_key_fn": per_flow_run,
    "persist_result": True,
    "cache_expiration": RESULT_LIFETIME,
}
