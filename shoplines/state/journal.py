"""Queries behind the support journal and `trace`: what happened to one order, across lines, oldest first.

The journal keeps what no other table does (what arrived, why an order was not sent, where it was mapped).
A trace joins it with the delivery ledger, the files' fate and quarantine, so the story is told from the
tables that decide what happens, not from a copy that could drift from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from shoplines.state.models import Delivery, File, FileResolution, JournalEntry, Quarantine
from shoplines.state.records import JournalRow, TraceStep
from shoplines.state.rows import chunks, json_document


def add(
    session: Session,
    shop_id: str,
    line: str,
    run_id: str | None,
    rows: Sequence[JournalRow],
    *,
    now: datetime,
) -> int:
    """Append entries, skipping any whose entity's latest entry on this line says the same; how many added."""
    latest: dict[str, tuple[str, str]] = {}
    for chunk in chunks(sorted({r.entity_id for r in rows})):
        query = (
            select(JournalEntry.entity_id, JournalEntry.stage, JournalEntry.summary)
            .where(
                JournalEntry.shop_id == shop_id, JournalEntry.line == line, JournalEntry.entity_id.in_(chunk)
            )
            .order_by(JournalEntry.id)
        )
        latest |= {entity: (stage, summary) for entity, stage, summary in session.execute(query)}
    fresh = [r for r in rows if latest.get(r.entity_id) != (r.stage, r.summary)]
    session.add_all(
        JournalEntry(
            shop_id=shop_id,
            line=line,
            run_id=run_id,
            entity_id=r.entity_id,
            entity_name=r.entity_name,
            at=now,
            stage=r.stage,
            summary=r.summary,
            detail=json_document(r.detail),
        )
        for r in fresh
    )
    return len(fresh)


def _matches(
    column_id: InstrumentedAttribute[str | None], column_name: InstrumentedAttribute[str | None], needle: str
) -> ColumnElement[bool]:
    """An order named `#1001`, `1001`, its legacy id or its gid."""
    digits = needle.lstrip("#")
    options: list[ColumnElement[bool]] = [
        column_id == needle,
        column_name == needle,
        column_name == f"#{digits}",
    ]
    if digits.isdigit():
        options.append(column_id.like(f"gid://shopify/%/{digits}"))
    return or_(*options)


def trace(session: Session, shop_id: str, needle: str) -> list[TraceStep]:
    """Every recorded step of the entities matching `needle` (name, number, legacy id or gid)."""
    steps: list[TraceStep] = []
    journal = select(JournalEntry).where(
        JournalEntry.shop_id == shop_id, _matches(JournalEntry.entity_id, JournalEntry.entity_name, needle)
    )
    for e in session.scalars(journal):
        steps.append(TraceStep(e.at, e.line, e.entity_id, e.entity_name, e.stage, e.summary, e.run_id))
    same_file = (
        (File.shop_id == Delivery.shop_id)
        & (File.destination == Delivery.destination)
        & (File.file_name == Delivery.file_name)
    )
    ledger = (
        select(Delivery, File)
        .join(File, same_file)
        .where(Delivery.shop_id == shop_id, _matches(Delivery.entity_id, Delivery.entity_name, needle))
    )
    for delivery, file in session.execute(ledger).all():
        steps += _delivery_steps(delivery, file)
        verdicts = select(FileResolution).where(
            FileResolution.shop_id == shop_id,
            FileResolution.destination == file.destination,
            FileResolution.file_name == file.file_name,
        )
        for v in session.scalars(verdicts):
            said = f"{v.resolved_by} settled {file.file_name} as {v.outcome.replace('_', ' ')}: {v.note}"
            steps.append(_step(v.resolved_at, delivery, "person", said, file.run_id))
    held = select(Quarantine).where(
        Quarantine.shop_id == shop_id, _matches(Quarantine.entity_id, Quarantine.entity_name, needle)
    )
    for q in session.scalars(held):
        ident = q.entity_id or ""
        steps.append(
            TraceStep(
                q.created_at, q.line, ident, q.entity_name, "quarantined", f"held back: {q.reason}", q.run_id
            )
        )
        if q.resolved_at is not None:
            steps.append(
                TraceStep(
                    q.resolved_at,
                    q.line,
                    ident,
                    q.entity_name,
                    "released",
                    q.resolution or "resolved",
                    q.run_id,
                )
            )
    return sorted(steps, key=lambda s: (s.at, _ORDER.get(s.stage, 50)))


_ORDER = {
    "received": 0,
    "quarantined": 5,
    "released": 6,
    "skipped": 10,
    "held": 10,
    "mapped": 20,
    "intent": 30,
    "delivered": 40,
}


def _step(at: datetime, delivery: Delivery, stage: str, summary: str, run_id: str | None) -> TraceStep:
    return TraceStep(at, delivery.line, delivery.entity_id, delivery.entity_name, stage, summary, run_id)


def _delivery_steps(delivery: Delivery, file: File) -> list[TraceStep]:
    where = f"{file.file_name} ({delivery.record_type}, {file.row_count} rows in the file)"
    steps = [_step(delivery.created_at, delivery, "intent", f"about to upload {where}", file.run_id)]
    if delivery.delivered_at is not None:
        place = file.remote_path or file.file_name
        steps.append(
            _step(delivery.delivered_at, delivery, "delivered", f"the 3PL has it: {place}", file.run_id)
        )
    elif delivery.status == "abandoned":
        gone = f"{file.file_name} never arrived; its orders are sent again"
        steps.append(_step(file.created_at, delivery, "abandoned", gone, file.run_id))
    return steps
