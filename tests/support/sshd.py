"""The real OpenSSH sshd of `sandbox.sftp.openssh` for tests: a missing sshd fails the test (never a skip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.sftp.openssh import SshdMissing, SshdServer, write_ed25519_key
from sandbox.sftp.openssh import start_sshd as _start_sshd

__all__ = ["SshdServer", "start_sshd", "write_ed25519_key"]


def start_sshd(workdir: Path, *, read_only: bool = False) -> SshdServer:
    """`sandbox.sftp.openssh.start_sshd`, failing the test with what to install when sshd is missing."""
    try:
        return _start_sshd(workdir, read_only=read_only)
    except SshdMissing as exc:
        pytest.fail(str(exc), pytrace=False)
