"""Thin I/O task: upload each warehouse file atomically and record it in the state database before and
after."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from logging import Logger, LoggerAdapter
from typing import cast

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from clients.sftp import SftpClient, SftpTargetExists
from shoplines.errors import ShoplinesError
from shoplines.state.records import RecordType
from shoplines.state.store import EntityVersion, FilePlan, StateStore
from tasks.warehouse_file import WarehouseFile


@dataclass(frozen=True)
class Target:
    """Where a line delivers: the shop, the line, the destination name and the remote folder."""

    shop_id: str
    line: str
    destination: str
    directory: str


def file_plan(target: Target, file: WarehouseFile, planned: pd.DataFrame) -> FilePlan:
    """The ledger entry for a file: one entity version per order in it (full content hash)."""
    by_legacy = planned.set_index("legacy_id")
    entities = [
        EntityVersion(
            entity_id=str(by_legacy.at[row.order_id, "order_id"]),
            entity_name=str(row.order_number),
            content_hash=str(by_legacy.at[row.order_id, "content_hash"]),
            record_type=cast(RecordType, row.record_type),
        )
        for row in file.orders.itertuples()
    ]
    return FilePlan(
        shop_id=target.shop_id, line=target.line, destination=target.destination, file_name=file.name,
        batch_id=file.batch_id, sha256=file.sha256, size=len(file.content), row_count=len(file.rows),
        entities=entities,
    )  # fmt: skip


@task(name="upload-warehouse-files", cache_policy=NO_CACHE)
def deliver_files(
    files: list[WarehouseFile],
    planned: pd.DataFrame,
    *,
    connect: Callable[[], SftpClient],
    state: StateStore,
    target: Target,
    run_id: str,
) -> list[str]:
    """Upload over one connection; intent recorded before each upload, confirmed after the rename."""
    logger = get_run_logger()
    delivered: list[str] = []
    if not files:
        return delivered
    unconfirmed = {f.file_name for f in state.files(target.shop_id, target.destination, status="intent")}
    unresolved: list[str] = []
    with connect() as sftp:
        for file in files:
            remote = f"{target.directory.rstrip('/')}/{file.name}"
            if file.name in unconfirmed and not _still_waiting(sftp, remote, file):
                # An earlier run stopped between upload and confirmation. The 3PL moves files it picks up,
                # so "not in inbound" is no proof the file never arrived: never re-send blindly.
                logger.error(
                    "%s may already be with the warehouse: not sent again, held for a person", file.name
                )
                unresolved.append(file.name)
                continue
            state.record_file_intent(file_plan(target, file, planned), run_id)
            if file.name in unconfirmed:
                logger.warning(
                    "%s from an earlier run is waiting in %s: recorded as delivered", file.name, remote
                )
            else:
                _upload(sftp, target, file, logger)
            state.confirm_file(target.shop_id, target.destination, file.name, remote)
            logger.info(
                "Delivered %s (%d rows, %d bytes) to %s", file.name, len(file.rows), len(file.content), remote
            )
            delivered.append(file.name)
    if unresolved:
        raise DeliveryUnresolved(unresolved)
    return delivered


def _still_waiting(sftp: SftpClient, remote: str, file: WarehouseFile) -> bool:
    """True when exactly this file is in the inbound folder (so the earlier upload completed)."""
    return sftp.exists(remote) and hashlib.sha256(sftp.read_bytes(remote)).hexdigest() == file.sha256


def _upload(
    sftp: SftpClient, target: Target, file: WarehouseFile, logger: Logger | LoggerAdapter[Logger]
) -> None:
    try:
        sftp.put_atomic(target.directory, file.name, file.content)
    except SftpTargetExists:
        # Names are derived from content: the same file is already waiting in the inbound folder.
        logger.warning(
            "%s is already in %s: recorded as delivered, not sent again", file.name, target.directory
        )


class DeliveryUnresolved(ShoplinesError):
    """Files an earlier run may have delivered without confirming: a person must check before a re-send."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"{len(names)} file(s) may already be with the warehouse (an earlier run stopped between "
            f"upload and confirmation) and were not sent again: {', '.join(names)}; check the 3PL's "
            "processed files and acknowledgements before anything is re-sent"
        )
