"""P5's pieces against a real sshd: the job's files, our uploads, OpenSSH's `sftp -b`, and the check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.sftp import SMALL_BYTES, check, make_job, openssh, ours_big, ours_one_by_one, ours_small
from tests.support.sshd import start_sshd


def test_ours_and_openssh_deliver_the_same_files_and_the_check_catches_a_difference(tmp_path: Path) -> None:
    job = make_job(tmp_path / "local", files=4, megabytes=1)
    assert all(SMALL_BYTES - 200 <= path.stat().st_size <= SMALL_BYTES for path in job.small)
    assert job.big.stat().st_size == 2**20
    server = start_sshd(tmp_path / "sshd")
    try:
        remote = server.root_dir / "inbound"
        assert ours_small(server, job, remote) > 0
        check(remote, job.small)
        assert ours_one_by_one(server, job, remote) > 0
        check(remote, job.small)
        assert ours_big(server, job, remote) > 0
        check(remote, [job.big])
        assert openssh(server, job.small, remote, tmp_path / "batch") > 0
        check(remote, job.small)
        assert openssh(server, [job.big], remote, tmp_path / "batch") > 0
        (remote / job.big.name).write_bytes(b"not what was sent")
        with pytest.raises(RuntimeError, match="differs"):
            check(remote, [job.big])
        assert os.listdir(remote) == [job.big.name]  # a failed check leaves the evidence
        (remote / job.big.name).unlink()
        (remote / "extra.csv.part").write_bytes(b"x")
        with pytest.raises(RuntimeError, match="holds 1 files, expected 0"):
            check(remote, [])
    finally:
        server.stop()
