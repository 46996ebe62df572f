"""Run `shoplines run LINE` (orders-to-warehouse unless told) as a child process, killed at a crash point
or not, until done."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chaos import child
from shoplines.crashpoints import ENV as CRASH_ENV

RUN_TIMEOUT = 240.0
MAX_RUNS = 12  # per round; a round that needs more is a failed schedule
CRASH_TRIES = 3  # runs that may fail (transient faults) before the crash point is reached; then it is dropped
UNSETTLED = "may already be with the warehouse"
KILLED = -signal.SIGKILL
TIMED_OUT = 124


class Launcher:
    """Starts `shoplines` children: forked from a fork server that preloaded shoplines (about 3 s saved per
    run), or with `fresh=True` as a new interpreter each time (`python -c "...main()"`)."""

    def __init__(self, env: dict[str, str], *, fresh: bool = False) -> None:
        self.env, self.fresh = env, fresh
        self._context = None if fresh else multiprocessing.get_context("forkserver")

    def start(self) -> None:
        """Start the fork server now, with the children's environment (Prefect reads it at import)."""
        if self._context is None:
            return
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        try:
            self._context.set_forkserver_preload(child.PRELOAD)
            warm = self._context.Process(target=child.ready)
            warm.start()
            warm.join(RUN_TIMEOUT)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def run(self, argv: list[str], extra_env: dict[str, str], cwd: Path, output: Path) -> int:
        """Run `shoplines ARGV`; its exit code (-9 when it killed itself, 124 on timeout)."""
        env = {k: v for k, v in self.env.items() if k != CRASH_ENV} | extra_env
        if self._context is None:
            command = [sys.executable, "-c", "from shoplines.cli import main; main()", *argv]
            with output.open("wb") as out:
                try:
                    return subprocess.run(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                          timeout=RUN_TIMEOUT, check=False).returncode  # fmt: skip
                except subprocess.TimeoutExpired:
                    return TIMED_OUT
        process = self._context.Process(target=child.shoplines_main, args=(argv, env, str(cwd), str(output)))
        process.start()
        process.join(RUN_TIMEOUT)
        if process.is_alive():
            process.kill()
            process.join()
            return TIMED_OUT
        return process.exitcode if process.exitcode is not None else TIMED_OUT


@dataclass
class Line:
    """How to run the line for one schedule: launcher, SHOPLINES_HOME, window, and where output goes."""

    launcher: Launcher
    home: Path
    log: Path
    date_from: date = date.min
    date_to: date = date.min
    command: str = "orders-to-warehouse"
    env: dict[str, str] = field(default_factory=dict)  # more settings for every run (SHOPLINES_...)

    def run(self, crash_at: str | None, label: str) -> tuple[int, str]:
        """One run; returns its exit code (-9 when killed at the crash point) and its output."""
        argv = ["run", self.command, "--from", self.date_from.isoformat(),
                "--to", self.date_to.isoformat()]  # fmt: skip
        extra = self.env | {"SHOPLINES_HOME": str(self.home)} | ({CRASH_ENV: crash_at} if crash_at else {})
        output = self.log.with_name("last-run.out")
        started = time.monotonic()
        code = self.launcher.run(argv, extra, self.home, output)
        text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
        seconds = time.monotonic() - started
        self.note(f"--- {label} crash_at={crash_at or '-'}: exit {code} in {seconds:.1f} s")
        self.note(text)
        return code, text

    def note(self, text: str) -> None:
        """Append to the schedule's log."""
        with self.log.open("a", encoding="utf-8") as log:
            log.write(text.rstrip("\n") + "\n")


@dataclass
class RoundResult:
    """How a round went: runs needed, whether the crash point was hit, exit codes seen, done or not."""

    runs: int = 0
    crashed: bool = False
    done: bool = False
    codes: list[int] = field(default_factory=list)


def run_until_done(
    line: Line, crash_at: str | None, label: str, *, settle_wait: float, after_kill: Callable[[], None]
) -> RoundResult:
    """Run with the crash point until it is hit (or a run finishes), then without it until a run exits 0.

    After a kill, `after_kill` does what an operator does for a dead process. Exit 1 naming an upload that
    "may already be with the warehouse": the 3PL has not answered yet, so wait `settle_wait` seconds and run
    again. Any other failure (a dropped SFTP connection, Shopify giving up) is simply run again, as ops would.
    """
    result = RoundResult()
    pending = crash_at
    while result.runs < MAX_RUNS:
        result.runs += 1
        code, output = line.run(pending, f"{label} run {result.runs}")
        result.codes.append(code)
        if code == 0:
            result.done = True
            return result
        if code == KILLED and pending:
            result.crashed, pending = True, None
            after_kill()
            continue
        if pending and result.runs >= CRASH_TRIES:
            pending = None
        time.sleep(settle_wait if UNSETTLED in output else 0.2)
    return result


def child_env(prefect_api_url: str, prefect_home: str) -> dict[str, str]:
    """This process's environment minus shoplines settings, pointed at the shared Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLINES_")}
    env |= {
        "PREFECT_API_URL": prefect_api_url, "PREFECT_HOME": prefect_home,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "COLUMNS": "200",
    }  # fmt: skip
    return env
