"""A real OpenSSH sshd on a free loopback port, with its own throwaway keys and config: the SFTP client tests
and the SFTP benchmark (`bench/sftp.py`) upload to it. Needs ``/usr/sbin/sshd`` (``openssh-server``)."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

SSHD = Path("/usr/sbin/sshd")
HOST = "127.0.0.1"
READY_TIMEOUT = 10.0
FOLDERS = ("inbound", "outbound", "processed", "archive")

CONFIG = """\
ListenAddress {host}
Port {port}
HostKey {workdir}/ssh_host_ed25519_key
PidFile {workdir}/sshd.pid
AuthorizedKeysFile {workdir}/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp{sftp_flags}
MaxStartups 100:30:200
LogLevel VERBOSE
UseDNS no
PermitTTY no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PrintMotd no
"""


@dataclass
class SshdServer:
    """A running sshd; `root_dir` holds inbound/ outbound/ processed/ archive/ (use absolute paths)."""

    host: str
    port: int
    username: str
    key_file: Path
    known_hosts: Path
    root_dir: Path
    workdir: Path
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def log_file(self) -> Path:
        """sshd's own VERBOSE log (useful when a test fails)."""
        return self.workdir / "sshd.log"

    def stop(self) -> None:
        """Terminate sshd and its per-connection children (its own process group)."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(5)
        if self._log is not None:
            self._log.close()
        self._process = self._log = None

    def regenerate_host_key(self) -> None:
        """Restart on the same port with a NEW host key; `known_hosts` is rewritten to pin the new key."""
        self.stop()
        host_line = write_ed25519_key(self.workdir / "ssh_host_ed25519_key")
        self.known_hosts.write_text(f"[{self.host}]:{self.port} {host_line}\n")
        _launch(self)


class SshdMissing(RuntimeError):
    """OpenSSH's server is not installed here."""


def start_sshd(workdir: Path, *, read_only: bool = False) -> SshdServer:
    """Start `sshd -D -e` with a generated host key, client key and known_hosts under `workdir`.

    With `read_only`, the SFTP subsystem refuses every write (`internal-sftp -R`).

    Raises:
        SshdMissing: sshd is not installed (the message says what to install).
        RuntimeError: sshd did not start.
    """
    if not SSHD.exists():
        raise SshdMissing(
            f"OpenSSH server {SSHD} is not installed: the SFTP tests and benchmark run against a real sshd "
            "(apt-get install -y openssh-server; .ci/run does it)"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    root_dir = workdir / "root"
    for folder in FOLDERS:
        (root_dir / folder).mkdir(parents=True, exist_ok=True)
    host_line = write_ed25519_key(workdir / "ssh_host_ed25519_key")
    (workdir / "authorized_keys").write_text(write_ed25519_key(workdir / "client_ed25519_key") + "\n")
    for attempt in range(3):  # another process may grab the free port before sshd binds it
        port = _free_port()
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text(f"[{HOST}]:{port} {host_line}\n")
        flags = " -R" if read_only else ""
        (workdir / "sshd_config").write_text(
            CONFIG.format(host=HOST, port=port, workdir=workdir, sftp_flags=flags)
        )
        user, client_key = getpass.getuser(), workdir / "client_ed25519_key"
        server = SshdServer(HOST, port, user, client_key, known_hosts, root_dir, workdir)
        try:
            _launch(server)
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        return server
    raise AssertionError("unreachable")


def _launch(server: SshdServer) -> None:
    config = server.workdir / "sshd_config"
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege-separation directory sshd insists on
    checked = subprocess.run(
        [str(SSHD), "-t", "-f", str(config)], capture_output=True, text=True, check=False
    )
    if checked.returncode != 0:
        raise RuntimeError(f"sshd -t rejected {config}: {checked.stderr.strip()}")
    server._log = server.log_file.open("ab")
    log_start = server._log.tell()
    server._process = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)],
        stdin=subprocess.DEVNULL, stdout=server._log, stderr=server._log, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server._process.poll() is not None:
            break
        if f"Server listening on {server.host} port {server.port}" in _read_from(server.log_file, log_start):
            return  # our sshd owns the port, not some other process that happens to accept on it
        time.sleep(0.02)
    server.stop()
    raise RuntimeError(f"sshd did not start on port {server.port}:\n{server.log_file.read_text()}")


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def write_ed25519_key(path: Path) -> str:
    """Write a new ed25519 private key (OpenSSH format, 0600) to `path`; return its public line."""
    key = Ed25519PrivateKey.generate()
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
    return key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
