"""Start the Shopify sandbox in-process: uvicorn behind the front proxy, in a thread with its own loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Sequence
from types import TracebackType

import uvicorn
from starlette.routing import BaseRoute

from sandbox.clock import SandboxClock
from sandbox.shopify.app import build_app
from sandbox.shopify.proxy import FrontProxy
from sandbox.shopify.state import DEFAULT_API_VERSIONS, SandboxState
from sandbox.shopify.store import Store

START_TIMEOUT = 10.0


class RunningShopify:
    """A running sandbox: ``url`` (base), ``admin_url``, ``token`` (default scopes), ``shop``; stop it
    with :meth:`stop` or use it as a context manager."""

    def __init__(
        self, state: SandboxState, host: str, port: int, extra_routes: Sequence[BaseRoute] = ()
    ) -> None:
        """Bind the handle to a state; :func:`start_shopify_sandbox` starts the thread."""
        self.state = state
        self._extra_routes = tuple(extra_routes)
        self.host = host
        self._requested_port = port
        self.port = 0
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=self._run, name="shopify-sandbox", daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT`` (GraphQL: ``{url}/admin/api/{version}/graphql.json``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def admin_url(self) -> str:
        """Base of the admin endpoint: ``{url}/_sandbox``."""
        return f"{self.url}/_sandbox"

    @property
    def token(self) -> str:
        """The default access token."""
        return self.state.default_token

    @property
    def shop(self) -> str:
        """The shop's myshopify domain."""
        return str(self.state.store.shop["myshopifyDomain"])

    def graphql_url(self, version: str = "2026-01") -> str:
        """The GraphQL endpoint for ``version``."""
        return f"{self.url}/admin/api/{version}/graphql.json"

    def _start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the Shopify sandbox did not start in time")
        if self._error is not None:
            raise RuntimeError("the Shopify sandbox failed to start") from self._error

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
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
        # and without it every response waits ~40 ms for a delayed ACK (Nagle).
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        upstream.bind(("127.0.0.1", 0))
        proxy = FrontProxy("127.0.0.1", upstream.getsockname()[1])
        self.state.proxy = proxy
        config = uvicorn.Config(
            build_app(self.state, self._extra_routes),
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
            self.port = await proxy.start(self.host, self._requested_port)
            while not self._server.started and not serving.done():
                await asyncio.sleep(0.005)
            self._ready.set()
            await serving
        finally:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
            await proxy.stop()
            upstream.close()

    def stop(self) -> None:
        """Stop serving and wait for the thread (stalled requests are released)."""
        loop, stopping = self._loop, self.state.stopping
        if self._server is not None:
            self._server.should_exit = True
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may close in between
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout=START_TIMEOUT)
        self.state.engine.bulk.close()

    def __enter__(self) -> RunningShopify:
        """Use as a context manager."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving the block."""
        self.stop()


def start_shopify_sandbox(
    store: Store,
    clock: SandboxClock,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    plan: str = "standard",
    shop: str | None = None,
    api_versions: tuple[str, ...] = DEFAULT_API_VERSIONS,
    seed: int = 0,
    extra_admin_routes: Sequence[BaseRoute] = (),
) -> RunningShopify:
    """Serve ``store`` on ``host:port`` (0 = a free port) and return once it accepts connections.

    Args:
        store: the shop's data (``generate_store`` or ``load_orders_jsonl``).
        clock: sandbox time for the throttle, the 60-day gate and admin edits.
        host: listening address (loopback unless you mean it).
        port: listening port, 0 for any free one.
        plan: throttle plan: standard, advanced, plus or enterprise.
        shop: myshopify domain to serve as (default: the store's).
        api_versions: supported stable versions; others fall forward to the oldest.
        seed: seeds tokens and fault probabilities.
        extra_admin_routes: more ``/_sandbox/...`` routes served beside the Shopify ones (another stand-in's
            admin, e.g. the 3PL's); wrap their handlers in ``admin.admin`` for the loopback-only check.

    Returns:
        The running sandbox.
    """
    if shop is not None:
        store.shop["myshopifyDomain"] = shop
    state = SandboxState.create(store, clock, plan=plan, api_versions=tuple(api_versions), seed=seed)
    running = RunningShopify(state, host, port, extra_admin_routes)
    running._start()
    return running
