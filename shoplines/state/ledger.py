"""The delivery ledger's reads and confirmations (files and deliveries), inside the store's transactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shoplines.state.models import Delivery, File
from shoplines.state.records import DeliveredVersion, FileRecord, StateConflict, StateError
from shoplines.state.rows import chunks, to_record


def find_file(session: Session, shop_id: str, destination: str, file_name: str) -> File | None:
    """The `files` row for a file name at a destination, if any."""
    query = select(File).where(
        File.shop_id == shop_id, File.destination == destination, File.file_name == file_name
    )
    return session.scalar(query)


def confirm(
    session: Session, shop_id: str, destination: str, file_name: str, *, remote_path: str, now: datetime
) -> None:
    """Flip a file and its deliveries from `intent` to `delivered`; a repeat with the same path is a no-op.

    Raises:
        StateError: no intent is recorded for this file.
        StateConflict: the file was already confirmed at another remote path.
    """
    file = find_file(session, shop_id, destination, file_name)
    if file is None:
        raise StateError(f"no intent recorded for {file_name} at {destination} ({shop_id})")
    if file.status == "delivered":
        if file.remote_path != remote_path:
            raise StateConflict(f"{file_name} was confirmed at {file.remote_path}, not {remote_path}")
        return
    mark_delivered(session, file, remote_path, now)


def mark_delivered(session: Session, file: File, remote_path: str | None, now: datetime) -> None:
    """Flip a file and its deliveries (intent or abandoned) to `delivered`."""
    file.status, file.remote_path, file.delivered_at = "delivered", remote_path, now
    set_delivery_status(session, file, "delivered", now)


def set_delivery_status(session: Session, file: File, status: str, now: datetime | None) -> None:
    """Give every delivery of a file `status` (and `delivered_at`, when it becomes delivered)."""
    session.execute(
        update(Delivery)
        .where(
            Delivery.shop_id == file.shop_id,
            Delivery.destination == file.destination,
            Delivery.file_name == file.file_name,
            Delivery.status != status,
        )
        .values(status=status, delivered_at=now if status == "delivered" else None)
        .execution_options(synchronize_session=False)
    )


def list_files(session: Session, shop_id: str, destination: str, status: str | None) -> list[FileRecord]:
    """Files recorded for a destination, oldest first, optionally only those in one status."""
    query = select(File).where(File.shop_id == shop_id, File.destination == destination)
    if status is not None:
        query = query.where(File.status == status)
    rows = session.scalars(query.order_by(File.created_at, File.id))
    return [to_record(FileRecord, row) for row in rows]


def recent_file_names(session: Session, shop_id: str, destination: str, limit: int) -> list[str]:
    """The names of the files recorded last for a destination (by insertion, not by any clock)."""
    query = select(File.file_name).where(File.shop_id == shop_id, File.destination == destination)
    return list(session.scalars(query.order_by(File.id.desc()).limit(limit)))


def latest_delivered(
    session: Session, shop_id: str, line: str, destination: str, entity_ids: Sequence[str]
) -> dict[str, DeliveredVersion]:
    """The latest delivered version of each entity that has one: the highest sequence delivered."""
    latest: dict[str, DeliveredVersion] = {}
    for chunk in chunks(entity_ids):
        rows = session.scalars(
            select(Delivery)
            .where(
                Delivery.shop_id == shop_id,
                Delivery.line == line,
                Delivery.destination == destination,
                Delivery.status == "delivered",
                Delivery.entity_id.in_(chunk),
            )
            .order_by(Delivery.sequence, Delivery.delivered_at, Delivery.id)
        )
        for row in rows:
            latest[row.entity_id] = to_record(DeliveredVersion, row)
    return latest
