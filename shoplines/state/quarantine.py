"""Queries behind quarantine (records held back from delivery), run inside the store's transactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.models import Quarantine
from shoplines.state.records import QuarantineRecord, QuarantineRow, StateConflict, StateError
from shoplines.state.rows import json_document, to_record


def add_rows(
    session: Session, shop_id: str, line: str, run_id: str, rows: Sequence[QuarantineRow], *, now: datetime
) -> None:
    """Insert one open quarantine row per record."""
    session.add_all(
        Quarantine(
            shop_id=shop_id,
            line=line,
            run_id=run_id,
            entity_id=row.entity_id,
            entity_name=row.entity_name,
            reason=row.reason,
            payload=json_document(row.payload),
            created_at=now,
        )
        for row in rows
    )


def open_rows(session: Session, shop_id: str, line: str) -> list[QuarantineRecord]:
    """Unresolved quarantine rows of a line, oldest first."""
    query = (
        select(Quarantine)
        .where(Quarantine.shop_id == shop_id, Quarantine.line == line, Quarantine.resolved_at.is_(None))
        .order_by(Quarantine.id)
    )
    return [to_record(QuarantineRecord, row) for row in session.scalars(query)]


def resolve(session: Session, shop_id: str, quarantine_id: int, resolution: str, now: datetime) -> None:
    """Close one quarantine row.

    Raises:
        StateError: no such row for this shop.
        StateConflict: it is already resolved.
    """
    row = session.get(Quarantine, quarantine_id)
    if row is None or row.shop_id != shop_id:
        raise StateError(f"no quarantined record {quarantine_id} for {shop_id}")
    if row.resolved_at is not None:
        raise StateConflict(f"quarantined record {quarantine_id} is already resolved")
    row.resolved_at, row.resolution = now, resolution
