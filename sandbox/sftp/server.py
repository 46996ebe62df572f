"""Embedded SFTP server (asyncssh) chrooted in a local folder: the warehouse's SFTP stand-in."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self, cast

import asyncssh

from sandbox.sftp.auth import PasswordServer
from sandbox.sftp.faults import FaultDice, SftpFaults, is_part
from sandbox.sftp.files import known_hosts_line, load_or_create_host_key, write_atomic
from sandbox.sftp.loop_thread import LoopThread

FOLDERS = ("inbound", "outbound", "processed", "archive")
AfterRename = Callable[[Path], None]


class _WarehouseSftp(asyncssh.SFTPServer):
    """Chrooted SFTP whose RENAME never overwrites, atomically (link + unlink, like OpenSSH's server).

    With `dice`, it may drop the whole connection during a `.part` write or around a RENAME (`faults.py`).
    """

    def __init__(
        self, chan: asyncssh.SSHServerChannel, root: Path, after_rename: AfterRename | None,
        dice: FaultDice | None,
    ) -> None:  # fmt: skip
        super().__init__(chan, chroot=os.fsencode(root))
        self._after_rename, self._dice = after_rename, dice

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        name = getattr(file_obj, "name", "")
        if self._dice is not None and is_part(name) and self._dice.roll("drop_write"):
            written = _write_at(file_obj, offset, data[: len(data) // 2])
            self._drop()
            return written
        return _write_at(file_obj, offset, data)

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        if self._dice is not None and self._dice.roll("drop_before_rename"):
            self._drop()
            return
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
        if self._dice is not None and self._dice.roll("drop_after_rename"):
            self._drop()

    def _drop(self) -> None:
        """Close the SSH connection abruptly (no disconnect message): this request is never answered."""
        self.connection.abort()


def _write_at(file_obj: object, offset: int, data: bytes) -> int:
    """What asyncssh's own `SFTPServer.write` does with a local file."""
    handle = cast(BinaryIO, file_obj)
    handle.seek(offset)
    return handle.write(data)


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
    _dice: FaultDice | None = field(default=None, repr=False)

    @property
    def faults_fired(self) -> dict[str, int]:
        """How often each SFTP fault has fired so far (all zero without faults)."""
        return dict(self._dice.fired) if self._dice is not None else {}

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
    faults: SftpFaults | None = None,
    seed: int = 0,
) -> RunningSftp:
    """Serve `root` over SFTP (password auth) on host:port and write the known_hosts file clients pin.

    `host_key_path` / `known_hosts_path` default to files next to `root`. `after_rename` is called
    (in the server thread, before the client gets its reply) with the local path of every renamed file:
    it lets tests act as a 3PL that grabs files the instant they appear. `faults` (drawn from `seed`) make
    the server drop connections mid-upload or around a RENAME, for the chaos suite.
    """
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    key_path = host_key_path or root.parent / "ssh_host_ed25519_key"
    key = load_or_create_host_key(key_path)
    secret = password or secrets.token_urlsafe(18)
    connections: set[asyncssh.SSHServerConnection] = set()
    dice = FaultDice(faults, seed) if faults is not None and faults.any else None

    async def listen() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            host, port, server_host_keys=[key], allow_scp=False, agent_forwarding=False,
            x11_forwarding=False, allow_pty=False, login_timeout=30,
            server_factory=lambda: PasswordServer(username, secret, connections),
            sftp_factory=lambda chan: _WarehouseSftp(chan, root, after_rename, dice),
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
        host, bound, username, secret, known_hosts, root, key_path, loop, acceptor, connections, dice
    )
