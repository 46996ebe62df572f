"""Files whose delivery was never confirmed, and a person's verdict on them (kept in `file_resolutions`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from shoplines.state.ledger import find_file, mark_delivered, set_delivery_status
from shoplines.state.models import File, FileResolution, Lease, Run
from shoplines.state.records import OUTCOMES, FileRecord, StateConflict, StateError
from shoplines.state.records import FileResolution as ResolutionRecord
from shoplines.state.rows import to_record

FileKey = tuple[str, str, str]  # shop_id, destination, file_name
# A verdict that repeats what is already recorded changes nothing.
SETTLED = {"delivered": "delivered", "not_delivered": "abandoned"}


def unresolved(
    session: Session, shop_id: str, destination: str, *, stale_after: timedelta, now: datetime
) -> list[FileRecord]:
    """Files in `intent` whose run is over, or has run longer than `stale_after` without a live lease."""
    live_lease = exists().where(Lease.run_id == Run.run_id, Lease.expires_at > now)
    query = (
        select(File)
        .join(Run, Run.run_id == File.run_id)
        .where(File.shop_id == shop_id, File.destination == destination, File.status == "intent")
        .where(or_(Run.status != "running", (Run.started_at < now - stale_after) & ~live_lease))
        .order_by(File.created_at, File.id)
    )
    return [to_record(FileRecord, row) for row in session.scalars(query)]


def resolve(
    session: Session,
    key: FileKey,
    *,
    outcome: str,
    resolved_by: str,
    note: str,
    remote_path: str | None,
    now: datetime,
) -> None:
    """Apply a person's verdict on an unconfirmed file and keep it on record.

    `delivered` confirms the file and its entity versions; `not_delivered` marks both `abandoned`, so
    the next run plans those versions again. A file marked not delivered may still be found delivered
    later (the store refuses that if its versions went out in another file since); a delivered file
    stays delivered. Repeating the verdict already recorded changes nothing.

    Raises:
        ValueError: an unknown outcome or an empty `resolved_by`.
        StateError: no such file.
        StateConflict: the file was confirmed delivered, and the verdict says not, or names another path.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"a resolution outcome is one of {OUTCOMES}, not {outcome!r}")
    if not resolved_by.strip():
        raise ValueError("say who resolved the file (resolved_by)")
    file = find_file(session, *key)
    if file is None:
        raise StateError(f"no file {key[2]} recorded for {key[1]} ({key[0]})")
    if file.status == "delivered":
        _refuse_undelivering(file, outcome, remote_path)
        return
    if file.status == SETTLED[outcome]:
        return
    if outcome == "delivered":
        mark_delivered(session, file, remote_path, now)
    else:
        file.status = "abandoned"
        set_delivery_status(session, file, "abandoned", None)
    resolution = FileResolution(
        shop_id=key[0], destination=key[1], file_name=key[2], run_id=file.run_id, outcome=outcome,
        resolved_by=resolved_by, note=note, remote_path=remote_path, resolved_at=now,
    )  # fmt: skip
    session.add(resolution)


def _refuse_undelivering(file: File, outcome: str, remote_path: str | None) -> None:
    if outcome == "not_delivered":
        raise StateConflict(
            f"{file.file_name} was confirmed delivered at {file.remote_path}; "
            "it cannot be marked not delivered"
        )
    if remote_path is not None and remote_path != file.remote_path:
        raise StateConflict(f"{file.file_name} was confirmed at {file.remote_path}, not {remote_path}")


def history(session: Session, shop_id: str, destination: str) -> list[ResolutionRecord]:
    """Every resolution recorded for a destination, oldest first."""
    query = (
        select(FileResolution)
        .where(FileResolution.shop_id == shop_id, FileResolution.destination == destination)
        .order_by(FileResolution.resolved_at, FileResolution.id)
    )
    return [to_record(ResolutionRecord, row) for row in session.scalars(query)]
