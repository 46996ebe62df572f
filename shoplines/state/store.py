"""StateStore: runs, leases, watermarks, the delivery ledger and quarantine, per shop, over SQLAlchemy."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from shoplines.state import (
    alerts,
    answers,
    approvals,
    intents,
    inventory,
    journal,
    leases,
    ledger,
    packs,
    postings,
    quarantine,
    resolutions,
    run_log,
    tokens,
    watermarks,
)
from shoplines.state.db import make_engine, migrate, read_only
from shoplines.state.models import Lease as LeaseRow
from shoplines.state.models import MonthEndPack, Run
from shoplines.state.records import (
    AlertRecord,
    AnswerFileRecord,
    AnswerRow,
    Applied,
    ApprovalRecord,
    AwaitingAnswer,
    CorrectionRecord,
    DeliveredVersion,
    EntityVersion,
    FilePlan,
    FileRecord,
    FileResolution,
    JournalRow,
    Lease,
    LeaseHeld,
    LeaseLost,
    LevelRecord,
    Outcome,
    PostingPlan,
    PostingRecord,
    QuarantineRecord,
    QuarantineRow,
    RunRecord,
    ShipmentRecord,
    ShipmentRow,
    StateConflict,
    StateError,
    StockFileRecord,
    TraceStep,
    WatermarkAdvance,
)
from shoplines.state.rows import json_document

# The records travel with the store: callers import everything they need from here.
__all__ = [
    "DeliveredVersion",
    "EntityVersion",
    "FilePlan",
    "FileRecord",
    "FileResolution",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "QuarantineRecord",
    "QuarantineRow",
    "RunRecord",
    "StateConflict",
    "StateError",
    "StateStore",
    "WatermarkAdvance",
]

STALE_AFTER = timedelta(hours=1)  # an intent older than this, of a run without a live lease, is unresolved

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

    def runs(self, shop_id: str, line: str, limit: int = 20, *, status: str | None = None) -> list[RunRecord]:
        """The newest runs of a line, newest first, optionally only those in one status."""
        with self._reads.begin() as session:
            return run_log.latest_runs(session, shop_id, line, limit, status)

    def mark_stale_runs(self, older_than: timedelta) -> list[str]:
        """Mark `abandoned` the runs still `running` after `older_than` with no live lease; their ids."""
        with self._writes.begin() as session:
            return run_log.mark_stale(session, older_than, self._now())

    def acquire_lease(
        self,
        shop_id: str,
        line: str,
        window_start: datetime,
        window_end: datetime,
        *,
        holder: str,
        ttl: timedelta,
        run_id: str | None = None,
    ) -> Lease:
        """Lease [window_start, window_end) of a line to `holder` for `ttl`, before any side effect.

        Race-free across threads and processes. Expired leases are taken over, and their runs, if still
        `running`, marked `abandoned`. The same holder asking again for the same window gets its lease
        back, extended. `run_id` ties the lease to a run.

        Raises:
            ValueError: a naive or empty window, or a ttl that is not positive.
            StateError: `run_id` names no run.
            LeaseHeld: another holder's live lease overlaps the window (on SQLite: any other live lease
                of the line, as SQLite allows one run per line at a time).
        """
        leases.check_request(window_start, window_end, ttl)
        wanted = LeaseRow(shop_id=shop_id, line=line, holder=holder, run_id=run_id)
        wanted.window_start, wanted.window_end = window_start.astimezone(UTC), window_end.astimezone(UTC)
        with self._writes.begin() as session:
            if run_id is not None:
                run_log.require_run(session, run_id)
            return leases.acquire(session, wanted, ttl, self._now())

    def renew_lease(self, lease: Lease, ttl: timedelta) -> Lease:
        """Extend a lease to now + ttl (ValueError: ttl not positive; LeaseLost: released or taken over)."""
        with self._writes.begin() as session:
            return leases.renew(session, lease, ttl, self._now())

    def release_lease(self, lease: Lease) -> None:
        """Give a lease up; releasing it again, or after it was taken over, is a no-op."""
        with self._writes.begin() as session:
            leases.release(session, lease)

    def break_lease(self, shop_id: str, lease_id: str, *, by: str, note: str) -> Lease:
        """A person frees a stuck run's lease; its run is marked `abandoned` with `by` and `note`.

        Raises:
            StateError: no lease of this shop has that id.
        """
        with self._writes.begin() as session:
            return leases.break_lease(session, shop_id, lease_id, by=by, note=note, now=self._now())

    def leases(self, shop_id: str, line: str) -> list[Lease]:
        """The unexpired leases of a line, oldest first."""
        with self._reads.begin() as session:
            return leases.live(session, shop_id, line, self._now())

    def watermark(self, shop_id: str, line: str, selector: str) -> datetime | None:
        """The end of the contiguous completed windows of a line and selector; None before the first."""
        with self._reads.begin() as session:
            return watermarks.current(session, (shop_id, line, selector))

    def advance_watermark(
        self,
        shop_id: str,
        line: str,
        selector: str,
        *,
        window_start: datetime,
        window_end: datetime,
        run_id: str,
    ) -> datetime:
        """Record a completed window and return the watermark after it (one transaction, locked).

        The watermark never moves back and never skips a gap: it moves to `window_end` only when the
        window ends after it and starts at or before it (or is the first window). A window past a gap is
        remembered and absorbed once the gap is filled. Every call leaves a `watermark_history` row.

        Raises:
            ValueError: a naive or reversed window.
            StateError: the run is unknown.
        """
        if window_start.utcoffset() is None or window_end.utcoffset() is None:
            raise ValueError("watermark windows must be timezone-aware datetimes")
        if window_end < window_start:
            raise ValueError(f"window ends ({window_end}) before it starts ({window_start})")
        window = (window_start.astimezone(UTC), window_end.astimezone(UTC))
        with self._writes.begin() as session:
            run_log.require_run(session, run_id)
            return watermarks.advance(session, (shop_id, line, selector), window, run_id, self._now())

    def watermark_history(self, shop_id: str, line: str, selector: str) -> list[WatermarkAdvance]:
        """Every completed window reported for a line and selector, with the watermark moves, oldest first."""
        with self._reads.begin() as session:
            return watermarks.history(session, (shop_id, line, selector))

    def delivered_versions(
        self, shop_id: str, line: str, destination: str, entity_ids: Iterable[str]
    ) -> dict[str, DeliveredVersion]:
        """Latest DELIVERED version per entity: content_hash, record_type, sequence, file_name, delivered_at.

        The entity's next delivery takes `sequence` + 1 (an entity without one starts at 1).
        """
        wanted = sorted(set(entity_ids))
        with self._reads.begin() as session:
            return ledger.latest_delivered(session, shop_id, line, destination, wanted)

    def record_file_intent(self, plan: FilePlan, run_id: str) -> None:
        """Insert the file and its deliveries as `intent` in ONE transaction; idempotent for the same plan.

        A file a person marked not delivered (`abandoned`) is recorded again as a fresh intent of this run
        when the plan is the same.

        Raises:
            ValueError: the plan lists an entity twice, a sequence below 1 or an unknown record type.
            StateError: the run is unknown.
            StateConflict: the file name is recorded with other content, or another live (intent or
                delivered) file already holds one of its entities at the same sequence.
        """
        intents.check_plan(plan)
        try:
            with self._writes.begin() as session:
                run_log.require_run(session, run_id)
                intents.record(session, plan, run_id, self._clock())
        except IntegrityError as exc:
            # Lost a race with a concurrent writer: fine if it recorded this very plan.
            with self._writes.begin() as session:
                if intents.is_recorded(session, plan):
                    return
            raise StateConflict(f"{plan.file_name}: recording the intent violated a constraint") from exc

    def confirm_file(self, shop_id: str, destination: str, file_name: str, remote_path: str) -> None:
        """Mark the file and its deliveries delivered (one transaction); repeating it is a no-op."""
        try:
            with self._writes.begin() as session:
                ledger.confirm(
                    session, shop_id, destination, file_name, remote_path=remote_path, now=self._clock()
                )
        except IntegrityError as exc:
            raise _resent(file_name) from exc

    def unresolved_files(
        self, shop_id: str, destination: str, *, stale_after: timedelta = STALE_AFTER
    ) -> list[FileRecord]:
        """Files still in `intent` that no live run is uploading: their run is over, or has run longer
        than `stale_after` without a live lease. Each needs a person's `resolve_file`; oldest first."""
        with self._reads.begin() as session:
            return resolutions.unresolved(
                session, shop_id, destination, stale_after=stale_after, now=self._now()
            )

    def resolve_file(
        self,
        shop_id: str,
        destination: str,
        file_name: str,
        *,
        outcome: Outcome,
        resolved_by: str,
        note: str,
        remote_path: str | None = None,
    ) -> None:
        """Record a person's verdict on an unconfirmed file, kept in `file_resolutions`.

        `delivered` confirms it like `confirm_file`; `not_delivered` marks it and its entity deliveries
        `abandoned`, so the next run plans those versions again (the same file name may be recorded
        again as a fresh intent). Repeating the recorded verdict is a no-op.

        Raises:
            ValueError: an unknown outcome or an empty `resolved_by`.
            StateError: no such file.
            StateConflict: the file was confirmed delivered (and the verdict says not, or names another
                path), or it is found delivered after its versions went out again in another file.
        """
        key = (shop_id, destination, file_name)
        try:
            with self._writes.begin() as session:
                resolutions.resolve(
                    session, key, outcome=outcome, resolved_by=resolved_by, note=note,
                    remote_path=remote_path, now=self._now(),
                )  # fmt: skip
        except IntegrityError as exc:
            raise _resent(file_name) from exc

    def file_resolutions(self, shop_id: str, destination: str) -> list[FileResolution]:
        """Every verdict recorded on a destination's files, oldest first (the audit trail)."""
        with self._reads.begin() as session:
            return resolutions.history(session, shop_id, destination)

    def recent_file_names(self, shop_id: str, destination: str, limit: int = 200) -> list[str]:
        """The names of the files recorded last for a destination, newest first (by insertion)."""
        with self._reads.begin() as session:
            return ledger.recent_file_names(session, shop_id, destination, limit)

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

    def now(self) -> datetime:
        """The store's clock (UTC)."""
        return self._now()

    def open_alert(
        self, shop_id: str, line: str, key: str, *, kind: str, **content: Any
    ) -> tuple[AlertRecord, bool, bool]:
        """The open alert of `key`, refreshed with `content` (title, what, next_step, counts, window,
        link), or a new one; whether it is new, and whether a count grew (ValueError: unknown kind)."""
        with self._writes.begin() as session:
            return alerts.open_alert(session, shop_id, line, key, kind=kind, content=content, now=self._now())

    def resolve_alerts(
        self,
        shop_id: str,
        line: str,
        keys: Sequence[str],
        *,
        prefix: str | None = None,
        announce: bool = True,
    ) -> list[AlertRecord]:
        """Close the open alerts of `keys` (or starting with `prefix`); `announce` False owes no word."""
        with self._writes.begin() as session:
            return alerts.resolve(
                session, shop_id, line, keys, prefix=prefix, announce=announce, now=self._now()
            )

    def alert_announced(self, alert_id: int, *, kind: str, ok: bool, error: str | None) -> None:
        """Record an announcement attempt (ok: some channel took it)."""
        with self._writes.begin() as session:
            alerts.announced(session, alert_id, kind=kind, ok=ok, error=error, now=self._now())

    def open_alerts(self, shop_id: str, line: str) -> list[AlertRecord]:
        """The open alerts of a line, oldest first."""
        with self._reads.begin() as session:
            return alerts.listed(session, shop_id, line, status="open")

    def alerts(self, shop_id: str, *, status: str | None = "open") -> list[AlertRecord]:
        """The alerts of a shop across lines, oldest first (status None: all)."""
        with self._reads.begin() as session:
            return alerts.listed(session, shop_id, None, status=status)

    def pending_alerts(self, shop_id: str, line: str) -> list[AlertRecord]:
        """Announcements owed: open problems nobody was told of, resolutions not yet sent."""
        with self._reads.begin() as session:
            return alerts.pending(session, shop_id, line)

    def journal(self, shop_id: str, line: str, run_id: str | None, rows: Sequence[JournalRow]) -> int:
        """Append support-journal entries (a repeat of a record's latest entry is skipped); how many."""
        with self._writes.begin() as session:
            return journal.add(session, shop_id, line, run_id, rows, now=self._now())

    def trace(self, shop_id: str, needle: str) -> list[TraceStep]:
        """What happened to the record(s) named `needle` (name, number, legacy id or gid), oldest first."""
        with self._reads.begin() as session:
            return journal.trace(session, shop_id, needle)

    def quarantined(self, shop_id: str, quarantine_id: int) -> QuarantineRecord:
        """One quarantine row (StateError: none of this shop has that id)."""
        with self._reads.begin() as session:
            return quarantine.get_row(session, shop_id, quarantine_id)

    def purge_quarantine_payloads(self, older_than: datetime, *, dry_run: bool = False) -> int:
        """Empty the payloads of quarantine rows resolved before `older_than` (all shops); how many."""
        with self._writes.begin() as session:
            return quarantine.purge_payloads(session, older_than, self._now(), dry_run=dry_run)

    def resolve_passed_quarantine(
        self, shop_id: str, line: str, entity_ids: Sequence[str], run_id: str
    ) -> list[QuarantineRecord]:
        """Close the quarantine rows of records that passed every check in `run_id`."""
        if not entity_ids:
            return []
        with self._writes.begin() as session:
            passed = f"passed every check in run {run_id}"
            return quarantine.resolve_passed(session, shop_id, line, entity_ids, passed, now=self._now())

    # --- the 3PL's answers -------------------------------------------------------------------------

    def answer_file(
        self, shop_id: str, destination: str, file_name: str, sha256: str
    ) -> AnswerFileRecord | None:
        """The record of an answer file read before (same name and content), if any."""
        with self._reads.begin() as session:
            found = answers.find_answer_file(session, shop_id, destination, file_name, sha256)
            return None if found is None else answers.file_record(found)

    def apply_answer_file(
        self,
        shop_id: str,
        destination: str,
        run_id: str,
        *,
        file_name: str,
        sha256: str,
        size: int,
        kind: str,
        rows: Sequence[AnswerRow] = (),
        shipments: Sequence[ShipmentRow] = (),
    ) -> Applied:
        """Apply one ACK, ERR or SHIP file and record it, in ONE transaction; a file applied before (same
        name and content) changes nothing (`already`). Rows that break the rules come back `refused`."""
        with self._writes.begin() as session:
            run_log.require_run(session, run_id)
            found = answers.find_answer_file(session, shop_id, destination, file_name, sha256)
            if found is not None and found.status == "applied":
                return answers.applied(found, already=True)
            now = self._now()
            count = len(rows) + len(shipments)
            file = answers.record_file(
                session, shop_id, destination, file_name, sha256, size=size, kind=kind, rows=count,
                status="applied", reason=None, run_id=run_id, now=now,
            )  # fmt: skip
            matched, refused = answers.apply_answers(session, shop_id, destination, rows, now)
            stored, refused_ships = answers.apply_shipments(session, file, shipments)
            return Applied(answers.file_record(file), matched, refused + refused_ships, stored)

    def quarantine_answer_file(
        self,
        shop_id: str,
        destination: str,
        run_id: str,
        *,
        file_name: str,
        sha256: str,
        size: int,
        reason: str,
    ) -> tuple[AnswerFileRecord, bool]:
        """Record a file we could not read as quarantined; (record, first time seen)."""
        with self._writes.begin() as session:
            run_log.require_run(session, run_id)
            found = answers.find_answer_file(session, shop_id, destination, file_name, sha256)
            first = found is None
            file = answers.record_file(
                session, shop_id, destination, file_name, sha256, size=size, kind="UNKNOWN", rows=0,
                status="quarantined", reason=reason, run_id=run_id, now=self._now(),
            )  # fmt: skip
            return answers.file_record(file), first

    def quarantined_answer_files(self, shop_id: str, destination: str) -> list[AnswerFileRecord]:
        with self._reads.begin() as session:
            return answers.quarantined_files(session, shop_id, destination)

    def answer_file_archived(self, file_id: int, archived_as: str) -> None:
        with self._writes.begin() as session:
            answers.mark_archived(session, file_id, archived_as)

    def awaiting_answers(self, shop_id: str, destination: str, line: str) -> list[AwaitingAnswer]:
        """Delivered files with orders the 3PL has not answered yet, oldest first."""
        with self._reads.begin() as session:
            return answers.awaiting(session, shop_id, destination, line)

    def acknowledged(self, shop_id: str, line: str, destination: str, entity_ids: Iterable[str]) -> set[str]:
        """The entities the 3PL has accepted any delivered version of (not only the latest)."""
        with self._reads.begin() as session:
            return answers.acknowledged_entities(session, shop_id, line, destination, list(entity_ids))

    def unfulfilled_shipments(self, shop_id: str, destination: str) -> list[ShipmentRecord]:
        """Shipped lines with no Shopify fulfilment recorded yet, oldest first."""
        with self._reads.begin() as session:
            return answers.unfulfilled(session, shop_id, destination)

    def shipments(self, shop_id: str, entity_ids: Sequence[str]) -> list[ShipmentRecord]:
        with self._reads.begin() as session:
            return answers.shipments_of(session, shop_id, list(entity_ids))

    def shipments_fulfilled(self, shipment_ids: Sequence[int], fulfillment_id: str) -> None:
        """Record the Shopify fulfilment that carries these shipped lines."""
        with self._writes.begin() as session:
            answers.mark_fulfilled(session, shipment_ids, fulfillment_id, self._now())

    # --- approvals -----------------------------------------------------------------------------------

    def request_approval(
        self,
        shop_id: str,
        *,
        line: str,
        kind: str,
        entity_id: str,
        entity_name: str,
        subject: str,
        summary: str,
        detail: dict[str, Any],
        amount_cents: int | None = None,
        run_id: str | None = None,
    ) -> tuple[ApprovalRecord, bool]:
        """The approval for this subject, created pending if none exists; (record, created now)."""
        with self._writes.begin() as session:
            return approvals.request(
                session, shop_id, line=line, kind=kind, entity_id=entity_id, entity_name=entity_name,
                subject=subject, summary=summary, detail=detail, amount_cents=amount_cents, run_id=run_id,
                now=self._now(),
            )  # fmt: skip

    def decide_approval(
        self, shop_id: str, approval_id: int, *, approve: bool, by: str, reason: str
    ) -> ApprovalRecord:
        """A person's decision (StateError: unknown, or not pending any more)."""
        if not by.strip() or not reason.strip():
            raise StateError("a decision needs the name of the person deciding and a reason")
        with self._writes.begin() as session:
            return approvals.decide(
                session, shop_id, approval_id, approve=approve, by=by, reason=reason, now=self._now()
            )

    def withdraw_approvals(self, approval_ids: Sequence[int], reason: str) -> None:
        if approval_ids:
            with self._writes.begin() as session:
                approvals.withdraw(session, approval_ids, self._now(), reason)

    def approvals(
        self,
        shop_id: str,
        *,
        status: str | None = "pending",
        line: str | None = None,
        kind: str | None = None,
    ) -> list[ApprovalRecord]:
        with self._reads.begin() as session:
            return approvals.listing(session, shop_id, status=status, line=line, kind=kind)

    def approval(self, shop_id: str, approval_id: int) -> ApprovalRecord:
        with self._reads.begin() as session:
            return approvals.get(session, shop_id, approval_id)

    def purge_approval_details(self, older_than: datetime, *, dry_run: bool = False) -> int:
        with self._writes.begin() as session:
            return approvals.purge_details(session, older_than, dry_run=dry_run)

    # --- the accounting ledger -----------------------------------------------------------------------

    def record_posting_intent(self, shop_id: str, plan: PostingPlan, run_id: str) -> PostingRecord:
        """The ledger row of an accounting write, recorded as intent before the call (or the existing one).

        Raises:
            StateConflict: the key is recorded with other content.
        """
        with self._writes.begin() as session:
            run_log.require_run(session, run_id)
            return postings.record_intent(session, shop_id, plan, run_id, self._now())

    def mark_posting(
        self, posting_id: int, *, status: str, external_id: str | None = None, message: str | None = None
    ) -> PostingRecord:
        """`posted` (with the provider's id) or `failed` (with the provider's words)."""
        with self._writes.begin() as session:
            return postings.mark(
                session, posting_id, status=status, external_id=external_id, message=message, now=self._now()
            )

    def postings(
        self,
        shop_id: str,
        *,
        provider: str = "xero",
        kind: str | None = None,
        keys: Sequence[str] | None = None,
        status: str | None = None,
        line: str | None = None,
    ) -> list[PostingRecord]:
        with self._reads.begin() as session:
            return postings.listing(
                session, shop_id, provider=provider, kind=kind, keys=keys, status=status, line=line
            )

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- accounting connections (xero-client) ------------------------------------------------------

    def accounting_connection(self, shop_id: str, provider: str) -> tokens.ConnectionRecord | None:
        """The stored connection (tenant, encrypted token set), or None."""
        with self._reads.begin() as session:
            return tokens.get(session, shop_id, provider)

    def save_accounting_connection(
        self,
        shop_id: str,
        provider: str,
        *,
        tenant_id: str,
        tenant_name: str,
        connection_id: str | None,
        update: tokens.TokenUpdate,
    ) -> tokens.ConnectionRecord:
        """Store a newly made connection, replacing any earlier one of the shop for this provider."""
        with self._writes.begin() as session:
            return tokens.save(
                session, shop_id, provider, tenant_id=tenant_id, tenant_name=tenant_name,
                connection_id=connection_id, update=update, now=self._now(),
            )  # fmt: skip

    def update_accounting_tokens(
        self,
        shop_id: str,
        provider: str,
        decide: Callable[[tokens.ConnectionRecord], tokens.TokenUpdate | None],
    ) -> tokens.ConnectionRecord:
        """Under the connection's lock, re-read it and store what ``decide`` returns (a refresh).

        ``decide`` runs inside the transaction (it may call the token endpoint): keep it short.
        """
        with self._writes.begin() as session:
            return tokens.update_locked(session, shop_id, provider, decide, self._now)

    def delete_accounting_connection(self, shop_id: str, provider: str) -> bool:
        """Forget the connection; True if there was one."""
        with self._writes.begin() as session:
            return tokens.delete(session, shop_id, provider)

    # --- end of accounting connections --------------------------------------------------------------

    # --- inventory ---------------------------------------------------------------------------------

    def store_levels(
        self, shop_id: str, levels: list[LevelRecord], *, replace_locations: Sequence[str] = (),
        keep: Sequence[tuple[str, str]] = (),
    ) -> int:  # fmt: skip
        """Upsert our copy of Shopify's levels; `replace_locations` were read whole (a snapshot), except the
        (location, item) pairs in `keep`."""
        with self._writes.begin() as session:
            return inventory.store_levels(
                session, shop_id, levels, replace_locations=replace_locations, keep=keep
            )

    def inventory_levels(self, shop_id: str) -> list[LevelRecord]:
        with self._reads.begin() as session:
            return inventory.levels(session, shop_id)

    def newest_levels(self, shop_id: str) -> dict[str, datetime]:
        """The newest `updated_at` held per location: where the next increment starts."""
        with self._reads.begin() as session:
            return inventory.newest(session, shop_id)

    def count_levels(self, shop_id: str, location_id: str) -> int:
        with self._reads.begin() as session:
            return inventory.count_levels(session, shop_id, location_id)

    def stock_file(self, shop_id: str, file_name: str, sha256: str) -> StockFileRecord | None:
        with self._reads.begin() as session:
            return inventory.find_stock_file(session, shop_id, file_name, sha256)

    def record_stock_file(self, shop_id: str, **fields: Any) -> StockFileRecord:
        """Record a stock file read: file_name, sha256, size, as_of, rows, set_aside, mismatches, status,
        reason, run_id (read now)."""
        with self._writes.begin() as session:
            return inventory.record_stock_file(session, shop_id, read_at=self._now(), **fields)

    def stock_file_archived(self, file_id: int, archived_as: str) -> None:
        with self._writes.begin() as session:
            inventory.stock_file_archived(session, file_id, archived_as)

    def stock_files(self, shop_id: str, limit: int = 20) -> list[StockFileRecord]:
        with self._reads.begin() as session:
            return inventory.stock_files(session, shop_id, limit)

    def stock_correction(self, shop_id: str, approval_id: int) -> CorrectionRecord | None:
        with self._reads.begin() as session:
            return inventory.correction(session, shop_id, approval_id)

    def begin_stock_correction(
        self, shop_id: str, approval_id: int, *, key: str, run_id: str
    ) -> CorrectionRecord:
        """Record the intent to apply an approved batch before Shopify is called (kept if already there)."""
        with self._writes.begin() as session:
            return inventory.begin_correction(session, shop_id, approval_id, key=key, run_id=run_id,
                                              now=self._now())  # fmt: skip

    def finish_stock_correction(
        self, correction_id: int, *, status: str, group_id: str | None, message: str
    ) -> None:
        with self._writes.begin() as session:
            inventory.finish_correction(session, correction_id, status=status, group_id=group_id,
                                        message=message, now=self._now())  # fmt: skip

    def shipped_since(self, shop_id: str, destination: str, since: datetime) -> list[ShipmentRecord]:
        """Shipped lines the 3PL reported with a ship time after `since`."""
        with self._reads.begin() as session:
            return answers.shipped_since(session, shop_id, destination, since)

    # --- month-end packs ------------------------------------------------------------------------------

    def record_pack(
        self,
        shop_id: str,
        *,
        month: str,
        revision: int,
        run_id: str,
        fingerprint: str,
        manifest: dict[str, Any],
        figures: Iterable[packs.PackFigure],
    ) -> packs.PackRecord:
        """Record an issued pack revision and what it says of each order, in one transaction.

        Raises:
            StateConflict: that revision of the month is already issued.
        """
        with self._writes.begin() as session:
            row = MonthEndPack(
                shop_id=shop_id, month=month, revision=revision, run_id=run_id, status="issued",
                fingerprint=fingerprint, manifest=json_document(manifest), delivered_to=[],
                created_at=self._now(), delivered_at=None,
            )  # fmt: skip
            return packs.record(session, row, figures)

    def month_end_packs(self, shop_id: str, month: str | None = None) -> list[packs.PackRecord]:
        """Issued packs (of one month), oldest revision first."""
        with self._reads.begin() as session:
            return packs.listing(session, shop_id, month)

    def pack_delivered(self, pack_id: int, targets: Sequence[str]) -> packs.PackRecord:
        """Note where a pack was delivered (added to earlier deliveries)."""
        with self._writes.begin() as session:
            return packs.mark_delivered(session, pack_id, targets, self._now())

    def pack_figures(self, pack_id: int) -> dict[str, tuple[str, packs.Figures]]:
        """Order id -> (name, figures per VAT class) that a pack says."""
        with self._reads.begin() as session:
            return packs.figures_of(session, pack_id)

    def month_end_baselines(
        self, shop_id: str, order_ids: Sequence[str], month: str
    ) -> dict[str, tuple[list[packs.Figures], str]]:
        """What the packs issued before `month` say of each order (see `packs.baselines`)."""
        with self._reads.begin() as session:
            return packs.baselines(session, shop_id, order_ids, month)

    def posted_invoice_days(
        self, shop_id: str, provider: str, first: str, last: str
    ) -> dict[str, tuple[int, int]]:
        """Per business day: orders in posted invoices and their amount in cents."""
        with self._reads.begin() as session:
            return packs.invoice_days(session, shop_id, provider, first, last)


def _resent(file_name: str) -> StateConflict:
    # The unique index over live deliveries refused: these versions are live in another file.
    return StateConflict(
        f"{file_name} cannot be marked delivered: some of its entity versions were recorded again in "
        "another file after it was marked not delivered; check both files with the warehouse"
    )
