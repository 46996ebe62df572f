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
    """Steps called inside run on one part of the work, `key` naming it (nested parts join their keys): each
    part's results are its own. Every line's window is a part (`tasks.line_run`), so a retry of a run whose
    window moved (an incremental run recomputes its end) never reuses a pull of the old window; a window read
    in parts (a bulk backfill) has one part per chunk. A retry reads the window afresh (a new key), so it
    never mixes parts of two reads, whose boundaries may differ; the ledger skips what was delivered."""
    outer = _PART.get()
    token = _PART.set(key if outer is None else f"{outer}/{key}")
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
