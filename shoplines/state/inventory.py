"""Inventory state: our copy of Shopify's levels, the 3PL's stock files (each read once) and the application
of approved on_hand corrections (intent before the call, so a killed run never applies a batch twice blind).

A full snapshot of a location replaces its levels; an increment only upserts what changed. The copy's
newest `updated_at` per location is where the next increment starts (less an overlap), per location: one
shared cursor across locations would lose levels whose times interleave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shoplines.state.models import InventoryLevel, StockCorrection, StockFile
from shoplines.state.records import CorrectionRecord, LevelRecord, StockFileRecord
from shoplines.state.rows import json_document, to_record


def store_levels(
    session: Session, shop_id: str, levels: Iterable[LevelRecord], *, replace_locations: Sequence[str] = (),
    keep: Iterable[tuple[str, str]] = (),
) -> int:  # fmt: skip
    """Upsert levels; the locations in `replace_locations` (a full snapshot) lose the levels not in it, except
    those in `keep` ((location, item): read but quarantined, so still there in Shopify)."""
    kept: dict[str, set[str]] = {loc: set() for loc in replace_locations}
    for location, item in keep:
        kept.get(location, set()).add(item)
    written = 0
    for level in levels:
        row = session.get(InventoryLevel, (shop_id, level.location_id, level.inventory_item_id))
        if row is None:
            row = InventoryLevel(shop_id=shop_id, location_id=level.location_id,
                                 inventory_item_id=level.inventory_item_id)  # fmt: skip
            session.add(row)
        if row.updated_at is None or level.updated_at >= row.updated_at:  # an older repeat never wins
            row.sku, row.quantities = level.sku, json_document(level.quantities)
            row.updated_at, row.read_at = level.updated_at, level.read_at
        kept.get(level.location_id, set()).add(level.inventory_item_id)
        written += 1
    for location, items in kept.items():
        gone = delete(InventoryLevel).where(
            InventoryLevel.shop_id == shop_id, InventoryLevel.location_id == location
        )
        session.execute(gone.where(InventoryLevel.inventory_item_id.not_in(items)) if items else gone)
    return written


def levels(session: Session, shop_id: str) -> list[LevelRecord]:
    rows = session.scalars(select(InventoryLevel).where(InventoryLevel.shop_id == shop_id))
    return [to_record(LevelRecord, row) for row in rows]


def newest(session: Session, shop_id: str) -> dict[str, datetime]:
    """The newest `updated_at` we hold per location."""
    query = (
        select(InventoryLevel.location_id, func.max(InventoryLevel.updated_at))
        .where(InventoryLevel.shop_id == shop_id)
        .group_by(InventoryLevel.location_id)
    )
    return {location: moment for location, moment in session.execute(query)}


def count_levels(session: Session, shop_id: str, location_id: str) -> int:
    query = select(func.count()).where(
        InventoryLevel.shop_id == shop_id, InventoryLevel.location_id == location_id
    )
    return int(session.scalar(query) or 0)


def find_stock_file(session: Session, shop_id: str, file_name: str, sha256: str) -> StockFileRecord | None:
    row = session.scalars(
        select(StockFile).where(
            StockFile.shop_id == shop_id, StockFile.file_name == file_name, StockFile.sha256 == sha256
        )
    ).one_or_none()
    return None if row is None else to_record(StockFileRecord, row)


def record_stock_file(session: Session, shop_id: str, **fields: Any) -> StockFileRecord:
    """Record a stock file read (an unreadable one read again is updated, not repeated)."""
    row = session.scalars(
        select(StockFile).where(
            StockFile.shop_id == shop_id,
            StockFile.file_name == fields["file_name"],
            StockFile.sha256 == fields["sha256"],
        )
    ).one_or_none()
    if row is None:
        row = StockFile(shop_id=shop_id, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    session.flush()
    return to_record(StockFileRecord, row)


def stock_file_archived(session: Session, file_id: int, archived_as: str) -> None:
    row = session.get(StockFile, file_id)
    if row is not None:
        row.archived_as = archived_as


def stock_files(session: Session, shop_id: str, limit: int = 20) -> list[StockFileRecord]:
    query = select(StockFile).where(StockFile.shop_id == shop_id).order_by(StockFile.id.desc()).limit(limit)
    return [to_record(StockFileRecord, row) for row in session.scalars(query)]


def correction(session: Session, shop_id: str, approval_id: int) -> CorrectionRecord | None:
    row = session.scalars(
        select(StockCorrection).where(
            StockCorrection.shop_id == shop_id, StockCorrection.approval_id == approval_id
        )
    ).one_or_none()
    return None if row is None else to_record(CorrectionRecord, row)


def begin_correction(
    session: Session, shop_id: str, approval_id: int, *, key: str, run_id: str, now: datetime
) -> CorrectionRecord:
    """The intent to apply an approved batch (the existing row if a run already began it)."""
    found = correction(session, shop_id, approval_id)
    if found is not None:
        return found
    row = StockCorrection(shop_id=shop_id, approval_id=approval_id, idempotency_key=key, status="intent",
                          run_id=run_id, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    return to_record(CorrectionRecord, row)


def finish_correction(
    session: Session, correction_id: int, *, status: str, group_id: str | None, message: str, now: datetime
) -> None:
    row = session.get(StockCorrection, correction_id)
    if row is not None:
        row.status, row.group_id, row.message, row.finished_at = status, group_id, message, now
