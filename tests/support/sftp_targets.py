"""SFTP fixtures shared by client and flow tests: a real OpenSSH sshd and the embedded SFTP sandbox."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clients.sftp import SftpClient
from sandbox.sftp.server import RunningSftp, start_sftp_sandbox
from tests.support.sshd import SshdServer, start_sshd

_workspaces = itertools.count(1)


@pytest.fixture(scope="module")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    """A real `sshd` (key auth) on a free loopback port."""
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sftp_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSftp]:
    """The embedded asyncssh SFTP server (password auth), chrooted in a temp folder."""
    with start_sftp_sandbox(tmp_path_factory.mktemp("sftp") / "root") as server:
        yield server


@dataclass
class SftpTarget:
    """One server as the tests see it: how to connect, and one fresh folder both remotely and locally."""

    kind: str
    host: str
    port: int
    username: str
    known_hosts: Path
    password: str | None
    key_file: Path | None
    remote_dir: str
    local_dir: Path

    def client(self, timeout: float = 5.0, known_hosts: Path | None = None) -> SftpClient:
        return SftpClient(
            self.host, self.port, self.username, known_hosts or self.known_hosts,
            password=self.password, key_file=self.key_file, timeout=timeout,
        )  # fmt: skip


@pytest.fixture(params=["sshd", "sandbox"])
def target(request: pytest.FixtureRequest) -> SftpTarget:
    """Each client test runs against the real sshd and against the embedded sandbox, in its own folder."""
    folder = f"t{next(_workspaces):03d}"
    if request.param == "sshd":
        sshd: SshdServer = request.getfixturevalue("sshd_server")
        local = sshd.root_dir / folder
        local.mkdir()
        return SftpTarget("sshd", sshd.host, sshd.port, sshd.username, sshd.known_hosts, None,
                          sshd.key_file, str(local), local)  # fmt: skip
    box: RunningSftp = request.getfixturevalue("sftp_sandbox")
    local = box.root / folder
    local.mkdir()
    return SftpTarget("sandbox", box.host, box.port, box.username, box.known_hosts, box.password, None,
                      folder, local)  # fmt: skip
