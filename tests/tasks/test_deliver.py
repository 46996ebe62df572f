"""Uploading warehouse files: the ledger before and after; never a blind re-send of an unconfirmed file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from prefect.logging import disable_run_logger

from clients.sftp import SftpClient
from sandbox.sftp.server import RunningSftp, start_sftp_sandbox
from shoplines.state.store import StateStore
from tasks.deliver import DeliveryUnresolved, Target, deliver_files, file_plan
from tasks.warehouse_file import WarehouseFile, build_files, warehouse_rows
from tests.support.payloads import order
from tests.tasks.test_warehouse_line import plan

SHOP = "shoplines-test.myshopify.com"
WINDOW = (datetime(2026, 10, 13, 22, tzinfo=UTC), datetime(2026, 10, 14, 22, tzinfo=UTC))
TARGET = Target(SHOP, "orders-to-warehouse", "warehouse-sftp", "inbound")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningSftp]:
    with start_sftp_sandbox(tmp_path / "sftp" / "root") as running:
        yield running


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        yield store


def connect(server: RunningSftp) -> SftpClient:
    return SftpClient(server.host, server.port, server.username, server.known_hosts, password=server.password)


def one_file() -> tuple[WarehouseFile, pd.DataFrame]:
    planned, ship = plan([order(1001), order(1002)])
    files = build_files.fn(warehouse_rows.fn(planned, ship, "Africa/Johannesburg"), 5000, "ORD", SHOP)
    assert len(files) == 1
    return files[0], planned


def deliver(
    server: RunningSftp, state: StateStore, file: WarehouseFile, planned: pd.DataFrame, run: str
) -> list[str]:
    with disable_run_logger():
        return deliver_files.fn(
            [file], planned, connect=lambda: connect(server), state=state, target=TARGET, run_id=run
        )


def start(state: StateStore) -> str:
    return state.start_run(SHOP, TARGET.line, "processed", WINDOW[0], WINDOW[1], {})


def statuses(state: StateStore) -> dict[str, str]:
    return {f.file_name: f.status for f in state.files(SHOP, TARGET.destination)}


def test_a_file_is_recorded_uploaded_and_confirmed(server: RunningSftp, state: StateStore) -> None:
    file, planned = one_file()
    assert deliver(server, state, file, planned, start(state)) == [file.name]
    assert (server.root / "inbound" / file.name).read_bytes() == file.content
    assert statuses(state) == {file.name: "delivered"}


def test_an_unconfirmed_file_the_3pl_may_have_taken_is_not_sent_again(
    server: RunningSftp, state: StateStore
) -> None:
    file, planned = one_file()
    state.record_file_intent(
        file_plan(TARGET, file, planned), start(state)
    )  # crashed before the upload ended
    with pytest.raises(DeliveryUnresolved, match=file.name):
        deliver(server, state, file, planned, start(state))
    assert list((server.root / "inbound").iterdir()) == []
    assert statuses(state) == {file.name: "intent"}


def test_an_unconfirmed_file_still_in_inbound_is_confirmed_without_a_second_upload(
    server: RunningSftp, state: StateStore
) -> None:
    file, planned = one_file()
    state.record_file_intent(file_plan(TARGET, file, planned), start(state))
    with connect(server) as sftp:  # the upload finished; the run died before confirming
        sftp.put_atomic("inbound", file.name, file.content)
    assert deliver(server, state, file, planned, start(state)) == [file.name]
    assert [p.name for p in (server.root / "inbound").iterdir()] == [file.name]
    assert statuses(state) == {file.name: "delivered"}
