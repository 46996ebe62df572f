"""The peers for P4, each in its own virtual environment under ``.bench/venvs/`` (gitignored, reused), run
as subprocesses against the sandbox through the transport shim in ``bench/peer_shim/`` (peers.md §1–§2).

Nothing here imports the peers: they run in their own interpreters, we read their stdout (Airbyte
protocol / Singer messages) and count ``RECORD`` messages per stream.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".bench" / "venvs"
SHIM = Path(__file__).resolve().parent / "peer_shim"
INSTALL_TIMEOUT = 900.0


@dataclass(frozen=True)
class Peer:
    """A peer package: venv name, the pinned requirement and its console script."""

    name: str
    requirement: str
    script: str


AIRBYTE = Peer("airbyte", "airbyte-source-shopify==4.3.0", "source-shopify")
SINGER = Peer("singer", "tap-shopify==3.13.0", "tap-shopify")


@dataclass
class PeerRun:
    """What one peer run emitted: record ids per stream, wall seconds, exit code, stderr tail."""

    ids: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0
    returncode: int = 0
    stderr_tail: str = ""


def ensure_venv(peer: Peer) -> Path:
    """The peer's console script, installing it (``python -m venv`` + pip) once into ``.bench/venvs/``.

    Raises:
        RuntimeError: the install failed (the pip log is in ``.bench/venvs/<name>.log``).
    """
    home = VENVS / peer.name
    script = home / "bin" / peer.script
    marker = home / ".installed"
    if script.exists() and marker.exists() and marker.read_text() == peer.requirement:
        return script
    VENVS.mkdir(parents=True, exist_ok=True)
    log = VENVS / f"{peer.name}.log"
    with log.open("w") as out:
        steps = (
            [sys.executable, "-m", "venv", "--clear", str(home)],
            [str(home / "bin" / "pip"), "install", "--disable-pip-version-check", "-q", peer.requirement],
        )
        for step in steps:
            done = subprocess.run(
                step, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"installing {peer.requirement} failed; see {log}")
    marker.write_text(peer.requirement)
    return script


def shim_env(sandbox_url: str) -> dict[str, str]:
    """The environment for a peer: the shim on ``PYTHONPATH``, the sandbox as ``SHOPIFY_EMU_BASE``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=str(SHIM), SHOPIFY_EMU_BASE=sandbox_url, PYTHONUNBUFFERED="1")
    return env


def run_peer(command: list[str], env: dict[str, str], workdir: Path, *, timeout: float) -> PeerRun:
    """Run a peer, stdout to a file; count ``RECORD`` messages (Airbyte and Singer shapes) per stream."""
    out_path, err_path = workdir / "stdout.jsonl", workdir / "stderr.txt"
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        done = subprocess.run(
            command, stdout=out, stderr=err, env=env, cwd=workdir, timeout=timeout, check=False
        )
    result = PeerRun(seconds=time.perf_counter() - started, returncode=done.returncode)
    result.stderr_tail = err_path.read_text(errors="replace")[-2000:]
    with out_path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith("{"):
                continue
            message = json.loads(line)
            if message.get("type") != "RECORD":
                continue
            if "stream" in message:  # Singer: {"type", "stream", "record": {...}}
                stream, data = message["stream"], message.get("record") or {}
            else:  # Airbyte: {"type", "record": {"stream", "data": {...}}}
                stream, data = message["record"]["stream"], message["record"].get("data") or {}
            result.ids[str(stream)].append(data.get("id"))
    return result


def airbyte_read(sandbox_url: str, token: str, start_date: str, workdir: Path, *, timeout: float) -> PeerRun:
    """Airbyte ``source-shopify read`` of ``orders`` + ``order_refunds`` (incremental from ``start_date``)."""
    script = ensure_venv(AIRBYTE)
    env = shim_env(sandbox_url)
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "shop": "shoplines-demo",
        "credentials": {"auth_method": "api_password", "api_password": token},
        "start_date": start_date,
    }
    (workdir / "config.json").write_text(json.dumps(config))
    found = subprocess.run(
        [str(script), "discover", "--config", "config.json"],
        capture_output=True, text=True, env=env, cwd=workdir, timeout=timeout, check=False,
    )  # fmt: skip
    catalog = next(
        (json.loads(line)["catalog"] for line in found.stdout.splitlines() if '"CATALOG"' in line[:40]), None
    )
    if catalog is None:
        raise RuntimeError(f"airbyte discover gave no catalog: {found.stderr[-1000:]}")
    streams = [
        {
            "stream": s,
            "sync_mode": "incremental",
            "cursor_field": s["default_cursor_field"],
            "destination_sync_mode": "append",
            "primary_key": s["source_defined_primary_key"],
        }
        for s in catalog["streams"]
        if s["name"] in ("orders", "order_refunds")
    ]
    (workdir / "catalog.json").write_text(json.dumps({"streams": streams}))
    command = [str(script), "read", "--config", "config.json", "--catalog", "catalog.json"]
    return run_peer(command, env, workdir, timeout=timeout)


def singer_sync(
    sandbox_url: str,
    token: str,
    start_date: str,
    workdir: Path,
    *,
    timeout: float,
    served: dict[str, set[str]] | None = None,
) -> PeerRun:
    """Singer ``tap-shopify`` discovery, then a sync of ``orders`` + ``order_refunds`` from ``start_date``
    (one date window covering the whole store, so one bulk job).

    ``served``: stream → the fields to select (the ones the sandbox can answer); ``None`` selects all.
    """
    script = ensure_venv(SINGER)
    env = shim_env(sandbox_url)
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "shop": "shoplines-demo",
        "access_token": token,
        "start_date": f"{start_date}T00:00:00Z",
        "date_window_size": 365,
        "request_timeout": 60,
    }
    (workdir / "config.json").write_text(json.dumps(config))
    found = subprocess.run(
        [str(script), "-c", "config.json", "-d"],
        capture_output=True, text=True, env=env, cwd=workdir, timeout=timeout, check=False,
    )  # fmt: skip
    if found.returncode != 0:
        raise RuntimeError(f"singer discovery failed: {found.stderr[-1000:]}")
    catalog = json.loads(found.stdout)
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in ("orders", "order_refunds")
        allowed = (served or {}).get(entry["tap_stream_id"])
        for meta in entry.get("metadata", []):
            crumb = meta.get("breadcrumb") or []
            wanted = not crumb or allowed is None or crumb[-1] in allowed
            meta["metadata"]["selected"] = chosen and wanted
    (workdir / "catalog.json").write_text(json.dumps(catalog))
    command = [str(script), "-c", "config.json", "--catalog", "catalog.json"]
    return run_peer(command, env, workdir, timeout=timeout)
