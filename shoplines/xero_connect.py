"""`shoplines xero connect`: the authorisation-code flow through a one-shot loopback listener.

The merchant opens the authorise URL; Xero redirects the browser to ``http://127.0.0.1:PORT/callback`` with
a code and our ``state``; we check the state, exchange the code, pick the organisation from
``GET /connections`` and store the token set encrypted. Nothing is stored unless every step worked.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlparse

from clients.xero_auth import Tenant
from shoplines.errors import ShoplinesError
from shoplines.state.store import StateStore
from shoplines.xero_tokens import StateTokenVault, TokenCipher, XeroSettings, build_xero_auth, utc_now

DONE_PAGE = b"<html><body><p>shoplines: Xero is connected. You can close this window.</p></body></html>"
FAILED_PAGE = b"<html><body><p>shoplines: the Xero connection failed; see the terminal.</p></body></html>"


class ConnectError(ShoplinesError):
    """The connection could not be made; nothing was stored."""


@dataclass
class _Answer:
    code: str | None = None
    error: str | None = None


class CallbackListener:
    """A loopback HTTP server that takes exactly one redirect to ``path`` and keeps its query."""

    def __init__(self, port: int, path: str, state: str) -> None:
        self.path = path
        self._state = state
        self._answer = _Answer()
        self._done = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != listener.path:
                    self.send_error(404)
                    return
                ok = listener._take(parse_qs(url.query))
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(DONE_PAGE if ok else FAILED_PAGE)

            def log_message(self, format: str, *args: object) -> None:
                return

        try:
            self._server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise ConnectError(
                f"cannot listen on 127.0.0.1:{port} for Xero's redirect ({exc.strerror}): "
                "free the port or set SHOPLINES_XERO_REDIRECT_PORT (and register that redirect URI)"
            ) from exc
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def _take(self, query: dict[str, list[str]]) -> bool:
        if self._done.is_set():
            return False
        value = {k: v[0] for k, v in query.items() if v}
        if value.get("state") != self._state:
            self._answer.error = (
                "the redirect's state did not match this connect attempt (ignored for safety)"
            )
        elif "error" in value:
            self._answer.error = f"Xero answered {value['error']}"
        elif not value.get("code"):
            self._answer.error = "the redirect carried no authorisation code"
        else:
            self._answer.code = value["code"]
        self._done.set()
        return self._answer.code is not None

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> str:
        """The authorisation code (ConnectError on a refusal, a bad state, or no answer in time)."""
        if not self._done.wait(timeout):
            raise ConnectError(
                f"no answer from Xero within {timeout:.0f} s: run shoplines xero connect again"
            )
        if self._answer.code is None:
            raise ConnectError(f"the Xero connection was not made: {self._answer.error}")
        return self._answer.code


def pick_tenant(tenants: list[Tenant], wanted: str | None) -> Tenant:
    """The organisation to use: the only one, or the one named (or id'd) by ``wanted``."""
    orgs = [t for t in tenants if t.tenant_type.upper() == "ORGANISATION"]
    if wanted is not None:
        chosen = [t for t in orgs if wanted.casefold() in (t.tenant_name.casefold(), t.tenant_id.casefold())]
        if len(chosen) == 1:
            return chosen[0]
        names = ", ".join(sorted(t.tenant_name for t in orgs)) or "none"
        raise ConnectError(f"no single Xero organisation is called {wanted!r} (connected: {names})")
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise ConnectError("the consent connected no Xero organisation: run connect again and pick one")
    names = ", ".join(sorted(t.tenant_name for t in orgs))
    raise ConnectError(f"several Xero organisations are connected ({names}): choose one with --tenant NAME")


@dataclass(frozen=True)
class Connected:
    """What `connect` stored."""

    tenant: Tenant
    access_expires_at: datetime


def connect(
    settings: XeroSettings,
    store: StateStore,
    shop_id: str,
    *,
    open_url: Callable[[str], None],
    tenant: str | None = None,
    port: int | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Connected:
    """Run the authorisation-code flow and store the shop's Xero connection.

    Args:
        open_url: Shows the authorise URL to the merchant (prints it, opens a browser; a test follows it).
        tenant: Organisation name or id when the consent connected several.
        port: Loopback port (default: the setting; 0 = any free port).

    Raises:
        ConfigError: no token key or no app credentials (checked before anything else).
        ConnectError: the merchant refused, the state did not match, or no organisation could be chosen.
    """
    cipher = TokenCipher(settings.token_key)  # refuse before the merchant consents to anything
    auth = build_xero_auth(settings, now=now)
    state = secrets.token_urlsafe(24)
    try:
        with CallbackListener(
            settings.xero_redirect_port if port is None else port, settings.xero_redirect_path, state
        ) as listener:
            redirect_uri = settings.redirect_uri(listener.port)
            open_url(auth.authorize_url(redirect_uri, state, settings.scopes))
            code = listener.wait(settings.xero_consent_timeout_seconds)
        tokens = auth.exchange_code(code, redirect_uri)
        chosen = pick_tenant(auth.connections(tokens.access_token), tenant)
    finally:
        auth.close()
    StateTokenVault(store, cipher, shop_id).save(chosen, tokens)
    return Connected(chosen, tokens.access_expires_at)
