"""A date-range run that cannot be meant (end before start, in the future, too long) fails at once, saying why
in one sentence in the run's log and its state message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogHandler

from flows.orders_to_accounting import orders_to_accounting
from flows.orders_to_warehouse import orders_to_warehouse
from flows.reconcile import reconcile, reconcile_books_flow
from flows.refunds_to_accounting import refunds_to_accounting
from shoplines.dates import today_in
from shoplines.parameters import range_problem

TODAY = date(2026, 11, 27)


def problem(first: date, last: date, max_days: int = 186) -> str | None:
    return range_problem(first, last, today=TODAY, timezone="Africa/Johannesburg", max_days=max_days)


def test_each_range_that_cannot_be_meant_has_its_own_sentence() -> None:
    assert problem(date(2026, 11, 5), date(2026, 11, 1)) == (
        "The date range ends (2026-11-01) before it starts (2026-11-05); nothing was run."
    )
    assert problem(date(2026, 11, 20), date(2026, 11, 28)) == (
        "The date range reaches 2026-11-28, after today (2026-11-27 in Africa/Johannesburg): no orders exist "
        "there yet; nothing was run."
    )
    assert problem(date(2025, 11, 1), date(2026, 11, 1)) == (
        "The date range 2025-11-01 to 2026-11-01 is 366 days, more than the 186 allowed "
        "(SHOPLINES_MAX_RANGE_DAYS): split it into shorter runs; nothing was run."
    )
    assert problem(date(2026, 11, 1), date(2026, 11, 10), max_days=10) is None
    assert problem(date(2026, 11, 1), date(2026, 11, 11), max_days=10) is not None
    assert problem(TODAY, TODAY) is None  # today so far is a range ops may re-run


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SHOPLINES_HOME", str(tmp_path))  # nothing else is configured: nothing can be reached
    monkeypatch.setenv("SHOPLINES_MAX_RANGE_DAYS", "31")
    return tmp_path


def _logs(flow_run_id: UUID) -> list[str]:
    async def read() -> list[str]:
        await APILogHandler.aflush()
        async with get_client() as client:
            found = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
            return [log.message for log in found]

    return asyncio.run(read())


@pytest.mark.usefixtures("prefect_server", "home")
@pytest.mark.parametrize(
    ("run", "days", "sentence"),
    [
        (orders_to_warehouse, (1, 5), "The date range ends ("),
        (orders_to_accounting, (0, -1), "after today ("),
        (refunds_to_accounting, (40, 0), "is 41 days, more than the 31 allowed"),
        (reconcile, (3, 4), "The date range ends ("),
        (reconcile_books_flow, (2, -3), "after today ("),
    ],
)
def test_a_run_over_days_that_cannot_be_meant_fails_at_once_saying_why(
    run: Callable[..., Any], days: tuple[int, int], sentence: str
) -> None:
    today = today_in("Africa/Johannesburg")
    first, last = (today - timedelta(days=d) for d in days)
    state = run(first, last, return_state=True)
    assert state.is_failed()
    assert sentence in str(state.message)
    assert str(state.message).endswith("nothing was run.")
    refusal = [m for m in _logs(state.state_details.flow_run_id) if sentence in m]
    assert refusal
    assert refusal[0].endswith("nothing was run.")
    assert "\n" not in refusal[0]


@pytest.mark.usefixtures("home")
def test_a_lookback_out_of_bounds_is_refused_in_one_sentence() -> None:
    with pytest.raises(ValueError, match=r"lookback_days must be 0 to 31, not 40; nothing was run\.$"):
        orders_to_accounting.fn(lookback_days=40)
