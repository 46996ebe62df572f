"""A Prefect stack on this machine (server, setup, deployments, workers): `make serve`, the scale-out test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent  # `prefect deploy` runs here: workers run this checkout
BIN = Path(sys.executable).parent  # the `prefect` and `shoplines` commands of this environment
SERVER = [str(BIN / "prefect"), "server", "start"]


class StackError(RuntimeError):
    """A part of the local stack did not start or a step failed; the message names its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    """The processes of one local stack, all on 127.0.0.1, their logs under `logs`."""

    env: dict[str, str]  # what every command and worker gets: the API URL, shoplines' home and database
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def api(self) -> str:
        return self.env["PREFECT_API_URL"]

    def start(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        """Start a long-running process (`name`.log) in its own session: `stop` ends it and its children."""
        env = self.env | (extra or {})
        with self._log(name) as log:  # the child keeps its own copy of the descriptor
            child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip
        self.processes.append(child)

    def run(self, name: str, command: list[str], timeout: float = 300) -> None:
        """Run a step to its end (`name`.log); a failure names the log."""
        with self._log(name) as log:
            done = subprocess.run(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout, check=False)  # fmt: skip
        if done.returncode != 0:
            raise StackError(
                f"{' '.join(command[:3])} failed (exit {done.returncode}); see {self.logs / name}.log"
            )

    def stop(self) -> None:
        """SIGTERM every process group started here (workers and their flow runs too), SIGKILL after 10 s."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def _log(self, name: str) -> IO[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        return (self.logs / f"{name}.log").open("ab")


def prefect_env(prefect_home: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a local stack: this process's, with Prefect pointed at a server on `port`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return (
        env
        | {
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "2",  # a run from the UI starts within seconds
            "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "5",  # an ENQUEUEd run retries soon
        }
        | extra
    )


def start_server(stack: Stack, timeout: float = 120) -> None:
    """`prefect server start` (its database: PREFECT_SERVER_DATABASE_CONNECTION_URL, or SQLite under
    PREFECT_HOME) and wait until it answers."""
    stack.start("server", SERVER)
    wait_ready(stack, timeout)


def wait_ready(stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in stack.processes):
            raise StackError(f"a process of the stack exited at start; see {stack.logs}")
        try:
            if httpx.get(f"{stack.api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise StackError(
        f"the Prefect server did not answer within {timeout:.0f} s; see {stack.logs / 'server.log'}"
    )


def setup_and_deploy(stack: Stack, workers: int = 0, limit: int | None = None) -> None:
    """`shoplines prefect setup --secrets`, then `prefect deploy --all` from the repository root, with
    `workers` workers starting meanwhile (the pool exists once setup is done)."""
    stack.run("setup", [str(BIN / "shoplines"), "prefect", "setup", "--secrets"])
    start_workers(stack, workers, limit)
    stack.run("deploy", [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"])


def start_workers(stack: Stack, count: int, limit: int | None = None) -> None:
    """`count` process workers on the shoplines pool (each running at most `limit` flow runs at once)."""
    for n in range(1, count + 1):
        command = [str(BIN / "prefect"), "worker", "start", "--pool", "shoplines", "--type", "process",
                   "--name", f"worker-{n}"]  # fmt: skip
        stack.start(f"worker-{n}", command + (["--limit", str(limit)] if limit else []))
