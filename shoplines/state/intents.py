"""Recording a file's intent: the plan checks, the idempotency/conflict check and the inserts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shoplines.state.ledger import find_file, set_delivery_status
from shoplines.state.models import Delivery, File
from shoplines.state.records import LIVE_FILE_STATUSES, RECORD_TYPES, EntityVersion, FilePlan, StateConflict
from shoplines.state.rows import chunks

DeliveryKey = tuple[str, int]  # entity_id, sequence: one live delivery per place in an entity's history
Content = tuple[str, int, str, str]  # entity_id, sequence, content_hash, record_type


def plan_keys(plan: FilePlan) -> set[DeliveryKey]:
    """The delivery keys (within shop, line, destination) a plan would record."""
    return {(e.entity_id, e.sequence) for e in plan.entities}


def _content(entity: EntityVersion | Delivery) -> Content:
    return (entity.entity_id, entity.sequence, entity.content_hash, entity.record_type)


def check_plan(plan: FilePlan) -> None:
    """Refuse a plan that could never be recorded.

    Raises:
        ValueError: an entity is listed twice, a sequence is below 1, or a record type is unknown.
    """
    if len({e.entity_id for e in plan.entities}) != len(plan.entities):
        raise ValueError(f"{plan.file_name}: the plan lists an entity more than once")
    if any(e.sequence < 1 for e in plan.entities):
        raise ValueError(f"{plan.file_name}: delivery sequences start at 1")
    unknown = sorted({e.record_type for e in plan.entities} - set(RECORD_TYPES))
    if unknown:
        raise ValueError(f"{plan.file_name}: unknown record types {unknown}; expected one of {RECORD_TYPES}")


def record(session: Session, plan: FilePlan, run_id: str, now: datetime) -> None:
    """Record the plan's intent: insert it, reopen it if a person marked it not delivered, else nothing.

    Raises:
        StateConflict: the file name, or one of its live delivery keys, is recorded with other content.
    """
    found = recorded_file(session, plan)
    if found is None:
        insert_intent(session, plan, run_id, now)
    elif found.status == "abandoned":
        _reopen(session, found, run_id, now)


def is_recorded(session: Session, plan: FilePlan) -> bool:
    """Whether exactly this plan is already recorded (StateConflict if recorded with other content)."""
    return recorded_file(session, plan) is not None


def recorded_file(session: Session, plan: FilePlan) -> File | None:
    """The `files` row holding exactly this plan, if any.

    Raises:
        StateConflict: the file name, or one of its live delivery keys, is recorded with other content.
    """
    _refuse_clashes(session, plan, plan_keys(plan))
    found = find_file(session, plan.shop_id, plan.destination, plan.file_name)
    if found is None:
        return None
    same_file = (found.line, found.batch_id, found.sha256, found.size, found.row_count) == (
        plan.line, plan.batch_id, plan.sha256, plan.size, plan.row_count,
    )  # fmt: skip
    stored = {_content(d) for d in _file_deliveries(session, plan)}
    if not same_file or stored != {_content(e) for e in plan.entities}:
        raise StateConflict(f"{plan.file_name} is already recorded for {plan.destination} with other content")
    return found


def _reopen(session: Session, file: File, run_id: str, now: datetime) -> None:
    # Same name, same content, and a person said the earlier upload never arrived: a fresh intent of
    # this run. The abandonment stays on record in file_resolutions.
    file.status, file.run_id, file.created_at = "intent", run_id, now
    file.remote_path = file.delivered_at = None
    set_delivery_status(session, file, "intent", None)


def _refuse_clashes(session: Session, plan: FilePlan, wanted: set[DeliveryKey]) -> None:
    entity_ids = sorted({key[0] for key in wanted})
    clashes = [
        d
        for d in _deliveries(session, plan, entity_ids)
        if (d.entity_id, d.sequence) in wanted
        and d.file_name != plan.file_name
        and d.status in LIVE_FILE_STATUSES
    ]
    if clashes:
        names = ", ".join(
            sorted(f"{d.entity_name} in {d.file_name} (delivery {d.sequence})" for d in clashes)[:5]
        )
        raise StateConflict(
            f"{plan.file_name}: another file already holds these deliveries (same entity, same place in its "
            f"history): {names}"
        )


def _deliveries(session: Session, plan: FilePlan, entity_ids: Sequence[str]) -> Iterator[Delivery]:
    for chunk in chunks(entity_ids):
        yield from session.scalars(
            select(Delivery).where(
                Delivery.shop_id == plan.shop_id,
                Delivery.line == plan.line,
                Delivery.destination == plan.destination,
                Delivery.entity_id.in_(chunk),
            )
        )


def _file_deliveries(session: Session, plan: FilePlan) -> Iterable[Delivery]:
    return session.scalars(
        select(Delivery).where(
            Delivery.shop_id == plan.shop_id,
            Delivery.destination == plan.destination,
            Delivery.file_name == plan.file_name,
        )
    )


def insert_intent(session: Session, plan: FilePlan, run_id: str, now: datetime) -> None:
    """Insert the file and its deliveries with status `intent`."""
    common: dict[str, Any] = {
        "shop_id": plan.shop_id,
        "line": plan.line,
        "destination": plan.destination,
        "file_name": plan.file_name,
        "status": "intent",
        "created_at": now,
    }
    session.add(
        File(
            **common,
            batch_id=plan.batch_id,
            sha256=plan.sha256,
            size=plan.size,
            row_count=plan.row_count,
            run_id=run_id,
        )
    )
    session.flush()  # the file row must exist before the deliveries that reference it
    if plan.entities:
        session.execute(insert(Delivery), [common | dataclasses.asdict(e) for e in plan.entities])
