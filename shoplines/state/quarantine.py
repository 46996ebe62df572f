"""Queries behind quarantine (records held back from delivery), run inside the store's transactions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.models import Quarantine
from shoplines.state.records import QuarantineRecord, QuarantineRow, StateConflict, StateError
from shoplines.state.rows import chunks, json_document, to_record


def add_rows(
    session: Session, shop_id: str, line: str, run_id: str, rows: Sequence[QuarantineRow], *, now: datetime
) -> int:
    """Insert one open quarantine row per record, unless the record is already waiting there for the same
    reason (a run every 15 minutes sees it again): then only its payload is brought up to date. How many
    rows were added."""
    ids = sorted({row.entity_id for row in rows if row.entity_id})
    waiting: dict[tuple[str | None, str], Quarantine] = {}
    for chunk in chunks(ids):
        query = select(Quarantine).where(
            Quarantine.shop_id == shop_id,
            Quarantine.line == line,
            Quarantine.resolved_at.is_(None),
            Quarantine.entity_id.in_(chunk),
        )
        waiting |= {(q.entity_id, q.reason): q for q in session.scalars(query)}
    anonymous: dict[tuple[str, str], Quarantine] = {}
    if any(not row.entity_id for row in rows):  # no id to know it by: the same reason and payload will do
        query = select(Quarantine).where(
            Quarantine.shop_id == shop_id, Quarantine.line == line, Quarantine.resolved_at.is_(None),
            Quarantine.entity_id.is_(None),
        )  # fmt: skip
        anonymous = {(q.reason, _fingerprint(q.payload)): q for q in session.scalars(query)}
    added = 0
    for row in rows:
        if row.entity_id:
            known = waiting.get((row.entity_id, row.reason))
        else:
            known = anonymous.get((row.reason, _fingerprint(json_document(row.payload))))
        if known is not None:
            known.payload = json_document(row.payload)
            continue
        session.add(
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
        )
        added += 1
    return added


def _fingerprint(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, default=str)


def resolve_passed(
    session: Session, shop_id: str, line: str, entity_ids: Sequence[str], resolution: str, *, now: datetime
) -> list[QuarantineRecord]:
    """Close the open rows of records that passed every check this time (fixed at the source)."""
    closed: list[QuarantineRecord] = []
    for chunk in chunks(sorted(set(entity_ids))):
        query = select(Quarantine).where(
            Quarantine.shop_id == shop_id,
            Quarantine.line == line,
            Quarantine.resolved_at.is_(None),
            Quarantine.entity_id.in_(chunk),
        )
        for row in session.scalars(query.order_by(Quarantine.id)):
            row.resolved_at, row.resolution = now, resolution
            closed.append(to_record(QuarantineRecord, row))
    return closed


def get_row(session: Session, shop_id: str, quarantine_id: int) -> QuarantineRecord:
    """One quarantine row (StateError if this shop has none with that id)."""
    row = session.get(Quarantine, quarantine_id)
    if row is None or row.shop_id != shop_id:
        raise StateError(f"no quarantined record {quarantine_id} for {shop_id}")
    return to_record(QuarantineRecord, row)


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


def purge_payloads(session: Session, older_than: datetime, now: datetime, *, dry_run: bool) -> int:
    """Empty the stored payloads of quarantine rows resolved before `older_than` (the reason, ids and
    resolution stay for the audit trail); how many."""
    query = select(Quarantine).where(Quarantine.resolved_at.is_not(None), Quarantine.resolved_at < older_than)
    purged = 0
    for row in session.scalars(query.order_by(Quarantine.id)):
        if row.payload.get("purged_at"):
            continue
        purged += 1
        if not dry_run:
            row.payload = {"purged_at": now.isoformat()}
    return purged
