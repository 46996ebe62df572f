"""Watermarks: never backwards, never over a gap, gaps absorbed once filled, a history row per report."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplines.state.store import StateError, StateStore
from tests.state.factories import LINE, OTHER_SHOP, SHOP, start

T0 = datetime(2026, 11, 1, tzinfo=UTC)
_selectors = itertools.count(1)


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def advance(store: StateStore, run_id: str, start_h: int, end_h: int, selector: str = "updated") -> datetime:
    return store.advance_watermark(
        SHOP, LINE, selector, window_start=hours(start_h), window_end=hours(end_h), run_id=run_id
    )


def test_contiguous_and_overlapping_windows_move_it_forward(store: StateStore) -> None:
    run_id = start(store)
    assert store.watermark(SHOP, LINE, "updated") is None
    assert advance(store, run_id, 0, 24) == hours(24)  # the first window sets it
    assert advance(store, run_id, 24, 48) == hours(48)  # contiguous
    assert advance(store, run_id, 40, 50) == hours(50)  # overlapping
    assert advance(store, run_id, 0, 10) == hours(50)  # never backwards
    assert store.watermark(SHOP, LINE, "updated") == hours(50)
    # keyed by shop, line and selector
    assert store.watermark(SHOP, LINE, "processed") is None
    assert store.watermark(OTHER_SHOP, LINE, "updated") is None


def test_a_gap_holds_it_back_until_filled(store: StateStore) -> None:
    scheduled, backfill = start(store), start(store)
    advance(store, scheduled, 0, 24)
    assert advance(store, scheduled, 48, 72) == hours(24)  # finished first, but after a gap
    assert advance(store, backfill, 30, 48) == hours(24)  # the gap is still open at 24–30
    assert advance(store, backfill, 24, 30) == hours(72)  # filled: everything completed is absorbed

    history = store.watermark_history(SHOP, LINE, "updated")
    assert [(h.run_id, h.window_start, h.window_end) for h in history] == [
        (scheduled, hours(0), hours(24)),
        (scheduled, hours(48), hours(72)),
        (backfill, hours(30), hours(48)),
        (backfill, hours(24), hours(30)),
    ]
    assert [(h.from_watermark, h.to_watermark) for h in history] == [
        (None, hours(24)),
        (hours(24), hours(24)),
        (hours(24), hours(24)),
        (hours(24), hours(72)),
    ]
    assert all(h.recorded_at.tzinfo is UTC for h in history)


def test_windows_in_any_time_zone_come_back_utc(store: StateStore) -> None:
    jhb = ZoneInfo("Africa/Johannesburg")
    mark = store.advance_watermark(
        SHOP, LINE, "updated", window_start=datetime(2026, 11, 1, tzinfo=jhb),
        window_end=datetime(2026, 11, 2, tzinfo=jhb), run_id=start(store),
    )  # fmt: skip
    assert mark == store.watermark(SHOP, LINE, "updated") == datetime(2026, 11, 1, 22, tzinfo=UTC)
    assert mark.tzinfo is UTC


def test_bad_reports_are_refused(store: StateStore) -> None:
    run_id = start(store)
    with pytest.raises(StateError, match="unknown run"):
        advance(store, "no-such-run", 0, 24)
    with pytest.raises(ValueError, match="before it starts"):
        advance(store, run_id, 24, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.advance_watermark(
            SHOP, LINE, "updated", window_start=datetime(2026, 11, 1),  # noqa: DTZ001
            window_end=T0, run_id=run_id,
        )  # fmt: skip
    assert store.watermark(SHOP, LINE, "updated") is None
    assert store.watermark_history(SHOP, LINE, "updated") == []


def contiguous_end(windows: list[tuple[int, int]]) -> int | None:
    """The model: how far covered time reaches, without a gap, from the first window reported."""
    if not windows:
        return None
    mark, moved = windows[0][1], True
    while moved:
        moved = False
        for start_h, end_h in windows:
            if start_h <= mark < end_h:
                mark, moved = end_h, True
    return mark


window = st.tuples(st.integers(0, 48), st.integers(0, 12)).map(lambda w: (w[0], w[0] + w[1]))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(windows=st.lists(window, max_size=8))
def test_the_watermark_is_the_end_of_the_contiguous_completed_time(
    store: StateStore, windows: list[tuple[int, int]]
) -> None:
    selector = f"s{next(_selectors)}"  # one store for all examples: a fresh key per example
    run_id = start(store)
    marks = [advance(store, run_id, start_h, end_h, selector) for start_h, end_h in windows]
    for done, mark in enumerate(marks, start=1):
        assert mark == hours(contiguous_end(windows[:done]) or 0)
    assert marks == sorted(marks)
    expected = contiguous_end(windows)
    assert store.watermark(SHOP, LINE, selector) == (None if expected is None else hours(expected))
