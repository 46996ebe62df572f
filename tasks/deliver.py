"""Thin I/O tasks: upload warehouse files exactly once, and settle uploads an earlier run left unconfirmed.

Order of a delivery (each step survives a crash at the next): write `NAME.part` (invisible to the 3PL) ->
record the intent -> rename to `NAME` (the delivery) -> copy to our archive folder -> confirm in the ledger.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from logging import Logger, LoggerAdapter
from typing import Any, Literal, cast

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from prefect.tasks import exponential_backoff

from clients.sftp import SftpClient, SftpError, SftpTargetExists, is_retriable
from shoplines.crashpoints import crash_point
from shoplines.errors import ShoplinesError
from shoplines.state.records import RecordType
from shoplines.state.store import EntityVersion, FilePlan, StateStore
from tasks.warehouse_file import WarehouseFile

ANSWER_PREFIXES = ("ACK_", "ERR_")  # the 3PL's answers name the file they answer
Outcome = Literal["delivered", "not_delivered", "unclear"]
RunLogger = Logger | LoggerAdapter[Logger]


@dataclass(frozen=True)
class Target:
    """Where a line delivers: shop, line, destination name, and the SFTP folders involved.

    `directory` is the 3PL's inbound folder; `archive` our own copy of every delivered file; `processed` and
    `outbound` where the 3PL moves files it took and writes its answers (used to settle unconfirmed uploads).
    """

    shop_id: str
    line: str
    destination: str
    directory: str
    archive: str | None = None
    processed: str | None = None
    outbound: str | None = None


def file_plan(target: Target, file: WarehouseFile, planned: pd.DataFrame) -> FilePlan:
    """The ledger entry for a file: one entity version per order in it (full content hash, sequence)."""
    by_legacy = planned.set_index("legacy_id")
    has_address = "address_hash" in planned.columns
    entities = [
        EntityVersion(
            entity_id=str(by_legacy.at[row.order_id, "order_id"]),
            entity_name=str(row.order_number),
            content_hash=str(by_legacy.at[row.order_id, "content_hash"]),
            record_type=cast(RecordType, row.record_type),
            sequence=int(cast(int, by_legacy.at[row.order_id, "sequence"])),
            address_hash=str(by_legacy.at[row.order_id, "address_hash"]) if has_address else None,
        )
        for row in file.orders.itertuples()
    ]
    return FilePlan(
        shop_id=target.shop_id, line=target.line, destination=target.destination, file_name=file.name,
        batch_id=file.batch_id, sha256=file.sha256, size=len(file.content), row_count=len(file.rows),
        entities=entities,
    )  # fmt: skip


def retry_transient(_task: object, _run: object, state: State[Any]) -> bool:
    """Prefect retry condition: retry the step only for SFTP failures a fresh connection may fix."""
    try:
        state.result()
    except Exception as exc:  # the step's own failure, re-raised by Prefect
        return is_retriable(exc)
    return False


# SFTP steps are side effects: never cached; retried as a whole step (fresh connection, 2/4/8 s with
# jitter) only for transient failures, and each retry looks files up before sending anything.
SFTP_STEP: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_transient,
}


@task(name="settle-unconfirmed-uploads", **SFTP_STEP)
def settle_unconfirmed(connect: Callable[[], SftpClient], state: StateStore, target: Target) -> int:
    """Ask the server about every upload an earlier run recorded but never confirmed, before planning.

    Found in inbound, our archive, the 3PL's processed folder or answers: delivered, confirmed now. Only the
    unfinished `.part` there: never delivered, so its order versions are planned again. No trace at all: the
    3PL may have taken it without answering yet, so nothing is re-sent and the run stops for a person.

    Returns:
        How many uploads were settled.

    Raises:
        DeliveryUnresolved: some uploads are still unclear (listed by `shoplines ledger unresolved`).
    """
    pending = state.unresolved_files(target.shop_id, target.destination)
    if not pending:
        return 0
    logger = get_run_logger()
    unclear: list[str] = []
    with connect() as sftp:
        for record in pending:
            outcome, evidence = locate(sftp, target, record.file_name, record.sha256)
            if outcome == "delivered":
                remote = posixpath.join(target.directory, record.file_name)
                state.resolve_file(
                    target.shop_id,
                    target.destination,
                    record.file_name,
                    outcome="delivered",
                    resolved_by="shoplines",
                    note=evidence,
                    remote_path=remote,
                )
                logger.warning(
                    "%s (run %s) was delivered: %s; confirmed", record.file_name, record.run_id, evidence
                )
            elif outcome == "not_delivered":
                sftp.remove_part(target.directory, record.file_name)
                state.resolve_file(
                    target.shop_id,
                    target.destination,
                    record.file_name,
                    outcome="not_delivered",
                    resolved_by="shoplines",
                    note=evidence,
                )
                logger.warning(
                    "%s (run %s) never reached the 3PL: %s; its orders go again",
                    record.file_name,
                    record.run_id,
                    evidence,
                )
            else:
                logger.error(
                    "%s from run %s: %s; held for a person", record.file_name, record.run_id, evidence
                )
                unclear.append(record.file_name)
    if unclear:
        raise DeliveryUnresolved(unclear)
    return len(pending)


def locate(sftp: SftpClient, target: Target, name: str, sha256: str) -> tuple[Outcome, str]:
    """What the server says about an upload: delivered, never delivered, or unclear (with the evidence)."""
    inbound = posixpath.join(target.directory, name)
    if sftp.exists(inbound):
        if hashlib.sha256(sftp.read_bytes(inbound)).hexdigest() == sha256:
            return "delivered", f"it is waiting in {inbound}"
        return "unclear", f"{inbound} holds other content than we recorded"
    for folder, what in ((target.archive, "our archive"), (target.processed, "the 3PL's processed folder")):
        if folder and sftp.exists(posixpath.join(folder, name)):
            return "delivered", f"it is in {what} ({folder})"
    for prefix in ANSWER_PREFIXES if target.outbound else ():
        answer = posixpath.join(cast(str, target.outbound), prefix + name)
        if sftp.exists(answer):
            return "delivered", f"the 3PL answered it in {answer}"
    if sftp.exists(inbound + ".part"):
        return "not_delivered", "only its unfinished upload (.part) is on the server; it was never renamed"
    return "unclear", "no trace on the server: the 3PL may have taken it without answering yet"


@task(name="upload-warehouse-files", **SFTP_STEP)
def deliver_files(
    files: list[WarehouseFile],
    planned: pd.DataFrame,
    *,
    connect: Callable[[], SftpClient],
    state: StateStore,
    target: Target,
    run_id: str,
) -> list[str]:
    """Upload over one connection: part, intent, rename, archive copy, confirmation (module docstring).

    Safe to retry after a dropped connection: files the ledger has as delivered are skipped, and a file
    left as an intent by the failed attempt is first looked up on the server (`locate`), never re-sent blind.
    """
    logger = get_run_logger()
    delivered: list[str] = []
    if not files:
        return delivered
    names = {file.name for file in files}
    known = {
        f.file_name: f.status for f in state.files(target.shop_id, target.destination) if f.file_name in names
    }
    with connect() as sftp:
        for file in files:
            remote = posixpath.join(target.directory, file.name)
            if known.get(file.name) == "delivered":
                delivered.append(file.name)  # an earlier attempt of this step finished it
                continue
            if known.get(file.name) == "intent":
                outcome, evidence = locate(sftp, target, file.name, file.sha256)
                if outcome == "unclear":
                    raise DeliveryUnresolved([file.name])
                if outcome == "delivered":
                    logger.warning("%s: %s; confirmed, not sent again", file.name, evidence)
                    state.confirm_file(target.shop_id, target.destination, file.name, remote)
                    delivered.append(file.name)
                    continue
            sftp.upload_part(target.directory, file.name, file.content)
            crash_point("after_part_upload")
            state.record_file_intent(file_plan(target, file, planned), run_id)
            crash_point("after_intent_before_rename")
            _commit(sftp, target, file, logger)
            crash_point("after_rename_before_archive")
            _archive(sftp, target, file, logger)
            crash_point("after_archive_before_confirm")
            state.confirm_file(target.shop_id, target.destination, file.name, remote)
            crash_point("after_confirm")
            logger.info(
                "Delivered %s (%d rows, %d bytes) to %s", file.name, len(file.rows), len(file.content), remote
            )
            delivered.append(file.name)
    return delivered


def _commit(sftp: SftpClient, target: Target, file: WarehouseFile, logger: RunLogger) -> None:
    try:
        sftp.commit_part(target.directory, file.name)
    except SftpTargetExists:
        # Names are derived from content: the same file is already waiting in the inbound folder.
        logger.warning(
            "%s is already in %s: recorded as delivered, not sent again", file.name, target.directory
        )


def _archive(sftp: SftpClient, target: Target, file: WarehouseFile, logger: RunLogger) -> None:
    """Keep our own copy next to the 3PL's folders. It only settles a later doubt: a failure is a warning."""
    if not target.archive:
        return
    try:
        sftp.put_atomic(target.archive, file.name, file.content)
    except SftpTargetExists:
        pass
    except SftpError as exc:
        logger.warning("%s was delivered but could not be archived in %s: %s", file.name, target.archive, exc)
        with suppress(SftpError):  # don't leave a half-written archive copy behind
            sftp.remove_part(target.archive, file.name)


class DeliveryUnresolved(ShoplinesError):
    """Uploads an earlier run may have delivered without confirming: a person must check before a re-send."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"{len(names)} earlier upload(s) may already be with the warehouse and were not sent again: "
            f"{', '.join(names)}; see `shoplines ledger unresolved`, check with the 3PL, then "
            "`shoplines ledger resolve`"
        )
