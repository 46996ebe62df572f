"""SftpClient.put_many against a real OpenSSH sshd and the embedded sandbox: every file delivered whole under
its final name, `put_atomic`'s guarantees per file, failures kept to their file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from clients.sftp import SftpClient, SftpPermissionError, SftpTargetExists, UploadReceipt
from clients.sftp_batch import CHUNK, FILES_IN_FLIGHT, WRITES_IN_FLIGHT
from tests.support.sftp_targets import SftpTarget
from tests.support.sshd import start_sshd


def _files(count: int) -> list[tuple[str, bytes]]:
    return [(f"ord_{n:03d}.csv", f"order,{n}\n".encode() * (n % 7 + 1)) for n in range(count)]


def test_more_files_than_are_in_flight_all_arrive_whole(target: SftpTarget) -> None:
    files = [*_files(FILES_IN_FLIGHT + 9), ("empty.csv", b"")]
    with target.client() as sftp:
        receipts = sftp.put_many(target.remote_dir, files)
    assert receipts == [
        UploadReceipt(f"{target.remote_dir}/{name}", len(data), hashlib.sha256(data).hexdigest())
        for name, data in files
    ]
    assert sorted(os.listdir(target.local_dir)) == sorted(name for name, _ in files)  # no .part left
    for name, data in files:
        assert (target.local_dir / name).read_bytes() == data


def test_a_file_longer_than_the_write_window_arrives_whole(target: SftpTarget) -> None:
    data = os.urandom(CHUNK * (WRITES_IN_FLIGHT + 3) + 123)  # more writes than may be in flight at once
    with target.client() as sftp:
        [receipt] = sftp.put_many(target.remote_dir, [("big.csv", data)])
    assert receipt.size == len(data)
    assert (target.local_dir / "big.csv").read_bytes() == data


def test_stale_part_is_replaced_and_existing_target_kept_while_the_others_arrive(target: SftpTarget) -> None:
    (target.local_dir / "ord_001.csv.part").write_bytes(b"half of an old upload " * 500)
    (target.local_dir / "ord_002.csv").write_bytes(b"already delivered")
    files = _files(5)
    with target.client() as sftp:
        with pytest.raises(SftpTargetExists, match=r"ord_002\.csv already exists"):
            sftp.put_many(target.remote_dir, files)
        assert sftp.listdir(target.remote_dir) == [name for name, _ in files]  # the session still works
    assert (target.local_dir / "ord_002.csv").read_bytes() == b"already delivered"
    for name, data in files:
        if name != "ord_002.csv":
            assert (target.local_dir / name).read_bytes() == data


def test_refused_writes_are_a_permission_error(tmp_path: Path) -> None:
    server = start_sshd(tmp_path / "ro", read_only=True)
    try:
        with SftpClient(
            server.host, server.port, server.username, server.known_hosts, key_file=server.key_file
        ) as sftp:
            with pytest.raises(SftpPermissionError):
                sftp.put_many(str(server.root_dir / "inbound"), _files(3))
            assert sftp.listdir(str(server.root_dir / "inbound")) == []
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["", "a/b.csv", "x.csv.part"])
def test_names_are_checked_before_anything_is_sent(target: SftpTarget, name: str) -> None:
    with target.client() as sftp, pytest.raises(ValueError, match="invalid upload name"):
        sftp.put_many(target.remote_dir, [("fine.csv", b"x"), (name, b"y")])
    assert os.listdir(target.local_dir) == []


def test_the_connection_prefers_aes_gcm(target: SftpTarget) -> None:
    with target.client() as sftp:
        transport = sftp._ssh.get_transport() if sftp._ssh else None
        assert transport is not None
        assert (transport.local_cipher, transport.remote_cipher) == ("aes128-gcm@openssh.com",) * 2
