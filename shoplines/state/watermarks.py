"""Watermarks: the end of the contiguous completed windows of a line and selector, and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state import locks
from shoplines.state.models import Watermark, WatermarkHistory
from shoplines.state.records import WatermarkAdvance
from shoplines.state.rows import to_record

Key = tuple[str, str, str]  # shop_id, line, selector


def current(session: Session, key: Key) -> datetime | None:
    """The watermark of a line and selector, None before its first completed window."""
    row = session.get(Watermark, key)
    return None if row is None else row.watermark


def advance(
    session: Session, key: Key, window: tuple[datetime, datetime], run_id: str, now: datetime
) -> datetime:
    """Record a completed window and move the watermark over every window now contiguous with it.

    The first window ever sets the watermark to its end. After that the watermark moves only forward
    and never over a gap: a window that starts after the watermark is kept in the history and absorbed
    when the windows in between complete.
    """
    locks.serialise(session, locks.WATERMARKS, *key)
    row = session.get(Watermark, key, with_for_update=True)
    before = None if row is None else row.watermark
    after = _sweep(before if before is not None else window[1], [window, *_pending(session, key, before)])
    entry = WatermarkHistory(
        shop_id=key[0], line=key[1], selector=key[2], run_id=run_id, window_start=window[0],
        window_end=window[1], from_watermark=before, to_watermark=after, recorded_at=now,
    )  # fmt: skip
    session.add(entry)
    if row is None:
        row = Watermark(shop_id=key[0], line=key[1], selector=key[2])
        session.add(row)
    if after != before:
        row.watermark, row.run_id, row.updated_at = after, run_id, now
    return after


def _pending(session: Session, key: Key, mark: datetime | None) -> list[tuple[datetime, datetime]]:
    """Completed windows that end after the watermark (the ones kept back by a gap)."""
    if mark is None:
        return []
    rows = session.execute(
        select(WatermarkHistory.window_start, WatermarkHistory.window_end).where(
            WatermarkHistory.shop_id == key[0],
            WatermarkHistory.line == key[1],
            WatermarkHistory.selector == key[2],
            WatermarkHistory.window_end > mark,
        )
    )
    return [(start, end) for start, end in rows]


def _sweep(mark: datetime, windows: list[tuple[datetime, datetime]]) -> datetime:
    """Extend `mark` through windows that start at or before it, in order of their start."""
    for start, end in sorted(windows):
        if start <= mark < end:
            mark = end
    return mark


def history(session: Session, key: Key) -> list[WatermarkAdvance]:
    """Every completed window reported for a line and selector, oldest first."""
    query = (
        select(WatermarkHistory)
        .where(
            WatermarkHistory.shop_id == key[0],
            WatermarkHistory.line == key[1],
            WatermarkHistory.selector == key[2],
        )
        .order_by(WatermarkHistory.id)
    )
    return [to_record(WatermarkAdvance, row) for row in session.scalars(query)]
