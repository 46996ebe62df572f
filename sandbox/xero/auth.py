"""OAuth2 bookkeeping on the sandbox clock: apps, codes, access tokens, rotating refresh tokens."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sandbox.clock import SandboxClock

ACCESS_LIFETIME = timedelta(minutes=30)
REFRESH_GRACE = timedelta(minutes=30)  # a superseded refresh token still works this long
REFRESH_UNUSED_LIFETIME = timedelta(days=60)
CODE_LIFETIME = timedelta(minutes=5)
LOOPBACK_HOSTS = ("127.0.0.1", "::1")


def redirect_allowed(registered: list[str], uri: str) -> bool:
    """Whether ``uri`` may be used as a redirect for an app that registered ``registered``.

    An empty list accepts anything. Otherwise the URI must match one entry exactly, or differ from an
    ``http://127.0.0.1[:PORT]/...`` (or ``http://[::1][:PORT]/...``) entry in its port only: a loopback
    redirect may use any port (RFC 8252 §7.3), so a native app's listener can take a free one. Real Xero
    compares registered URIs exactly **(unconfirmed for loopback ports)**; this leniency is the sandbox's.
    """
    if not registered or uri in registered:
        return True
    wanted = _loopback_parts(uri)
    return wanted is not None and any(_loopback_parts(entry) == wanted for entry in registered)


def _loopback_parts(uri: str) -> tuple[str, str, str, str] | None:
    """(scheme, host, path, query) of an ``http`` loopback-IP URI (any or no port); else None."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or parts.username or parts.fragment:
        return None
    return parts.scheme, parts.hostname, parts.path or "/", parts.query


class GrantError(Exception):
    """An OAuth error: ``str(self)`` is the ``error`` code (``invalid_grant``, ``invalid_client``...)."""


@dataclass
class App:
    """An app registered with the sandbox (client credentials and allowed redirect URIs)."""

    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)


@dataclass
class AccessToken:
    """A bearer token: who (app), until when, and whether it was revoked."""

    client_id: str
    expires_at: datetime
    scope: str
    revoked: bool = False


@dataclass
class RefreshToken:
    """A refresh token; ``superseded_at`` is set when it has been rotated."""

    client_id: str
    issued_at: datetime
    scope: str
    superseded_at: datetime | None = None
    revoked: bool = False


@dataclass
class Code:
    """An authorisation code (single use)."""

    client_id: str
    redirect_uri: str
    scope: str
    expires_at: datetime
    used: bool = False


class Auth:
    """All OAuth state; thread-safe so tests can mint tokens from their own thread."""

    def __init__(self, clock: SandboxClock, rng: random.Random) -> None:
        """Empty book on ``clock``; ``rng`` makes secrets reproducible."""
        self.clock = clock
        self._rng = rng
        self._lock = threading.Lock()
        self.apps: dict[str, App] = {}
        self.codes: dict[str, Code] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}

    def _secret(self, size: int) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(self._rng.choice(alphabet) for _ in range(size))

    def add_app(self, name: str, redirect_uris: list[str] | None = None) -> App:
        """Register an app; an empty ``redirect_uris`` accepts any redirect (:func:`redirect_allowed`)."""
        with self._lock:
            app = App(self._secret(32).upper(), self._secret(48), name, list(redirect_uris or []))
            self.apps[app.client_id] = app
            return app

    def client(self, client_id: str, secret: str | None) -> App:
        """The app for these credentials (``secret=None`` skips the secret check)."""
        app = self.apps.get(client_id)
        if app is None or (secret is not None and secret != app.client_secret):
            raise GrantError("invalid_client")
        return app

    def new_code(self, app: App, redirect_uri: str, scope: str) -> str:
        """Issue an authorisation code (the sandbox consents on the user's behalf)."""
        if not redirect_allowed(app.redirect_uris, redirect_uri):
            raise GrantError("invalid_request")
        with self._lock:
            code = self._secret(43)
            self.codes[code] = Code(app.client_id, redirect_uri, scope, self.clock.now() + CODE_LIFETIME)
            return code

    def exchange_code(self, app: App, code: str, redirect_uri: str) -> dict[str, Any]:
        """``grant_type=authorization_code``."""
        with self._lock:
            entry = self.codes.get(code)
            now = self.clock.now()
            if entry is None or entry.used or entry.client_id != app.client_id or now >= entry.expires_at:
                raise GrantError("invalid_grant")
            if entry.redirect_uri != redirect_uri:
                raise GrantError("invalid_grant")
            entry.used = True
            return self._token_set(app.client_id, entry.scope)

    def use_refresh(self, app: App, token: str) -> dict[str, Any]:
        """``grant_type=refresh_token``: rotate (the old token keeps a grace period)."""
        with self._lock:
            entry = self.refresh.get(token)
            now = self.clock.now()
            if entry is None or entry.revoked or entry.client_id != app.client_id:
                raise GrantError("invalid_grant")
            if now - entry.issued_at >= REFRESH_UNUSED_LIFETIME:
                raise GrantError("invalid_grant")
            if entry.superseded_at is not None and now - entry.superseded_at >= REFRESH_GRACE:
                raise GrantError("invalid_grant")
            if entry.superseded_at is None:
                entry.superseded_at = now
            return self._token_set(app.client_id, entry.scope)

    def issue(self, client_id: str, scope: str) -> dict[str, Any]:
        """Mint a token set directly (tests and the admin endpoint)."""
        with self._lock:
            return self._token_set(client_id, scope)

    def _token_set(self, client_id: str, scope: str) -> dict[str, Any]:
        now = self.clock.now()
        access = self._secret(64)
        self.access[access] = AccessToken(client_id, now + ACCESS_LIFETIME, scope)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "token_type": "Bearer",
            "scope": scope,
        }
        if "offline_access" in scope.split():
            refresh = self._secret(64)
            self.refresh[refresh] = RefreshToken(client_id, now, scope)
            body["refresh_token"] = refresh
        if "openid" in scope.split():
            body["id_token"] = "sandbox." + self._secret(40)
        return body

    def bearer(self, token: str) -> tuple[AccessToken | None, bool]:
        """``(token, expired)`` for an Authorization header value's token (``None`` if unknown)."""
        entry = self.access.get(token)
        if entry is None or entry.revoked:
            return None, False
        return entry, self.clock.now() >= entry.expires_at

    def expire_access(self) -> int:
        """Make every access token expire now (admin)."""
        with self._lock:
            now = self.clock.now()
            for entry in self.access.values():
                entry.expires_at = min(entry.expires_at, now)
            return len(self.access)

    def revoke_all(self, client_id: str | None = None) -> int:
        """Revoke every access and refresh token (of one app, or all)."""
        with self._lock:
            entries: list[AccessToken | RefreshToken] = [*self.access.values(), *self.refresh.values()]
            chosen = [e for e in entries if client_id is None or e.client_id == client_id]
            for entry in chosen:
                entry.revoked = True
            return len(chosen)
