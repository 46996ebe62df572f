"""P5: uploads through our SFTP client (paramiko) against OpenSSH's own `sftp -b`, both to one real sshd on
loopback: many small order files, and one big file. Each run delivers atomically (a `.part` name, then a
rename); rounds alternate ours/OpenSSH and the best round of each counts (the machine is shared)."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.report import Figure
from clients.sftp import SftpClient
from sandbox.sftp.openssh import SshdServer, start_sshd

TARGET = 0.8
ROUNDS = 3
FULL = (1_000, 100)  # small files, big file MB
QUICK = (200, 20)
SMALL_BYTES = 5_000
MARK = b"sftp> pwd"  # `sftp -b` echoes each command as it starts it (line-buffered)


@dataclass(frozen=True)
class Job:
    """What to upload: local files (read inside the timed part by ours, as OpenSSH reads them)."""

    small: list[Path]
    big: Path


def make_job(folder: Path, files: int, megabytes: int, seed: int = 5) -> Job:
    """``files`` CSVs of ~5 KB of order lines and one file of ``megabytes`` MiB (random, incompressible)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    folder.mkdir(parents=True, exist_ok=True)
    small = []
    for n in range(files):
        lines = ["order_name,sku,quantity,unit_price,recipient,city,postal_code"]
        while sum(len(line) + 1 for line in lines) < SMALL_BYTES - 80:
            sku, quantity = f"SKU-{rng.randint(1000, 9999)}", rng.randint(1, 3)
            price = f"{rng.randint(50, 1500)}.{rng.randint(0, 99):02d}"
            lines.append(f"#{1001 + n},{sku},{quantity},{price},Thandi Nkosi,Cape Town,8001")
        path = folder / f"ord_{n:05d}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        small.append(path)
    big = folder / "big.bin"
    with big.open("wb") as out:
        for _ in range(megabytes):
            out.write(rng.randbytes(2**20))
    return Job(small, big)


def ours_small(server: SshdServer, job: Job, remote: Path) -> float:
    """Seconds for our client to deliver every small file (after the connection is up)."""
    with _client(server) as sftp:
        started = time.perf_counter()
        sftp.put_many(str(remote), [(path.name, path.read_bytes()) for path in job.small])
        return time.perf_counter() - started


def ours_one_by_one(server: SshdServer, job: Job, remote: Path) -> float:
    """Seconds for our client to deliver the small files one `put_atomic` at a time (as `tasks/deliver.py`
    does, which records each file in the ledger between its upload and its rename)."""
    with _client(server) as sftp:
        started = time.perf_counter()
        for path in job.small:
            sftp.put_atomic(str(remote), path.name, path.read_bytes())
        return time.perf_counter() - started


def ours_big(server: SshdServer, job: Job, remote: Path) -> float:
    """Seconds for our client to deliver the big file (after the connection is up)."""
    with _client(server) as sftp:
        started = time.perf_counter()
        sftp.put_atomic(str(remote), job.big.name, job.big.read_bytes())
        return time.perf_counter() - started


def openssh(server: SshdServer, paths: list[Path], remote: Path, batchfile: Path) -> float:
    """Seconds `sftp -b` takes for ``put x remote/x.part`` + ``rename`` of each path (connection excluded:
    timed from the echo of a ``pwd`` before the first put to the echo of one after the last rename)."""
    lines = ["pwd"]
    for path in paths:
        part = remote / f"{path.name}.part"
        lines += [f'put "{path}" "{part}"', f'rename "{part}" "{remote / path.name}"']
    batchfile.write_text("\n".join([*lines, "pwd", ""]), encoding="utf-8")
    command = [
        "sftp", "-b", str(batchfile), "-P", str(server.port), "-i", str(server.key_file),
        "-o", f"UserKnownHostsFile={server.known_hosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", f"{server.username}@{server.host}",
    ]  # fmt: skip
    marks = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(MARK):
                marks.append(time.perf_counter())
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0 or len(marks) != 2:
        raise RuntimeError(f"sftp -b failed ({process.returncode}): {error.strip()}")
    return marks[1] - marks[0]


