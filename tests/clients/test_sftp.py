"""SftpClient against a real OpenSSH sshd and the embedded sandbox: atomic uploads, host keys, errors."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from clients.sftp import (
    SftpAuthError,
    SftpClient,
    SftpHostKeyError,
    SftpNotFoundError,
    SftpPermissionError,
    SftpTargetExists,
    SftpTransientError,
    UploadReceipt,
    is_retriable,
)
from sandbox.sftp.server import start_sftp_sandbox
from sandbox.sftp.threepl import ThreePL
from tests.support.sftp_targets import SftpTarget
from tests.support.sshd import start_sshd, write_ed25519_key


def test_upload_appears_only_under_its_final_name(target: SftpTarget) -> None:
    data = b'"record_type","batch_id"\r\n' * 1000
    with target.client() as sftp:
        receipt = sftp.put_atomic(target.remote_dir, "ord_1.csv", data)
    assert receipt == UploadReceipt(
        f"{target.remote_dir}/ord_1.csv", len(data), hashlib.sha256(data).hexdigest()
    )
    assert sorted(os.listdir(target.local_dir)) == ["ord_1.csv"]
    assert (target.local_dir / "ord_1.csv").read_bytes() == data


def test_concurrent_lister_never_sees_a_partial_file(target: SftpTarget) -> None:
    data = os.urandom(3 * 1024 * 1024)
    sizes_seen: list[int] = []
    part_seen = threading.Event()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for entry in os.scandir(target.local_dir):
                if entry.name == "big.csv":
                    sizes_seen.append(entry.stat().st_size)
                elif entry.name == "big.csv.part":
                    part_seen.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with target.client() as sftp:
            sftp.put_atomic(target.remote_dir, "big.csv", data)
        time.sleep(0.05)
    finally:
        done.set()
        watcher.join()
    assert part_seen.is_set(), "the watcher never ran during the upload, so it proved nothing"
    assert sizes_seen, "the watcher never saw the final name"
    assert set(sizes_seen) == {len(data)}


def test_stale_part_from_a_crashed_run_is_replaced(target: SftpTarget) -> None:
    (target.local_dir / "ord_2.csv.part").write_bytes(b"half of an old upload " * 500)
    with target.client() as sftp:
        sftp.put_atomic(target.remote_dir, "ord_2.csv", b"fresh")
    assert sorted(os.listdir(target.local_dir)) == ["ord_2.csv"]
    assert (target.local_dir / "ord_2.csv").read_bytes() == b"fresh"


def test_existing_target_is_never_overwritten(target: SftpTarget) -> None:
    (target.local_dir / "ord_3.csv").write_bytes(b"already delivered")
    with (
        target.client() as sftp,
        pytest.raises(SftpTargetExists, match=r"ord_3\.csv already exists") as caught,
    ):
        sftp.put_atomic(target.remote_dir, "ord_3.csv", b"second copy")
    assert not is_retriable(caught.value)
    assert sorted(os.listdir(target.local_dir)) == ["ord_3.csv"]  # our .part was cleaned up
    assert (target.local_dir / "ord_3.csv").read_bytes() == b"already delivered"


def test_rename_refuses_to_overwrite(target: SftpTarget) -> None:
    (target.local_dir / "a.csv").write_bytes(b"a")
    (target.local_dir / "b.csv").write_bytes(b"b")
    with target.client() as sftp, pytest.raises(SftpTargetExists):
        sftp.rename(f"{target.remote_dir}/a.csv", f"{target.remote_dir}/b.csv")
    assert (target.local_dir / "a.csv").read_bytes() == b"a"
    assert (target.local_dir / "b.csv").read_bytes() == b"b"


def test_list_read_rename_remove_and_makedirs(target: SftpTarget) -> None:
    nested = f"{target.remote_dir}/archive/2026/11"
    with target.client() as sftp:
        sftp.makedirs(nested)
        sftp.makedirs(nested)  # idempotent
        sftp.put_atomic(target.remote_dir, "SHIP_000001.csv", b"order_number\r\n")
        assert sftp.listdir(target.remote_dir) == ["SHIP_000001.csv", "archive"]
        assert sftp.read_bytes(f"{target.remote_dir}/SHIP_000001.csv") == b"order_number\r\n"
        sftp.rename(f"{target.remote_dir}/SHIP_000001.csv", f"{nested}/SHIP_000001.csv")
        assert sftp.exists(f"{nested}/SHIP_000001.csv")
        sftp.remove(f"{nested}/SHIP_000001.csv")
        assert not sftp.exists(f"{nested}/SHIP_000001.csv")
        with pytest.raises(SftpNotFoundError):
            sftp.read_bytes(f"{target.remote_dir}/missing.csv")
    assert (target.local_dir / "archive" / "2026" / "11").is_dir()


def test_upload_survives_a_3pl_that_moves_files_instantly(target: SftpTarget) -> None:
    root = target.local_dir
    for folder in ("inbound", "processed", "outbound"):
        (root / folder).mkdir()
    threepl = ThreePL(root, poll_interval=0.001, ship_delay=3600)
    with target.client() as sftp, threepl:
        for n in range(8):
            sftp.put_atomic(f"{target.remote_dir}/inbound", f"ord_{n}.csv", b"x" * 20_000)
        deadline = time.monotonic() + 5
        while len(os.listdir(root / "processed")) < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert sorted(os.listdir(root / "processed")) == [f"ord_{n}.csv" for n in range(8)]
    assert os.listdir(root / "inbound") == []


def test_upload_succeeds_when_the_file_vanishes_before_the_rename_reply(tmp_path: Path) -> None:
    moved: list[str] = []

    def grab(path: Path) -> None:  # runs inside the server before it answers the RENAME
        if path.parent.name == "inbound":
            os.rename(path, path.parent.parent / "processed" / path.name)
            moved.append(path.name)

    with (
        start_sftp_sandbox(tmp_path / "root", after_rename=grab) as box,
        SftpClient(box.host, box.port, box.username, box.known_hosts, password=box.password) as sftp,
    ):
        receipt = sftp.put_atomic("inbound", "ord_9.csv", b"payload")
    assert receipt.remote_path == "inbound/ord_9.csv"
    assert moved == ["ord_9.csv"]
    assert (tmp_path / "root" / "processed" / "ord_9.csv").read_bytes() == b"payload"


def test_unknown_host_key_is_refused(target: SftpTarget, tmp_path: Path) -> None:
    unrelated = tmp_path / "known_hosts"
    unrelated.write_text(
        "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEH64BswQeIAjfIR+hnCz5jYc9GYoWfr7AdeVLCoa2MR\n"
    )
    with pytest.raises(SftpHostKeyError) as caught:
        target.client(known_hosts=unrelated).connect()
    message = str(caught.value)
    assert f"{target.host}:{target.port}" in message
    assert "SHA256:" in message
    assert str(unrelated) in message
    assert not is_retriable(caught.value)


def test_missing_known_hosts_file_is_a_host_key_error(target: SftpTarget, tmp_path: Path) -> None:
    with pytest.raises(SftpHostKeyError, match="without a pinned host key"):
        target.client(known_hosts=tmp_path / "nope").connect()


def test_changed_host_key_of_the_sandbox_is_refused(tmp_path: Path) -> None:
    root, key = tmp_path / "root", tmp_path / "host_key"
    with start_sftp_sandbox(root, host_key_path=key, password="pw") as first:
        pinned = tmp_path / "pinned_known_hosts"
        shutil.copy(first.known_hosts, pinned)
        port = first.port
    with (
        start_sftp_sandbox(root, port=port, host_key_path=key, password="pw"),
        SftpClient("127.0.0.1", port, "warehouse", pinned, password="pw") as sftp,
    ):
        assert sftp.listdir("/") == ["archive", "inbound", "outbound", "processed"]  # same key after restart
    key.unlink()
    with (
        start_sftp_sandbox(root, port=port, host_key_path=key, password="pw") as new_key,
        pytest.raises(SftpHostKeyError, match=f"CHANGED: 127.0.0.1:{port} presented ssh-ed25519 SHA256:"),
    ):
        SftpClient(new_key.host, port, "warehouse", pinned, password="pw").connect()


def test_changed_host_key_of_sshd_is_refused(tmp_path: Path) -> None:
    server = start_sshd(tmp_path / "sshd")
    try:
        pinned = tmp_path / "pinned_known_hosts"
        shutil.copy(server.known_hosts, pinned)
        server.regenerate_host_key()
        with pytest.raises(SftpHostKeyError, match=f"CHANGED: 127.0.0.1:{server.port}") as caught:
            SftpClient(server.host, server.port, server.username, pinned, key_file=server.key_file).connect()
        assert "pins SHA256:" in str(caught.value)
        with SftpClient(
            server.host, server.port, server.username, server.known_hosts, key_file=server.key_file
        ):
            pass  # the freshly pinned key is accepted
    finally:
        server.stop()


def test_wrong_credentials_are_an_auth_error(target: SftpTarget, tmp_path: Path) -> None:
    if target.kind == "sandbox":
        client = SftpClient(target.host, target.port, target.username, target.known_hosts, password="wrong")
    else:
        write_ed25519_key(tmp_path / "stranger_key")  # a valid key, not in sshd's authorized_keys
        client = SftpClient(
            target.host, target.port, target.username, target.known_hosts, key_file=tmp_path / "stranger_key"
        )
    with pytest.raises(SftpAuthError) as caught:
        client.connect()
    assert not is_retriable(caught.value)


def test_unreadable_key_file_is_an_auth_error(target: SftpTarget, tmp_path: Path) -> None:
    garbage = tmp_path / "key"
    garbage.write_text("not a key")
    client = SftpClient(target.host, target.port, target.username, target.known_hosts, key_file=garbage)
    with pytest.raises(SftpAuthError, match="cannot load private key"):
        client.connect()


def test_write_refused_by_the_server_is_a_permission_error(tmp_path: Path) -> None:
    server = start_sshd(tmp_path / "ro", read_only=True)
    try:
        with SftpClient(
            server.host, server.port, server.username, server.known_hosts, key_file=server.key_file
        ) as sftp:
            assert sftp.listdir(str(server.root_dir)) == ["archive", "inbound", "outbound", "processed"]
            with pytest.raises(SftpPermissionError) as caught:
                sftp.put_atomic(str(server.root_dir / "inbound"), "ord.csv", b"data")
        assert not is_retriable(caught.value)
    finally:
        server.stop()


def test_closed_port_is_a_quick_transient_error(tmp_path: Path) -> None:
    (tmp_path / "kh").write_text("")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(SftpTransientError) as caught:
        SftpClient("127.0.0.1", port, "warehouse", tmp_path / "kh", password="x", timeout=5).connect()
    assert time.monotonic() - started < 1.0
    assert is_retriable(caught.value)


def test_server_that_never_speaks_ssh_times_out_within_the_timeout(tmp_path: Path) -> None:
    (tmp_path / "kh").write_text("")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the TCP handshake; nobody ever answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(SftpTransientError) as caught:
            SftpClient("127.0.0.1", port, "w", tmp_path / "kh", password="x", timeout=0.5).connect()
        elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 2.0
    assert is_retriable(caught.value)


def test_a_server_that_stalls_mid_operation_times_out(tmp_path: Path) -> None:
    with start_sftp_sandbox(tmp_path / "root", after_rename=lambda _: time.sleep(1.0)) as box:
        sftp = SftpClient(
            box.host, box.port, box.username, box.known_hosts, password=box.password, timeout=0.3
        )
        with sftp:
            started = time.monotonic()
            with pytest.raises(SftpTransientError) as caught:
                sftp.put_atomic("inbound", "ord.csv", b"data")  # the server hangs before answering RENAME
            elapsed = time.monotonic() - started
    assert elapsed < 0.9
    assert is_retriable(caught.value)


def test_dropped_connection_is_transient(tmp_path: Path) -> None:
    box = start_sftp_sandbox(tmp_path / "root")
    sftp = SftpClient(box.host, box.port, box.username, box.known_hosts, password=box.password, timeout=2)
    with sftp:
        assert sftp.listdir("/")
        box.stop()  # closes every connection, as a server restart would
        with pytest.raises(SftpTransientError) as caught:
            sftp.put_atomic("inbound", "ord.csv", b"data")
    assert is_retriable(caught.value)


def test_methods_need_an_open_connection(tmp_path: Path) -> None:
    client = SftpClient("127.0.0.1", 22, "w", tmp_path / "kh", password="x")
    with pytest.raises(RuntimeError, match="not connected"):
        client.listdir("/")


def test_constructor_needs_a_credential(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="password or a key_file"):
        SftpClient("127.0.0.1", 22, "w", tmp_path / "kh")


@pytest.mark.parametrize("name", ["", "a/b.csv", "ord.csv.part"])
def test_upload_names_are_validated(target: SftpTarget, name: str) -> None:
    with target.client() as sftp, pytest.raises(ValueError, match="invalid upload name"):
        sftp.put_atomic(target.remote_dir, name, b"x")


@pytest.mark.parametrize(
    ("exc", "retriable"),
    [
        (SftpTransientError("x"), True),
        (SftpTargetExists("x"), False),
        (SftpAuthError("x"), False),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (EOFError(), True),
        (OSError(errno.EACCES, "Permission denied"), False),
        (OSError("Failure"), False),
    ],
)
def test_is_retriable(exc: BaseException, retriable: bool) -> None:
    assert is_retriable(exc) is retriable
