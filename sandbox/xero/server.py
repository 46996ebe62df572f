"""Start the Xero sandbox in-process: uvicorn behind a small relay, in a thread with its own loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from sandbox.clock import SandboxClock
from sandbox.xero.admin import admin_routes
from sandbox.xero.endpoints import api_routes
from sandbox.xero.identity import identity_routes
from sandbox.xero.proxy import Relay
from sandbox.xero.state import DEFAULT_SCOPE, XeroState

START_TIMEOUT = 10.0


def build_app(state: XeroState) -> Starlette:
    """The ASGI app: API, identity and admin routes on one server."""
    app = Starlette(routes=[*api_routes(), *identity_routes(), *admin_routes()])
    app.state.xero = state
    return app


class RunningXero:
    """A running sandbox; stop it with :meth:`stop` or use it as a context manager."""

    def __init__(self, state: XeroState, host: str, port: int) -> None:
        """Bind the handle; :func:`start_xero_sandbox` starts the thread."""
        self.state = state
        self.host = host
        self._requested_port = port
        self.port = 0
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=self._run, name="xero-sandbox", daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """``{url}/api.xro/2.0``."""
        return f"{self.url}/api.xro/2.0"

    @property
    def identity_url(self) -> str:
        """The authorise endpoint: ``{url}/identity/connect/authorize``."""
        return f"{self.url}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        """``{url}/connect/token``."""
        return f"{self.url}/connect/token"

    @property
    def connections_url(self) -> str:
        """``{url}/connections``."""
        return f"{self.url}/connections"

    @property
    def admin_url(self) -> str:
        """``{url}/_sandbox``."""
        return f"{self.url}/_sandbox"

    @property
    def client_id(self) -> str:
        """The registered app's client id."""
        return self.state.default_app.client_id

    @property
    def client_secret(self) -> str:
        """The registered app's client secret."""
        return self.state.default_app.client_secret

    @property
    def redirect_uris(self) -> list[str]:
        """The registered app's redirect URIs (empty: any redirect is accepted)."""
        return list(self.state.default_app.redirect_uris)

    @property
    def tenant_name(self) -> str:
        """The organisation's name (``tenantName`` in ``/connections``)."""
        return self.state.tenant_name

    @property
    def tenant_id(self) -> str:
        """The organisation's tenant id (send it as ``xero-tenant-id``)."""
        return self.state.tenant_id

    def issue_tokens(self, scope: str = DEFAULT_SCOPE) -> dict[str, Any]:
        """A fresh connected token set for the default app (``access_token``, ``refresh_token``, ...)."""
        self.state.connect(self.client_id)
        return self.state.auth.issue(self.client_id, scope)

    def _start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the Xero sandbox did not start in time")
        if self._error is not None:
            raise RuntimeError("the Xero sandbox failed to start") from self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
        finally:
            self._ready.set()
            loop.close()

    async def _main(self) -> None:
        self.state.stopping = asyncio.Event()
        # IPPROTO_TCP so asyncio sets TCP_NODELAY (else ~40 ms delayed-ACK stalls per response)
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        upstream.bind(("127.0.0.1", 0))
        relay = Relay(upstream.getsockname()[1])
        self.state.relay = relay
        config = uvicorn.Config(
            build_app(self.state),
            lifespan="off",
            log_config=None,
            access_log=False,
            http="h11",
            ws="none",
            timeout_graceful_shutdown=1,
            log_level="warning",
        )
        self._server = uvicorn.Server(config)
        serving = asyncio.create_task(self._server.serve(sockets=[upstream]))
        try:
            self.port = await relay.start(self.host, self._requested_port)
            while not self._server.started and not serving.done():
                await asyncio.sleep(0.005)
            self._ready.set()
            await serving
        finally:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
            await relay.stop()
            upstream.close()

    def stop(self) -> None:
        """Stop serving and wait for the thread (held requests are released)."""
        loop, stopping = self._loop, self.state.stopping
        if self._server is not None:
            self._server.should_exit = True
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout=START_TIMEOUT)

    def __enter__(self) -> RunningXero:
        """Use as a context manager."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving the block."""
        self.stop()


def start_xero_sandbox(
    clock: SandboxClock,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tenant_name: str = "Shoplines Demo (Pty) Ltd",
    seed: int = 0,
    tier: str = "standard",
    redirect_uris: Sequence[str] = (),
) -> RunningXero:
    """Serve one South African organisation on ``host:port`` (0 = any free port); returns once ready.

    Args:
        clock: sandbox time for token lifetimes, rate-limit windows and idempotency keys.
        host: listening address (loopback unless you mean it).
        port: listening port, 0 for any free one.
        tenant_name: the organisation's name (``tenantName`` in ``/connections``).
        seed: seeds ids, secrets and fault probabilities.
        tier: ``standard`` (5,000 calls/day) or ``starter`` (1,000/day).
        redirect_uris: the start-up app's registered redirect URIs; empty accepts any. A loopback entry
            (``http://127.0.0.1:PORT/path``) also accepts the same URI on any other port.

    Returns:
        The running sandbox.
    """
    if tier not in ("standard", "starter"):
        raise ValueError(f"unknown tier {tier!r}")
    state = XeroState.create(
        clock, tenant_name=tenant_name, seed=seed, tier=tier, redirect_uris=redirect_uris
    )
    running = RunningXero(state, host, port)
    running._start()
    return running
