"""A `python -m sandbox serve` child process and its admin endpoint, as the chaos harness drives them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, Self

import httpx

START_TIMEOUT = 60.0


class SandboxFailed(RuntimeError):
    """The sandbox child did not start, or its admin endpoint refused a request."""


class Sandbox:
    """One running sandbox: the Shopify stand-in (admin endpoint), the SFTP stand-in and the 3PL."""

    def __init__(self, home: Path, process: subprocess.Popen[bytes], description: dict[str, Any]) -> None:
        self.home, self.process, self.description = home, process, description
        # A fresh connection per admin request: a kept-alive one the sandbox closes as it is reused fails
        # with "Server disconnected", and a write cannot safely be repeated.
        self.http = httpx.Client(
            base_url=description["shopify"]["admin_url"],
            timeout=30.0,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    @classmethod
    def start(cls, home: Path, options: list[str], log: IO[bytes]) -> Self:
        """Start `python -m sandbox serve --home HOME OPTIONS` and wait until it has written sandbox.json."""
        home.mkdir(parents=True, exist_ok=True)
        description_file = home / "sandbox.json"
        description_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", "sandbox", "serve", "--home", str(home), *options]
        # Same process group as the harness: Ctrl-C stops the sandboxes too.
        process = subprocess.Popen(command, stdout=log, stderr=log, cwd=home)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SandboxFailed(f"the sandbox exited at start with {process.returncode}")
            if description_file.exists():
                description = json.loads(description_file.read_text())
                if description.get("pid") == process.pid:
                    return cls(home, process, description)
            time.sleep(0.05)
        process.kill()
        process.wait()
        raise SandboxFailed(f"the sandbox did not start within {START_TIMEOUT:.0f} s")

    @property
    def journal(self) -> Path:
        """The 3PL's `received.jsonl`: one entry per file it picked up."""
        return self.home / "sftp" / "received.jsonl"

    @property
    def timezone(self) -> str:
        """The shop's time zone."""
        return str(self.description["store"]["timezone"])

    def admin(self, method: str, path: str, payload: dict[str, Any] | None = None) -> httpx.Response:
        """One admin request (`/_sandbox` + path); a 5xx or refused connection is an error.

        A read is tried once more when the server closed a kept-alive connection as it was reused (the
        client cannot tell that race from a dead server on the first try); a write is never repeated.
        """
        attempts = 2 if method in {"GET", "DELETE"} else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.request(method, path, json=payload)
                break
            except httpx.RemoteProtocolError as exc:
                if attempt == attempts:
                    raise SandboxFailed(f"admin {method} {path}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise SandboxFailed(f"admin {method} {path}: {exc}") from exc
        if response.status_code >= 500:
            raise SandboxFailed(f"admin {method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def orders(self) -> list[dict[str, Any]]:
        """Every order exactly as the store holds it."""
        orders: list[dict[str, Any]] = self.admin("GET", "/orders").json()["orders"]
        return orders

    def set_faults(self, rules: tuple[dict[str, Any], ...]) -> None:
        """Replace the Shopify fault rules."""
        self.admin("DELETE", "/faults")
        for rule in rules:
            response = self.admin("POST", "/faults", rule)
            if response.status_code != 200:
                raise SandboxFailed(f"fault {rule} refused: {response.text[:200]}")

    def wait_drained(self, timeout: float) -> bool:
        """Wait until the 3PL has taken every complete file from inbound/; False on timeout."""
        inbound = Path(self.description["sftp"]["root"]) / "inbound"
        deadline = time.monotonic() + timeout
        while any(inbound.glob("*.csv")):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL) and close the admin client."""
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
