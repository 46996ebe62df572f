"""Chaos options of the SFTP stand-in and the 3PL: seeded connection drops, pickup jitter, the CLI flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clients.sftp import SftpClient, SftpTransientError
from sandbox.__main__ import parse_args
from sandbox.sftp.faults import SftpFaults
from sandbox.sftp.server import RunningSftp, start_sftp_sandbox
from sandbox.sftp.threepl import ThreePL

DATA = b"x" * 5000


def connect(box: RunningSftp) -> SftpClient:
    return SftpClient(box.host, box.port, box.username, box.known_hosts, password=box.password, timeout=5)


def test_fault_specs_parse_and_bad_ones_are_named() -> None:
    assert SftpFaults.parse("drop_write=0.1, drop_after_rename=0.05") == SftpFaults(0.1, 0.0, 0.05)
    assert SftpFaults.parse("") == SftpFaults()
    assert not SftpFaults().any
    with pytest.raises(ValueError, match="NAME one of"):
        SftpFaults.parse("drop_everything=1")
    with pytest.raises(ValueError, match="is not a number"):
        SftpFaults.parse("drop_write=often")
    with pytest.raises(ValueError, match="from 0 to 1"):
        SftpFaults.parse("drop_write=1.5")


def test_a_drop_during_a_part_write_leaves_only_part_of_the_part(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with start_sftp_sandbox(root, faults=SftpFaults(drop_write=1.0)) as box:
        with connect(box) as sftp, pytest.raises(SftpTransientError):
            sftp.put_atomic("inbound", "a.csv", DATA)
        assert box.faults_fired["drop_write"] == 1
    assert os.listdir(root / "inbound") == ["a.csv.part"]
    assert (root / "inbound" / "a.csv.part").stat().st_size < len(DATA)


def test_a_drop_before_the_rename_leaves_the_part_unrenamed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with start_sftp_sandbox(root, faults=SftpFaults(drop_before_rename=1.0)) as box, connect(box) as sftp:
        sftp.upload_part("inbound", "a.csv", DATA)
        with pytest.raises(SftpTransientError):
            sftp.commit_part("inbound", "a.csv")
    assert os.listdir(root / "inbound") == ["a.csv.part"]
    assert (root / "inbound" / "a.csv.part").read_bytes() == DATA


def test_a_drop_after_the_rename_delivers_but_never_answers(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with start_sftp_sandbox(root, faults=SftpFaults(drop_after_rename=1.0)) as box:
        with connect(box) as sftp, pytest.raises(SftpTransientError):
            sftp.put_atomic("inbound", "a.csv", DATA)
        with connect(box) as again:  # the server itself stays up: the next connection works
            assert again.listdir("inbound") == ["a.csv"]
    assert (root / "inbound" / "a.csv").read_bytes() == DATA


def _outcomes(root: Path, seed: int) -> list[str]:
    outcomes = []
    faults = SftpFaults(drop_write=0.3, drop_before_rename=0.3, drop_after_rename=0.3)
    with start_sftp_sandbox(root, faults=faults, seed=seed) as box:
        for n in range(12):
            try:
                with connect(box) as sftp:
                    sftp.put_atomic("inbound", f"f{n}.csv", DATA)
                outcomes.append("ok")
            except SftpTransientError:
                outcomes.append("part" if (root / "inbound" / f"f{n}.csv.part").exists() else "renamed")
    return outcomes


def test_the_same_seed_drops_the_same_requests(tmp_path: Path) -> None:
    first = _outcomes(tmp_path / "a" / "root", seed=7)
    assert _outcomes(tmp_path / "b" / "root", seed=7) == first
    assert {"ok", "part", "renamed"} <= set(first)


def test_pickup_jitter_spreads_pickups_over_the_window(tmp_path: Path) -> None:
    root = tmp_path / "root"
    threepl = ThreePL(root, pickup_delay=0.2, pickup_jitter=0.6, ship_delay=3600, seed=3)
    for n in range(6):
        (root / "inbound" / f"ord_{n}.csv").write_bytes(b"not,a,valid,file\r\n")
    started = time.monotonic()
    cycles: list[list[str]] = []
    while time.monotonic() - started < 2.0 and sum(map(len, cycles)) < 6:
        picked = threepl.process_once()
        if picked:
            assert time.monotonic() - started >= 0.2  # never before the pickup delay
            cycles.append(picked)
        time.sleep(0.02)
    assert sorted(name for cycle in cycles for name in cycle) == [f"ord_{n}.csv" for n in range(6)]
    assert len(cycles) > 1  # taken at different moments, not in one sweep


def test_a_3pl_can_take_files_out_of_sight_and_answer_later(tmp_path: Path) -> None:
    root, taken = tmp_path / "root", tmp_path / "taken"
    threepl = ThreePL(root, answer_delay=0.3, taken_dir=taken, ship_delay=3600)
    (root / "inbound" / "ord.csv").write_bytes(b"not,a,valid,file\r\n")
    assert threepl.process_once() == ["ord.csv"]
    assert os.listdir(root / "inbound") == []
    assert not any((root / "processed").glob("*"))
    assert os.listdir(taken) == ["ord.csv"]
    assert threepl.received_journal.exists()  # received at pickup, answered later
    assert os.listdir(root / "outbound") == []
    time.sleep(0.35)
    threepl.process_once()
    assert os.listdir(root / "outbound") == ["ERR_ord.csv"]


def test_serve_takes_the_chaos_options(tmp_path: Path) -> None:
    args = parse_args(["serve", "--home", str(tmp_path), "--sftp-faults", "drop_write=0.5",
                       "--pickup-delay", "1", "--pickup-jitter", "2.5", "--answer-delay", "3",
                       "--hide-taken"])  # fmt: skip
    assert (args.sftp_faults, args.pickup_delay, args.pickup_jitter) == (SftpFaults(0.5), 1.0, 2.5)
    assert (args.answer_delay, args.hide_taken) == (3.0, True)
    bad = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--home", str(tmp_path), "--sftp-faults", "drop_all=1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "expected NAME=PROBABILITY" in bad.stderr


def test_serve_records_its_sftp_faults(tmp_path: Path) -> None:
    home = tmp_path / "home"
    command = [sys.executable, "-m", "sandbox", "serve", "--home", str(home), "--orders", "3",
               "--sftp-faults", "drop_before_rename=0.25", "--pickup-jitter", "0.5"]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (home / "sandbox.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        description = json.loads((home / "sandbox.json").read_text())
    finally:
        child.terminate()
        child.wait(timeout=30)
    assert description["sftp"]["faults"] == {
        "drop_write": 0.0, "drop_before_rename": 0.25, "drop_after_rename": 0.0,
    }  # fmt: skip
