"""Uploading warehouse files: the ledger before and after; never a blind re-send of an unconfirmed file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from prefect.logging import disable_run_logger

from clients.sftp import SftpClient, SftpError
from sandbox.sftp.faults import SftpFaults
from sandbox.sftp.server import RunningSftp, start_sftp_sandbox
from shoplines.state.store import StateStore
from tasks.deliver import DeliveryUnresolved, Target, deliver_files, file_plan, settle_unconfirmed
from tasks.warehouse_file import WarehouseFile, build_files, warehouse_rows
from tests.support.payloads import order
from tests.tasks.test_warehouse_line import plan

SHOP = "shoplines-test.myshopify.com"
WINDOW = (datetime(2026, 10, 13, 22, tzinfo=UTC), datetime(2026, 10, 14, 22, tzinfo=UTC))
TARGET = Target(SHOP, "orders-to-warehouse", "warehouse-sftp", "inbound", "archive", "processed", "outbound")


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
    rows = warehouse_rows.fn(planned, ship, "Africa/Johannesburg")
    files = build_files.fn(rows, 5000, "ORD", SHOP, WINDOW[1])
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
    assert (server.root / "archive" / file.name).read_bytes() == file.content
    assert statuses(state) == {file.name: "delivered"}


def settle(server: RunningSftp, state: StateStore) -> int:
    with disable_run_logger():
        return settle_unconfirmed.fn(lambda: connect(server), state, TARGET)


def crashed_after_intent(
    server: RunningSftp, state: StateStore, file: WarehouseFile, planned: pd.DataFrame
) -> None:
    """What a run killed right after recording its intent leaves: the .part on the server, an intent."""
    with connect(server) as sftp:
        sftp.upload_part("inbound", file.name, file.content)
    state.record_file_intent(file_plan(TARGET, file, planned), start(state))
    state.finish_run(state.runs(SHOP, TARGET.line)[0].run_id, "failed", {}, "killed")


def test_an_upload_killed_before_its_rename_is_settled_as_not_delivered_and_sent_again(
    server: RunningSftp, state: StateStore
) -> None:
    file, planned = one_file()
    crashed_after_intent(server, state, file, planned)
    assert settle(server, state) == 1
    assert statuses(state) == {file.name: "abandoned"}
    assert list((server.root / "inbound").iterdir()) == []  # the stale .part is gone
    assert deliver(server, state, file, planned, start(state)) == [file.name]
    assert statuses(state) == {file.name: "delivered"}
    assert [p.name for p in (server.root / "inbound").iterdir()] == [file.name]


@pytest.mark.parametrize("where", ["inbound", "archive", "processed", "ack"])
def test_an_upload_found_anywhere_the_3pl_or_we_keep_it_is_settled_as_delivered(
    server: RunningSftp, state: StateStore, where: str
) -> None:
    file, planned = one_file()
    crashed_after_intent(server, state, file, planned)
    part = server.root / "inbound" / f"{file.name}.part"
    found = {
        "inbound": server.root / "inbound" / file.name,
        "archive": server.root / "archive" / file.name,
        "processed": server.root / "processed" / file.name,
        "ack": server.root / "outbound" / f"ACK_{file.name}",
    }[where]
    if where == "ack":
        part.unlink()
        found.write_text('"file_name","order_number","record_type","status"\r\n')
    else:
        part.rename(found)
    assert settle(server, state) == 1
    assert statuses(state) == {file.name: "delivered"}
    assert not part.exists()


def test_an_upload_with_no_trace_is_held_for_a_person_and_never_resent(
    server: RunningSftp, state: StateStore
) -> None:
    file, planned = one_file()
    crashed_after_intent(server, state, file, planned)
    (
        server.root / "inbound" / f"{file.name}.part"
    ).unlink()  # renamed, then taken by a 3PL that has not answered
    with pytest.raises(DeliveryUnresolved, match=file.name):
        settle(server, state)
    assert statuses(state) == {file.name: "intent"}
    assert [f.file_name for f in state.unresolved_files(SHOP, TARGET.destination)] == [file.name]


def test_a_connection_dropped_after_the_rename_is_retried_without_a_second_delivery(tmp_path: Path) -> None:
    file, planned = one_file()
    root = tmp_path / "flaky" / "root"
    with (
        start_sftp_sandbox(root, faults=SftpFaults(drop_after_rename=1.0), seed=1) as flaky,
        StateStore.open(f"sqlite:///{tmp_path / 'flaky.db'}") as state,
    ):
        run = start(state)
        with pytest.raises(SftpError):  # the rename happened; the answer never came
            deliver(flaky, state, file, planned, run)
        assert statuses(state) == {file.name: "intent"}
        (root / "inbound" / file.name).rename(root / "processed" / file.name)  # ... and does
        assert deliver(flaky, state, file, planned, run) == [file.name]  # Prefect's retry of the step
        assert statuses(state) == {file.name: "delivered"}
    assert list((root / "inbound").iterdir()) == []  # not uploaded a second time
