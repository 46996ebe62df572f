"""StateStore: runs, the delivery ledger and quarantine, per shop, over SQLAlchemy."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from shoplines.state import intents, ledger, quarantine, run_log
from shoplines.state.db import make_engine, migrate, read_only
from shoplines.state.models import Run
from shoplines.state.records import (
    DeliveredVersion,
    EntityVersion,
    FilePlan,
    FileRecord,
    QuarantineRecord,
    QuarantineRow,
    RunRecord,
    StateConflict,
    StateError,
)
from shoplines.state.rows import json_document

# The records travel with the store: callers import everything they need from here.
__all__ = [
    "DeliveredVersion",
    "EntityVersion",
    "FilePlan",
    "FileRecord",
    "QuarantineRecord",
    "QuarantineRow",
    "RunRecord",
    "StateConflict",
    "StateError",
    "StateStore",
]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


class StateStore:
    """The state database behind every line: what ran, what was delivered, what was held back."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        """Wrap an engine whose database is already migrated; prefer `StateStore.open`."""
        self.engine = engine
        self._clock = clock
        self._writes = sessionmaker(engine, expire_on_commit=False)
        self._reads = sessionmaker(read_only(engine), expire_on_commit=False)

    @classmethod
    def open(cls, url: str, clock: Clock = utc_now) -> Self:
        """Connect to `url` (sqlite:///… or postgresql+psycopg://…) and migrate it to the newest schema.

        Raises:
            StateError: the URL scheme is not supported.
        """
        engine = make_engine(url)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock)

    def start_run(  # noqa: PLR0917 - the agreed positional interface
        self,
        shop_id: str,
        line: str,
        selector: str,
        window_start: datetime,
        window_end: datetime,
        params: dict[str, Any],
        *,
        run_id: str | None = None,
        prefect_flow_run_id: str | None = None,
    ) -> str:
        """Record a run as `running` and return its id (a new UUID unless `run_id` is given).

        Raises:
            ValueError: a naive or reversed window.
            StateConflict: `run_id` is already taken.
        """
        if window_start.utcoffset() is None or window_end.utcoffset() is None:
            raise ValueError("run windows must be timezone-aware datetimes")
        if window_end < window_start:
            raise ValueError(f"window ends ({window_end}) before it starts ({window_start})")
        run = Run(run_id=run_id or str(uuid.uuid4()), shop_id=shop_id, line=line, selector=selector)
        run.window_start, run.window_end, run.params = window_start, window_end, json_document(params)
        run.status, run.counts, run.started_at = "running", {}, self._clock()
        run.prefect_flow_run_id = prefect_flow_run_id
        try:
            with self._writes.begin() as session:
                session.add(run)
        except IntegrityError as exc:
            raise StateConflict(f"run {run.run_id!r} already exists") from exc
        return run.run_id

    def finish_run(
        self, run_id: str, status: str, counts: dict[str, int], message: str | None = None
    ) -> None:
        """Close a run as `completed` or `failed` with its counts (ValueError/StateError if invalid)."""
        with self._writes.begin() as session:
            run_log.finish_run(session, run_id, status, counts, message=message, now=self._clock())

    def runs(self, shop_id: str, line: str, limit: int = 20) -> list[RunRecord]:
        """The newest runs of a line, newest first."""
        with self._reads.begin() as session:
            return run_log.latest_runs(session, shop_id, line, limit)

    def delivered_versions(
        self, shop_id: str, line: str, destination: str, entity_ids: Iterable[str]
    ) -> dict[str, DeliveredVersion]:
        """Latest DELIVERED version per entity: content_hash, record_type, file_name, delivered_at."""
        wanted = sorted(set(entity_ids))
        with self._reads.begin() as session:
            return ledger.latest_delivered(session, shop_id, line, destination, wanted)

    def record_file_intent(self, plan: FilePlan, run_id: str) -> None:
        """Insert the file and its deliveries as `intent` in ONE transaction; idempotent for the same plan.

        Raises:
            ValueError: the plan lists an entity version twice or an unknown record type.
            StateError: the run is unknown.
            StateConflict: the file name or an entity version is already recorded differently.
        """
        intents.check_plan(plan)
        try:
            with self._writes.begin() as session:
                run_log.require_run(session, run_id)
                if not intents.is_recorded(session, plan):
                    intents.insert_intent(session, plan, run_id, self._clock())
        except IntegrityError as exc:
            # Lost a race with a concurrent writer: fine if it recorded this very plan.
            with self._writes.begin() as session:
                if intents.is_recorded(session, plan):
                    return
            raise StateConflict(f"{plan.file_name}: recording the intent violated a constraint") from exc

    def confirm_file(self, shop_id: str, destination: str, file_name: str, remote_path: str) -> None:
        """Mark the file and its deliveries delivered (one transaction); repeating it is a no-op."""
        with self._writes.begin() as session:
            ledger.confirm(
                session, shop_id, destination, file_name, remote_path=remote_path, now=self._clock()
            )

    def files(self, shop_id: str, destination: str, status: str | None = None) -> list[FileRecord]:
        """Files recorded for a destination, oldest first, optionally only those in one status."""
        with self._reads.begin() as session:
            return ledger.list_files(session, shop_id, destination, status)

    def quarantine_rows(self, shop_id: str, line: str, run_id: str, rows: Sequence[QuarantineRow]) -> int:
        """Hold records back from delivery; returns how many were quarantined (StateError: unknown run)."""
        with self._writes.begin() as session:
            run_log.require_run(session, run_id)
            quarantine.add_rows(session, shop_id, line, run_id, rows, now=self._clock())
        return len(rows)

    def open_quarantine(self, shop_id: str, line: str) -> list[QuarantineRecord]:
        """Quarantined records of a line not resolved yet, oldest first."""
        with self._reads.begin() as session:
            return quarantine.open_rows(session, shop_id, line)

    def resolve_quarantine(self, shop_id: str, quarantine_id: int, resolution: str) -> None:
        """Close a quarantined record with a note on how it was resolved (StateError/StateConflict)."""
        with self._writes.begin() as session:
            quarantine.resolve(session, shop_id, quarantine_id, resolution, self._clock())

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
