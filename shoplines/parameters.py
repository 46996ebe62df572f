"""Run parameters the Prefect UI cannot check (it only type-checks them), refused in one sentence at once."""

from __future__ import annotations

from datetime import date, timedelta

from shoplines.dates import check_lookback, today_in
from shoplines.errors import ShoplinesError
from shoplines.settings import Settings
from shoplines.wiring import run_logger


class ParameterRefused(ShoplinesError, ValueError):
    """A run's parameters cannot be what a person meant; nothing was read or sent."""


def range_problem(first: date, last: date, *, today: date, timezone: str, max_days: int) -> str | None:
    """Why shop days `first` to `last` (inclusive) cannot be meant, as one sentence; None when they can."""
    if last < first:
        return f"The date range ends ({last}) before it starts ({first}); nothing was run."
    if last > today:
        return (
            f"The date range reaches {last}, after today ({today} in {timezone}): no orders exist there yet; "
            "nothing was run."
        )
    days = (last - first).days + 1
    if days > max_days:
        return (
            f"The date range {first} to {last} is {days} days, more than the {max_days} allowed "
            "(SHOPLINES_MAX_RANGE_DAYS): split it into shorter runs; nothing was run."
        )
    return None


def check_days(
    settings: Settings, date_from: date | None, date_to: date | None, lookback_days: int = 0
) -> None:
    """Refuse a run's days before it starts: the sentence goes to the run's log and its state message.

    Days are resolved as the lines resolve them: `date_from` to `date_to`, a missing end being `date_from`
    (or today) and a missing start today less `lookback_days`.
    """
    try:
        check_lookback(lookback_days)
    except ValueError as exc:
        _refuse(f"{exc}; nothing was run.")
    if date_from is None and date_to is None:
        return
    today = today_in(settings.shop_timezone)
    first = date_from or today - timedelta(days=lookback_days)
    last = date_to or date_from or today
    problem = range_problem(
        first, last, today=today, timezone=settings.shop_timezone, max_days=settings.max_range_days
    )
    if problem is not None:
        _refuse(problem)


def _refuse(sentence: str) -> None:
    run_logger().error("%s", sentence)
    raise ParameterRefused(sentence)
