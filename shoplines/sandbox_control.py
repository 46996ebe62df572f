"""Start, stop and inspect the local sandbox process (`python -m sandbox serve`) without importing it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplines.errors import ShoplinesError
from shoplines.settings import DEFAULT_HOME, SANDBOX_FILE, SANDBOX_KEY_FILE, sandbox_settings


class SandboxError(ShoplinesError):
    """The sandbox could not be started, found or stopped."""


@dataclass(frozen=True)
class SandboxOptions:
    """What the sandbox's store and clock look like."""

    seed: int = 42
    orders: int = 300
    orders_file: Path | None = None
    time_scale: float = 1.0
    plan: str = "standard"
    start: datetime | None = None  # the sandbox clock's start (default: its fixed demo date)


def info(home: Path) -> dict[str, Any] | None:
    """The running sandbox's description, or None when none is running."""
    path = home / SANDBOX_FILE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data if _alive(int(data.get("pid", 0))) else None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")  # a zombie child is not a running sandbox
    return not (stat.is_file() and stat.read_text().split(") ")[-1].startswith("Z"))


def _command(home: Path, options: SandboxOptions) -> list[str]:
    command = [sys.executable, "-m", "sandbox", "serve", "--home", str(home), "--seed", str(options.seed),
               "--time-scale", str(options.time_scale), "--plan", options.plan]  # fmt: skip
    if options.start is not None:
        command += ["--start", options.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
    if options.orders_file is not None:
        return [*command, "--orders-file", str(options.orders_file)]
    return [*command, "--orders", str(options.orders)]


def token_key(home: Path) -> str:
    """The key that encrypts the sandbox's Xero tokens in the state database (made once, mode 600)."""
    from cryptography.fernet import Fernet

    path = home / SANDBOX_KEY_FILE
    if not path.is_file():
        home.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


def up(home: Path, options: SandboxOptions, timeout: float = 60.0) -> dict[str, Any]:
    """Start the sandbox in the background (or return the one already running)."""
    token_key(home)
    running = info(home)
    if running is not None:
        return running
    home.mkdir(parents=True, exist_ok=True)
    (home / SANDBOX_FILE).unlink(missing_ok=True)
    log = (home / "sandbox.log").open("ab")
    child = subprocess.Popen(
        _command(home, options), stdout=log, stderr=log, start_new_session=True, cwd=Path.cwd()
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SandboxError(
                f"the sandbox stopped at start (exit {child.returncode}); see {home / 'sandbox.log'}"
            )
        started = info(home)
        if started is not None and started.get("pid") == child.pid:
            return started
        time.sleep(0.1)
    child.terminate()
    raise SandboxError(f"the sandbox did not start within {timeout:.0f} s; see {home / 'sandbox.log'}")


def down(home: Path, timeout: float = 15.0) -> bool:
    """Stop the running sandbox; False when there was none."""
    running = info(home)
    if running is None:
        (home / SANDBOX_FILE).unlink(missing_ok=True)
        return False
    pid = int(running["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    (home / SANDBOX_FILE).unlink(missing_ok=True)
    return True


def wait_for_answers(sftp_root: Path, files: int, timeout: float = 10.0) -> bool:
    """Wait (briefly) until the 3PL has picked up and acknowledged ``files`` files; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = list((sftp_root / "outbound").glob("ACK_*.csv")) + list(
            (sftp_root / "outbound").glob("ERR_*.csv")
        )
        if not list((sftp_root / "inbound").glob("*.csv")) and len(answered) >= files:
            return True
        time.sleep(0.2)
    return False


def wait_for_shipments(sftp_root: Path, timeout: float = 15.0) -> bool:
    """Wait until the 3PL has written a shipment file (it ships a few seconds after accepting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list((sftp_root / "outbound").glob("SHIP_*.csv")):
            time.sleep(0.5)  # partial parcels and late orders come in the same breath
            return True
        time.sleep(0.2)
    return False


def use_only_the_sandbox(running: dict[str, Any]) -> None:
    """Point this process at the sandbox, whatever a real shop's settings in the environment or .env say."""
    home = Path(os.environ.get("SHOPLINES_HOME") or DEFAULT_HOME)
    for name, value in sandbox_settings(running | {"token_key": token_key(home)}).items():
        os.environ[f"SHOPLINES_{name.upper()}"] = json.dumps(value) if isinstance(value, dict) else str(value)
    os.environ["SHOPLINES_DATABASE_URL"] = (
        ""  # the demo's state lives under SHOPLINES_HOME, never in a real database
    )
    os.environ.pop("SHOPLINES_SFTP_KEY_FILE", None)
