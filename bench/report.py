"""One table for `make bench`: each benchmark returns `Figure` rows; the table is printed and written to
``docs/benchmarks.md`` with a description of the machine it was measured on."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure: ``key`` (``P1a``…), what it is, the value as printed, the target and whether it
    was met (``None``: no target, or not measured), and a short note on how it was measured."""

    key: str
    what: str
    value: str
    target: str = ""
    met: bool | None = None
    note: str = ""


def quick() -> bool:
    """``BENCH_QUICK=1``: smaller sizes, for a check that the benchmarks run at all."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def machine() -> str:
    """The machine in one line: CPU model and count, memory, Python, OS."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kib = next(
            int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )  # fmt: skip
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    return (
        f"{os.cpu_count()} × {cpu}, {memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: ""}[met]


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table."""
    rows = ["| | figure | measured | target | | how |", "|---|---|---|---|---|---|"]
    rows += [f"| {f.key} | {f.what} | {f.value} | {f.target} | {_mark(f.met)} | {f.note} |" for f in figures]
    return "\n".join(rows)


def write(figures: list[Figure], path: Path, *, started: datetime) -> None:
    """Write ``docs/benchmarks.md``: when, on what, which commit, the table."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    mode = "BENCH_QUICK=1 (small sizes)" if quick() else "full sizes"
    text = (
        "# Benchmarks\n\n"
        f"Measured by `make bench` ({mode}) on {started:%Y-%m-%d %H:%M} UTC, commit `{commit or '?'}`.\n\n"
        f"Machine: {machine()}.\n\n{table(figures)}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def peak_rss_mb() -> float:
    """This process's own peak resident memory in MB: VmHWM, which starts afresh at exec. getrusage's maxrss
    does not: Linux carries the parent's size at fork into the child's figure across exec, so every child
    of a big parent would report at least the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def now() -> datetime:
    return datetime.now(UTC)
