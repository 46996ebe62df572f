"""Small file helpers shared by the SFTP stand-in and the simulated 3PL: atomic writes, host keys."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` so that readers see either nothing or the whole file (temp name + rename)."""
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The ed25519 host key stored at `path`, generated on first use so restarts keep the same key."""
    if path.exists():
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, key.export_private_key(), mode=0o600)
    return key


def known_hosts_line(host: str, port: int, key: asyncssh.SSHKey) -> str:
    """An OpenSSH known_hosts line pinning `key` for host:port (`[host]:port` unless port 22)."""
    pattern = host if port == 22 else f"[{host}]:{port}"
    return f"{pattern} {key.export_public_key('openssh').decode().strip()}\n"
