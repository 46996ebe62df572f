"""Embedded SFTP server (asyncssh) chrooted in a local folder: the warehouse's SFTP stand-in."""

from __future__ import annotations

import errno
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import asyncssh

from sandbox.sftp.files import known_hosts_line, load_or_create_host_key, write_atomic
from sandbox.sftp.loop_thread import LoopThread

FOLDERS = ("inbound", "outbound", "processed", "archive")
AfterRename = Callable[[Path], None]


class _WarehouseSftp(asyncssh.SFTPServer):
    """Chrooted SFTP whose RENAME never overwrites, atomically (link + unlink, like OpenSSH's server)."""

    def __init__(self, chan: asyncssh.SSHServerChannel, root: Path, after_rename: AfterRename | None) -> None:
        super().__init__(chan, chroot=os.fsencode(root))
        self._after_rename = after_rename

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        old, new = self.map_path(oldpath), self.map_path(newpath)
        if os.path.isdir(old):
            if os.path.lexists(new):
                raise FileExistsError(errno.EEXIST, "File already exists")
            os.rename(old, new)
        else:
            os.link(old, new)  # FileExistsError -> SFTP failure, never a silent overwrite
            os.unlink(old)
        if self._after_rename is not None:
            self._after_rename(Path(os.fsdecode(new)))


class _PasswordServer(asyncssh.SSHServer):
    """Accepts exactly one username/password pair and remembers its live connections for shutdown."""

    def __init__(self, username: str, password: str, connections: set[asyncssh.SSHServerConnection]) -> None:
        self._username, self._password, self._connections = username, password, connections
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        return hmac.compare_digest(password.encode(), self._password.encode()) and user_ok


@dataclass
class RunningSftp:
    """A started SFTP stand-in; `stop()` (or leaving the `with` block) shuts it down."""

    host: str
    port: int
    username: str
    password: str
    known_hosts: Path
    root: Path
    host_key_path: Path
    _loop: LoopThread = field(repr=False)
    _acceptor: asyncssh.SSHAcceptor = field(repr=False)
    _connections: set[asyncssh.SSHServerConnection] = field(repr=False)

    def stop(self) -> None:
        """Close the listener and every open connection, then stop the loop thread."""
        if self._loop.loop.is_closed():
            return
        try:
            self._loop.call(self._shutdown())
        finally:
            self._loop.close()

    async def _shutdown(self) -> None:
        self._acceptor.close()
        await self._acceptor.wait_closed()
        for conn in list(self._connections):
            conn.close()
            await conn.wait_closed()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_sftp_sandbox(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    username: str = "warehouse",
    password: str | None = None,
    host_key_path: Path | None = None,
    known_hosts_path: Path | None = None,
    after_rename: AfterRename | None = None,
) -> RunningSftp:
    """Serve `root` over SFTP (password auth) on host:port and write the known_hosts file clients pin.

    `host_key_path` / `known_hosts_path` default to files next to `root`. `after_rename` is called
    (in the server thread, before the client gets its reply) with the local path of every renamed file:
    it lets tests act as a 3PL that grabs files the instant they appear.
    """
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    key_path = host_key_path or root.parent / "ssh_host_ed25519_key"
    key = load_or_create_host_key(key_path)
    secret = password or secrets.token_urlsafe(18)
    connections: set[asyncssh.SSHServerConnection] = set()

    async def listen() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            host, port, server_host_keys=[key], allow_scp=False, agent_forwarding=False,
            x11_forwarding=False, allow_pty=False, login_timeout=30,
            server_factory=lambda: _PasswordServer(username, secret, connections),
            sftp_factory=lambda chan: _WarehouseSftp(chan, root, after_rename),
        )  # fmt: skip

    loop = LoopThread(f"sftp-sandbox-{host}:{port}")
    try:
        acceptor = loop.call(listen())
    except BaseException:
        loop.close()
        raise
    bound = acceptor.get_port()
    known_hosts = known_hosts_path or root.parent / "known_hosts"
    write_atomic(known_hosts, known_hosts_line(host, bound, key).encode())
    return RunningSftp(
        host, bound, username, secret, known_hosts, root, key_path, loop, acceptor, connections
    )
