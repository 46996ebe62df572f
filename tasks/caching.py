"""Result caching for the line's steps: within one flow run only, so a retry of that run skips finished steps.

A new run (a re-run of Tuesday, the next schedule) never reuses a result: it must see Shopify as it is now.
Results hold customers' names and addresses, so they expire after a day.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from prefect.context import TaskRunContext

RESULT_LIFETIME = timedelta(days=1)
_PART: ContextVar[str | None] = ContextVar("shoplines_part", default=None)


@contextmanager
def part(key: str) -> Iterator[None]:
    """Steps called inside run on one part of a window read in parts (a bulk backfill), `key` naming the
    read and the part: each part's results are its own. A retry reads the window afresh (a new key), so it
    never mixes parts of two reads, whose boundaries may differ; the ledger skips what was delivered."""
    token = _PART.set(key)
    try:
        yield
    finally:
        _PART.reset(token)


def per_flow_run(context: TaskRunContext, _parameters: dict[str, Any]) -> str | None:
    """Cache key: the step and the flow run (each step runs once per run, on that run's data), and the part
    when the window is read in parts."""
    if context.task_run.flow_run_id is None:
        return None  # called outside a flow (tests, tools): nothing to reuse
    key = _PART.get()
    suffix = "" if key is None else f":{key}"
    return f"{context.task.name}:{context.task_run.flow_run_id}{suffix}"


PER_RUN: dict[str, Any] = {
    "cache_key_fn": per_flow_run,
    "persist_result": True,
    "cache_expiration": RESULT_LIFETIME,
}
