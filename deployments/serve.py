"""`make serve`: a local Prefect server with every deployment scheduled against the sandbox, and a worker."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from deployments import local
from shoplines import sandbox_control
from shoplines.settings import DEFAULT_HOME, load_settings
from shoplines.wiring import open_state

PORT = int(os.environ.get("SHOPLINES_SERVE_PORT", "4200"))


def connect_xero(home: Path) -> None:
    """Connect the sandbox shop to the sandbox's Xero (it consents at once), so the accounting lines run."""
    from shoplines.xero_connect import connect
    from shoplines.xero_tokens import PROVIDER, load_xero_settings

    def consent(url: str) -> None:
        httpx.get(url, follow_redirects=True, timeout=30).raise_for_status()

    os.environ["SHOPLINES_HOME"] = str(home)
    settings = load_settings()
    with open_state(settings) as state:
        if state.accounting_connection(settings.shop_domain, PROVIDER) is None:
            connect(load_xero_settings(), state, settings.shop_domain, open_url=consent, port=0)


def main() -> None:
    started = time.monotonic()
    home = Path(os.environ.get("SHOPLINES_HOME") or DEFAULT_HOME).resolve()
    ui = f"http://127.0.0.1:{PORT}"
    # the shop's clock at real time, from now: the schedules find today's orders (and its API refills at 1x)
    ours = sandbox_control.info(home) is None
    sandbox_control.up(home, sandbox_control.SandboxOptions(start=datetime.now(UTC)))
    connect_xero(home)
    # the sandbox's largest refunds are ~ZAR 2 800: a lower approval threshold gives ops approvals to decide
    threshold = os.environ.get("SHOPLINES_REFUND_APPROVAL_THRESHOLD", "2000")
    env = local.prefect_env(home / "prefect", PORT, SHOPLINES_HOME=str(home), SHOPLINES_UI_URL=ui,
                            SHOPLINES_REFUND_APPROVAL_THRESHOLD=threshold)  # fmt: skip
    stack = local.Stack(env, home / "serve-logs")
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        local.start_server(stack)
        local.setup_and_deploy(stack, workers=1)
        print(f"Ready in {time.monotonic() - started:.0f} s. The Prefect UI: {ui}/deployments", flush=True)
        print(f"Logs: {stack.logs}. Ctrl-C stops the server and the worker.", flush=True)
        stopping.wait()
    finally:
        stack.stop()
        if ours:
            sandbox_control.down(home)


if __name__ == "__main__":
    main()