def _client(server: SshdServer) -> SftpClient:
    return SftpClient(
        server.host, server.port, server.username, server.known_hosts, key_file=server.key_file, timeout=60
    )


def check(remote: Path, paths: list[Path]) -> None:
    """``remote`` holds exactly ``paths`` (same bytes), no ``.part`` left; then it is emptied for the next."""
    names = sorted(os.listdir(remote))
    if names != sorted(p.name for p in paths):
        raise RuntimeError(f"{remote} holds {len(names)} files, expected {len(paths)}: {names[:3]}…")
    for path in paths:
        if _digest(remote / path.name) != _digest(path):
            raise RuntimeError(f"{remote / path.name} differs from what was sent")
    shutil.rmtree(remote)
    remote.mkdir()


def _digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def run(quick: bool) -> list[Figure]:
    """P5a (small files, files/s) and P5b (one big file, MB/s): ours ÷ OpenSSH's."""
    files, megabytes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-sftp-") as tmp:
        folder = Path(tmp)
        job = make_job(folder / "local", files, megabytes)
        server = start_sshd(folder / "sshd")
        try:
            remote = server.root_dir / "inbound"
            batchfile = folder / "batch"
            timings: dict[str, list[float]] = {}
            for round_ in range(1, ROUNDS + 1):
                steps: dict[str, Callable[[], float]] = {
                    "ours small": lambda: ours_small(server, job, remote),
                    "ours 1-by-1": lambda: ours_one_by_one(server, job, remote),
                    "ssh small": lambda: openssh(server, job.small, remote, batchfile),
                    "ours big": lambda: ours_big(server, job, remote),
                    "ssh big": lambda: openssh(server, [job.big], remote, batchfile),
                }
                for name, timed in steps.items():
                    timings.setdefault(name, []).append(timed())
                    check(remote, [job.big] if "big" in name else job.small)
                print("  P5 round " + str(round_) + ": "
                      + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in timings.items()), flush=True)  # fmt: skip
        finally:
            server.stop()
    fastest = {name: min(values) for name, values in timings.items()}
    ours_fps, ssh_fps = files / fastest["ours small"], files / fastest["ssh small"]
    single_fps = files / fastest["ours 1-by-1"]
    ours_mbs, ssh_mbs = megabytes / fastest["ours big"], megabytes / fastest["ssh big"]
    how = (
        f"best of {ROUNDS} alternating rounds, connection set-up excluded, both to one OpenSSH sshd "
        "(internal-sftp) on loopback, each file written as .part then renamed; ours: SftpClient"
    )
    return [
        Figure("P5a", f"SFTP {files:,} × ~5 KB files: files/s ours ÷ OpenSSH", f"{ours_fps / ssh_fps:.2f}",
               f"≥ {TARGET}", ours_fps / ssh_fps >= TARGET,
               f"{ours_fps:,.0f} vs {ssh_fps:,.0f} files/s; {how}.put_many (stale .part removed, size "
               "checked, renamed without overwriting, files pipelined) vs `sftp -b` put + rename per file"),
        Figure("P5b", f"SFTP one {megabytes} MiB file: MB/s ours ÷ OpenSSH", f"{ours_mbs / ssh_mbs:.2f}",
               f"≥ {TARGET}", ours_mbs / ssh_mbs >= TARGET,
               f"{ours_mbs:,.0f} vs {ssh_mbs:,.0f} MiB/s; {how}.put_atomic vs `sftp -b` put + rename"),
        Figure("P5c", f"SFTP {files:,} × ~5 KB files one put_atomic at a time: files/s ours ÷ OpenSSH",
               f"{single_fps / ssh_fps:.2f}", "", None,
               f"{single_fps:,.0f} vs {ssh_fps:,.0f} files/s; no target: as tasks/deliver.py sends (a ledger "
               "write between each file's upload and rename), one round trip per step"),
    ]  # fmt: skip
