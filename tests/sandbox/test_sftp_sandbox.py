"""The SFTP stand-in and its simulated 3PL: folders, pinned key, chroot, pickup, ACK/ERR/SHIP, journals."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from clients.sftp import SftpClient
from sandbox.sftp.server import RunningSftp, start_sftp_sandbox
from sandbox.sftp.threepl import ThreePL

HEADER = [
    "record_type", "batch_id", "order_number", "order_id", "order_version", "order_date", "line_number",
    "sku", "description", "quantity", "unit_price", "line_discount", "line_total", "currency",
    "shipping_method", "ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2",
    "ship_to_city", "ship_to_province", "ship_to_postal_code", "ship_to_country", "ship_to_phone",
    "customer_email",
]  # fmt: skip
ACK_HEADER = '"file_name","order_number","record_type","status"\r\n'
ERR_HEADER = '"file_name","order_number","line_number","sku","reason"\r\n'


def row(
    order: str, sku: str, qty: int, total: str, *, kind: str = "NEW", line: int = 1, version: int = 1
) -> dict:
    return {
        "record_type": kind, "batch_id": "B1", "order_number": order, "order_id": f"gid://shopify/Order/{order}",
        "order_version": str(version), "order_date": "2026-11-02T08:15:00Z", "line_number": str(line),
        "sku": sku, "quantity": str(qty), "unit_price": total, "line_total": total, "currency": "ZAR",
        "ship_to_name": "=cmd|' /C calc'!A0", "ship_to_city": "Cape Town", "ship_to_country": "ZA",
    }  # fmt: skip


def cancel(order: str, version: int = 2) -> dict:
    return {"record_type": "CANCEL", "batch_id": "B1", "order_number": order, "order_version": str(version),
            "order_date": "2026-11-02T08:15:00Z", "quantity": "0"}  # fmt: skip


def order_file(rows: list[dict], **trailer_overrides: str) -> bytes:
    trailer = {
        "record_type": "TRAILER", "batch_id": "B1",
        "order_number": str(len({r["order_number"] for r in rows})), "line_number": str(len(rows)),
        "quantity": str(sum(int(r["quantity"]) for r in rows)),
        "line_total": str(sum((Decimal(r.get("line_total") or 0) for r in rows), Decimal("0.00"))),
    } | trailer_overrides  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HEADER, quoting=csv.QUOTE_ALL, restval="")
    writer.writeheader()
    writer.writerows([*rows, trailer])
    return buffer.getvalue().encode()


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # keep the CRLF line ends the 3PL wrote


def journal(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture
def threepl(root: Path) -> ThreePL:
    return ThreePL(
        root, ship_delay=3600, partial_rate=0.0, unknown_skus={"GHOST-1"}, unknown_sku_prefix="NOPE-"
    )


@pytest.fixture
def server(root: Path) -> Iterator[RunningSftp]:
    with start_sftp_sandbox(root) as running:
        yield running


def connect(box: RunningSftp) -> SftpClient:
    return SftpClient(box.host, box.port, box.username, box.known_hosts, password=box.password, timeout=5)


def test_server_creates_folders_and_pins_a_persistent_host_key(tmp_path: Path) -> None:
    root = tmp_path / "sftp" / "root"
    with start_sftp_sandbox(root) as first:
        line = read(first.known_hosts)
        assert sorted(os.listdir(root)) == ["archive", "inbound", "outbound", "processed"]
        assert re.fullmatch(rf"\[127\.0\.0\.1\]:{first.port} ssh-ed25519 AAAA\S+\n", line)
        assert first.known_hosts == tmp_path / "sftp" / "known_hosts"
        assert first.host_key_path.stat().st_mode & 0o077 == 0
    with start_sftp_sandbox(root) as second:
        assert read(second.known_hosts).split()[1:] == line.split()[1:]  # same key, maybe another port


def test_clients_stay_inside_the_chroot(server: RunningSftp, root: Path) -> None:
    with connect(server) as sftp:
        assert sftp.listdir("/..") == ["archive", "inbound", "outbound", "processed"]
        sftp.put_atomic("../../inbound", "escape.csv", b"x")
    assert (root / "inbound" / "escape.csv").read_bytes() == b"x"


def test_pickup_moves_the_upload_to_processed_and_acknowledges(server: RunningSftp, threepl: ThreePL) -> None:
    data = order_file([row("#1001", "MUG-BLUE", 2, "230.00"), row("#1001", "MUG-RED", 1, "115.00", line=2)])
    with connect(server) as sftp:
        sftp.put_atomic("inbound", "ord_B1.csv", data)
        assert threepl.process_once() == ["ord_B1.csv"]
        assert sftp.listdir("inbound") == []
        assert sftp.listdir("outbound") == ["ACK_ord_B1.csv"]
        assert sftp.read_bytes("processed/ord_B1.csv") == data
        ack = sftp.read_bytes("outbound/ACK_ord_B1.csv").decode()
    assert ack == ACK_HEADER + '"ord_B1.csv","#1001","NEW","ACCEPTED"\r\n'


def test_part_files_dotfiles_and_other_names_are_ignored(threepl: ThreePL, root: Path) -> None:
    for name in ("ord_1.csv.part", ".ord_2.csv", "notes.txt"):
        (root / "inbound" / name).write_bytes(order_file([row("#1", "A", 1, "1.00")]))
    assert threepl.process_once() == []
    assert sorted(os.listdir(root / "inbound")) == [".ord_2.csv", "notes.txt", "ord_1.csv.part"]
    assert os.listdir(root / "outbound") == []
    assert not threepl.received_journal.exists()


def test_pickup_waits_for_the_pickup_delay(root: Path) -> None:
    threepl = ThreePL(root, pickup_delay=0.3, ship_delay=3600)
    (root / "inbound" / "ord.csv").write_bytes(order_file([row("#1", "A", 1, "1.00")]))
    assert threepl.process_once() == []
    assert os.listdir(root / "inbound") == ["ord.csv"]
    time.sleep(0.35)
    assert threepl.process_once() == ["ord.csv"]


def test_unknown_skus_reject_only_their_order(threepl: ThreePL, root: Path) -> None:
    rows = [
        row("#1", "MUG", 1, "10.00"), row("#2", "GHOST-1", 1, "5.00"), row("#2", "MUG", 1, "10.00", line=2),
        row("#3", "NOPE-9", 2, "8.00", line=4),
    ]  # fmt: skip
    (root / "inbound" / "ord.csv").write_bytes(order_file(rows))
    threepl.process_once()
    assert read(root / "outbound" / "ACK_ord.csv") == ACK_HEADER + '"ord.csv","#1","NEW","ACCEPTED"\r\n'
    assert read(root / "outbound" / "ERR_ord.csv") == (
        ERR_HEADER
        + '"ord.csv","#2","1","GHOST-1","UNKNOWN_SKU"\r\n'
        + '"ord.csv","#3","4","NOPE-9","UNKNOWN_SKU"\r\n'
    )
    assert [(o["order_number"], o["status"]) for o in journal(threepl.received_journal)[0]["orders"]] == [
        ("#1", "ACCEPTED"), ("#2", "REJECTED"), ("#3", "REJECTED"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("override", "detail"),
    [
        ({"order_number": "3"}, "trailer order_number is 3, rows give 2"),
        ({"line_number": "2"}, "trailer line_number is 2, rows give 3"),
        ({"quantity": "5"}, "trailer quantity is 5, rows give 4"),
        ({"line_total": "30.01"}, "trailer line_total is 30.01, rows give 30.00"),
    ],
)
def test_control_total_mismatch_rejects_the_whole_file(
    threepl: ThreePL, root: Path, override: dict[str, str], detail: str
) -> None:
    rows = [row("#1", "A", 1, "10.00"), row("#1", "B", 2, "10.00", line=2), row("#2", "A", 1, "10.00")]
    (root / "inbound" / "ord.csv").write_bytes(order_file(rows, **override))
    threepl.process_once(ship_everything=True)
    assert sorted(os.listdir(root / "outbound")) == ["ERR_ord.csv"]
    assert (
        read(root / "outbound" / "ERR_ord.csv")
        == ERR_HEADER + f'"ord.csv","","","","CONTROL_TOTAL_MISMATCH: {detail}"\r\n'
    )
    assert journal(threepl.received_journal)[0]["error"] == f"CONTROL_TOTAL_MISMATCH: {detail}"


GOOD = order_file([row("#1", "A", 1, "10.00")])


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"\xff\xfe" + GOOD, "codec can't decode"),
        (GOOD.rsplit(b"\r\n", 2)[0] + b"\r\n", "last row is not a TRAILER"),
        (GOOD.replace(b'"10.00"', b'"10.00', 1), "',' expected after"),
        (GOOD.replace(b'"sku"', b'"stock_code"'), "missing columns sku"),
        (GOOD.replace(b'"A","","1"', b'"A","","one"'), "row 2 quantity 'one'"),
        (GOOD.replace(b'"10.00","ZAR"', b'"10.001","ZAR"'), "row 2 line_total '10.001'"),
        (GOOD.replace(b'"NEW"', b'"UPSERT"'), "row 2 has record_type 'UPSERT'"),
        (GOOD.replace(b'"",""\r\n"TRAILER"', b'"","","extra"\r\n"TRAILER"'), "row 2 has not 25 fields"),
        (b"", "missing columns record_type"),
    ],
)
def test_malformed_files_are_rejected_whole(threepl: ThreePL, root: Path, data: bytes, detail: str) -> None:
    (root / "inbound" / "bad.csv").write_bytes(data)
    assert threepl.process_once() == ["bad.csv"]
    assert sorted(os.listdir(root / "outbound")) == ["ERR_bad.csv"]
    err = read(root / "outbound" / "ERR_bad.csv")
    assert err.startswith(ERR_HEADER + '"bad.csv","","","","MALFORMED: ')
    assert detail in err


def test_shipments_follow_acceptance_and_can_be_partial(root: Path) -> None:
    threepl = ThreePL(root, ship_delay=3600, partial_rate=1.0, seed=7)
    (root / "inbound" / "ord.csv").write_bytes(
        order_file([row("#1", "A", 3, "30.00"), row("#2", "B", 1, "5.00")])
    )
    threepl.process_once()
    assert sorted(os.listdir(root / "outbound")) == ["ACK_ord.csv"]  # nothing is due for an hour
    threepl.process_once(ship_everything=True)
    threepl.process_once(ship_everything=True)
    assert sorted(os.listdir(root / "outbound")) == ["ACK_ord.csv", "SHIP_000001.csv", "SHIP_000002.csv"]
    shipped = [r for name in ("SHIP_000001.csv", "SHIP_000002.csv")
               for r in csv.DictReader(io.StringIO(read(root / "outbound" / name)))]  # fmt: skip
    assert sum(int(r["quantity"]) for r in shipped if r["order_number"] == "#1") == 3
    assert len([r for r in shipped if r["order_number"] == "#1"]) == 2  # split over two parcels
    assert [int(r["quantity"]) for r in shipped if r["order_number"] == "#2"] == [1]  # one unit cannot split
    assert all(re.fullmatch(r"[A-Z]{3}\d{10}", r["tracking_number"]) for r in shipped)
    assert all(r["shipped_at"] > "2026-11-02T08:15:00Z" and r["shipped_at"].endswith("Z") for r in shipped)
    assert [line["seq"] for line in journal(threepl.shipments_journal)] == [1, 2]


def test_same_seed_same_shipments_and_numbering_survives_a_restart(tmp_path: Path) -> None:
    outputs = []
    for attempt in ("a", "b"):
        root = tmp_path / attempt / "root"
        (root / "inbound").mkdir(parents=True)
        (root / "inbound" / "ord.csv").write_bytes(order_file([row("#1", "A", 4, "40.00")]))
        ThreePL(root, ship_delay=0, partial_rate=0.5, seed=3).process_once()
        outputs.append(read(root / "outbound" / "SHIP_000001.csv"))
    assert outputs[0] == outputs[1]
    (root / "inbound" / "ord2.csv").write_bytes(order_file([row("#2", "A", 1, "10.00")]))
    ThreePL(root, ship_delay=0, partial_rate=0.0, seed=3).process_once()
    assert "SHIP_000002.csv" in os.listdir(root / "outbound")


def test_shipped_at_comes_from_the_clock_when_one_is_given(root: Path) -> None:
    threepl = ThreePL(
        root, ship_delay=0, partial_rate=0.0, clock=lambda: datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    )
    (root / "inbound" / "ord.csv").write_bytes(order_file([row("#1", "A", 1, "10.00")]))
    threepl.process_once()
    assert read(root / "outbound" / "SHIP_000001.csv").endswith('"2026-12-01T09:30:00Z"\r\n')


def test_amend_cancel_and_duplicate_rules(threepl: ThreePL, root: Path) -> None:
    def send(name: str, rows: list[dict]) -> None:
        (root / "inbound" / name).write_bytes(order_file(rows))
        threepl.process_once()

    send("1.csv", [row("#1", "A", 1, "10.00"), row("#2", "A", 1, "10.00"), row("#3", "A", 1, "10.00")])
    send(
        "2.csv",
        [row("#1", "B", 2, "20.00", kind="AMEND", version=2), cancel("#2"), row("#3", "A", 1, "10.00")],
    )
    send("3.csv", [cancel("#9"), row("#2", "C", 1, "1.00", kind="AMEND", version=3)])
    assert read(root / "outbound" / "ACK_2.csv") == (
        ACK_HEADER + '"2.csv","#1","AMEND","ACCEPTED"\r\n' + '"2.csv","#2","CANCEL","CANCELLED"\r\n'
    )
    assert read(root / "outbound" / "ERR_2.csv") == ERR_HEADER + (
        '"2.csv","#3","","","DUPLICATE_ORDER: order already received"\r\n'
    )
    assert read(root / "outbound" / "ERR_3.csv") == ERR_HEADER + (
        '"3.csv","#9","","","ORDER_NOT_FOUND: no NEW received for this order"\r\n'
        '"3.csv","#2","","","ORDER_CANCELLED: cannot amend a cancelled order"\r\n'
    )
    threepl.process_once(ship_everything=True)
    shipped = read(root / "outbound" / "SHIP_000001.csv")
    assert '"#1","B","2"' in shipped  # the amended lines, not the original
    assert '"#2"' not in shipped  # cancelled before it shipped
    send("4.csv", [cancel("#1", version=3)])
    assert "ALREADY_SHIPPED" in read(root / "outbound" / "ERR_4.csv")


def test_journal_records_each_received_file_exactly_once(server: RunningSftp, root: Path) -> None:
    files = {
        "ord_a.csv": order_file([row("#1", "A", 1, "10.00"), row("#2", "B", 2, "5.50")]),
        "ord_b.csv": order_file([cancel("#1")]),
        "ord_c.csv": order_file([row("#3", "A", 1, "10.00")], quantity="9"),
    }
    threepl = ThreePL(root, ship_delay=3600, poll_interval=0.02, seed=1)
    with connect(server) as sftp, threepl:
        for name, data in files.items():
            sftp.put_atomic("inbound", name, data)
        deadline = time.monotonic() + 5
        while len(sftp.listdir("processed")) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # several more polling cycles: nothing may be received twice
    entries = journal(threepl.received_journal)
    assert [(e["file_name"], e["sha256"], e["size"]) for e in entries] == [
        (name, hashlib.sha256(data).hexdigest(), len(data)) for name, data in files.items()
    ]
    assert [e["rows"] for e in entries] == [2, 1, None]
    assert entries[0]["orders"] == [
        {"order_number": "#1", "record_type": "NEW", "order_version": "1", "status": "ACCEPTED"},
        {"order_number": "#2", "record_type": "NEW", "order_version": "1", "status": "ACCEPTED"},
    ]
    assert entries[1]["orders"] == [
        {"order_number": "#1", "record_type": "CANCEL", "order_version": "2", "status": "CANCELLED"}
    ]
    assert entries[2]["error"] == "CONTROL_TOTAL_MISMATCH: trailer quantity is 9, rows give 1"
    assert entries[2]["orders"] == []


def test_background_3pl_ships_after_the_ship_delay(server: RunningSftp, root: Path) -> None:
    with (
        connect(server) as sftp,
        ThreePL(root, ship_delay=0.1, poll_interval=0.02, partial_rate=0.0) as threepl,
    ):
        sftp.put_atomic("inbound", "ord.csv", order_file([row("#1", "A", 2, "20.00")]))
        deadline = time.monotonic() + 5
        while "SHIP_000001.csv" not in sftp.listdir("outbound") and time.monotonic() < deadline:
            time.sleep(0.02)
        shipment = sftp.read_bytes("outbound/SHIP_000001.csv").decode()
    assert shipment.startswith(
        '"order_number","sku","quantity","carrier","tracking_number","shipped_at"\r\n"#1","A","2",'
    )
    assert sorted(os.listdir(root / "outbound")) == ["ACK_ord.csv", "SHIP_000001.csv"]
    assert len(journal(threepl.shipments_journal)) == 1
