"""Xero OAuth2 (authorisation code + rotating refresh tokens) and the access tokens API calls use.

Xero access tokens live 30 minutes; each refresh returns a new refresh token and the old one keeps working
for a 30-minute grace, so a refresh whose answer was lost is simply retried with the old token. A refresh
token unused for 60 days dies (`needs_reconnect_soon` warns first). Two workers must never refresh the
same token set at once: `XeroTokens` refreshes only inside `TokenVault.refresh_locked`, which holds an
exclusive lock and hands over the *latest* stored set, so the second worker finds the first one's fresh
token and uses it instead of refreshing again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from clients.xero_errors import (
    XeroAuthError,
    XeroConnectionRevoked,
    XeroError,
    XeroHttpError,
    XeroRetriesExhausted,
    XeroTransientError,
)

AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
TOKEN_URL = "https://identity.xero.com/connect/token"  # noqa: S105 - a URL, not a secret
CONNECTIONS_URL = "https://api.xero.com/connections"
# Granular scopes (required for apps created from March 2026); `offline_access` gives a refresh token.
DEFAULT_SCOPES = (
    "offline_access",
    "accounting.invoices",
    "accounting.payments",
    "accounting.contacts",
    "accounting.settings",
)
REFRESH_MARGIN = timedelta(minutes=2)  # refresh when less than this is left on the access token
REFRESH_TOKEN_LIFETIME = timedelta(days=60)  # an unused refresh token dies after this
RECONNECT_WARNING = timedelta(days=45)
TOKEN_ATTEMPTS = 3


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenSet:
    """One connection's tokens and when they were obtained (the strings are secrets: never log them)."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_obtained_at: datetime
    scope: str = ""

    def __repr__(self) -> str:
        return f"TokenSet(access_expires_at={self.access_expires_at!r}, scope={self.scope!r})"

    def fresh(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        """Whether the access token has more than ``margin`` left."""
        return self.access_expires_at - now > margin

    def refresh_token_age(self, now: datetime) -> timedelta:
        """How long ago the current refresh token was issued (Xero kills it after 60 days unused)."""
        return now - self.refresh_obtained_at

    def needs_reconnect_soon(self, now: datetime, threshold: timedelta = RECONNECT_WARNING) -> bool:
        """True when the refresh token is older than ``threshold``: alert before the 60-day expiry."""
        return self.refresh_token_age(now) >= threshold


@dataclass(frozen=True)
class Tenant:
    """An organisation the app is connected to (``GET /connections``)."""

    tenant_id: str
    tenant_name: str
    connection_id: str
    tenant_type: str


class XeroAuth:
    """Xero's identity endpoints for one app (client id + secret); holds no tokens itself.

    Args:
        client_id, client_secret: The app's credentials (HTTP Basic client auth at the token URL).
        authorize_url, token_url, connections_url: Xero's, or the sandbox's.
        timeout: Seconds per identity request.
        now: UTC clock for expiry times (the sandbox passes its own).
        sleep: Waits between token-endpoint retries.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        authorize_url: str = AUTHORIZE_URL,
        token_url: str = TOKEN_URL,
        connections_url: str = CONNECTIONS_URL,
        timeout: float = 15.0,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client_id = client_id
        self.authorize_endpoint = authorize_url
        self.token_url = token_url
        self.connections_url = connections_url.rstrip("/")
        self._now = now
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            auth=httpx.BasicAuth(client_id, client_secret),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def authorize_url(self, redirect_uri: str, state: str, scopes: tuple[str, ...] = DEFAULT_SCOPES) -> str:
        """The URL the merchant opens to consent (``response_type=code``)."""
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
        }
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """Trade an authorisation code for a token set (single use)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._token_request(form, "exchanging the authorisation code")

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new token set for ``refresh_token`` (which Xero then rotates away after its grace period).

        Raises:
            XeroConnectionRevoked: ``invalid_grant`` (revoked, disconnected, expired or long superseded).
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token_request(form, "refreshing the access token")

    def connections(self, access_token: str) -> list[Tenant]:
        """The organisations this token may use."""
        response = self._identity_call("GET", self.connections_url, access_token, "listing connections")
        return [
            Tenant(str(c["tenantId"]), str(c.get("tenantName") or ""), str(c["id"]), str(c.get("tenantType")))
            for c in response.json()
        ]

    def disconnect(self, access_token: str, connection_id: str) -> None:
        """Remove the app's connection to one organisation (``DELETE /connections/{id}``)."""
        url = f"{self.connections_url}/{connection_id}"
        self._identity_call("DELETE", url, access_token, "disconnecting", ok=(204, 404))

    def _identity_call(
        self, method: str, url: str, access_token: str, what: str, ok: tuple[int, ...] = (200,)
    ) -> httpx.Response:
        try:
            response = self._http.request(
                method, url, headers={"Authorization": f"Bearer {access_token}"}, auth=None
            )
        except httpx.HTTPError as exc:
            raise XeroError(f"Xero could not be reached while {what} ({type(exc).__name__}).") from exc
        if response.status_code == 401:
            raise XeroAuthError(f"Xero refused the access token while {what} (401).")
        if response.status_code not in ok:
            raise XeroHttpError(
                f"Xero answered HTTP {response.status_code} while {what}.", status=response.status_code
            )
        return response

    def _token_request(self, form: dict[str, str], what: str) -> TokenSet:
        last: Exception | None = None
        for attempt in range(1, TOKEN_ATTEMPTS + 1):
            started = self._now()
            try:
                response = self._http.post(self.token_url, data=form)
            except httpx.HTTPError as exc:  # a lost answer: the old refresh token is still in its grace
                last = XeroTransientError(f"the connection failed ({type(exc).__name__})", kind="transport")
            else:
                if response.status_code < 500:
                    return _token_set(response, started, what)
                last = XeroTransientError(f"HTTP {response.status_code}", kind="http_5xx")
            if attempt < TOKEN_ATTEMPTS:
                self._sleep(0.5 * 2 ** (attempt - 1))
        assert last is not None
        raise XeroRetriesExhausted(what, TOKEN_ATTEMPTS, last)


def _token_set(response: httpx.Response, started: datetime, what: str) -> TokenSet:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error") or "")
    if error == "invalid_grant":
        raise XeroConnectionRevoked()
    if error == "invalid_client" or response.status_code == 401:
        raise XeroAuthError(
            "Xero refused the app's credentials (invalid_client): check SHOPLINES_XERO_CLIENT_ID and "
            "SHOPLINES_XERO_CLIENT_SECRET."
        )
    if response.status_code != 200 or "access_token" not in body:
        raise XeroHttpError(
            f"Xero answered HTTP {response.status_code} ({error or 'no error code'}) while {what}.",
            status=response.status_code,
        )
    if "refresh_token" not in body:
        raise XeroAuthError("Xero issued no refresh token: the offline_access scope is missing.")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]),
        access_expires_at=started + timedelta(seconds=int(body.get("expires_in", 1800))),
        refresh_obtained_at=started,
        scope=str(body.get("scope") or ""),
    )


class TokenVault(Protocol):
    """Where one connection's token set is kept (the state database, encrypted)."""

    def load(self) -> TokenSet:
        """The stored token set (`XeroNotConnected` when there is none)."""
        ...

    def refresh_locked(self, decide: Callable[[TokenSet], TokenSet | None]) -> TokenSet:
        """Under an exclusive lock: re-read the stored set, call ``decide`` with it, and store what it
        returns (None keeps the stored set). Returns the set stored when the lock is released."""
        ...


class AccessTokens(Protocol):
    """What the API session needs: a valid access token, and a new one when Xero refused one."""

    def access_token(self, *, rejected: str | None = None) -> str:
        """A valid access token; ``rejected`` is one Xero just refused with 401 (force a refresh)."""
        ...


class XeroTokens:
    """Valid access tokens for one connection: cached in memory, refreshed under the vault's lock."""

    def __init__(
        self,
        auth: XeroAuth,
        vault: TokenVault,
        *,
        now: Callable[[], datetime] = utc_now,
        margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self._auth = auth
        self._vault = vault
        self._now = now
        self._margin = margin
        self._cached: TokenSet | None = None
        self._lock = threading.Lock()
        self.refreshes = 0  # refresh calls this instance made (for logs and tests)

    def access_token(self, *, rejected: str | None = None) -> str:
        """A token with more than the margin left; refreshed (once, across workers) when needed.

        Raises:
            XeroConnectionRevoked: the refresh token no longer works.
            XeroNotConnected: nothing is stored for this connection.
        """
        with self._lock:
            cached = self._cached
            if cached is not None and self._usable(cached, rejected):
                return cached.access_token
            current = self._vault.load()
            if self._usable(current, rejected):
                self._cached = current
                return current.access_token
            self._cached = self._vault.refresh_locked(
                lambda latest: self._refresh_unless_usable(latest, rejected)
            )
            return self._cached.access_token

    def close(self) -> None:
        """Close the identity client."""
        self._auth.close()

    def current(self) -> TokenSet:
        """The stored token set (for status and the reconnect warning)."""
        return self._vault.load()

    def refresh_token_age(self) -> timedelta:
        """Age of the stored refresh token."""
        return self.current().refresh_token_age(self._now())

    def needs_reconnect_soon(
        self, now: datetime | None = None, threshold: timedelta = RECONNECT_WARNING
    ) -> bool:
        """True when the stored refresh token is older than ``threshold`` (default 45 of its 60 days)."""
        return self.current().needs_reconnect_soon(now or self._now(), threshold)

    def _usable(self, tokens: TokenSet, rejected: str | None) -> bool:
        return tokens.access_token != rejected and tokens.fresh(self._now(), self._margin)

    def _refresh_unless_usable(self, latest: TokenSet, rejected: str | None) -> TokenSet | None:
        if self._usable(latest, rejected):
            return None  # another worker refreshed while we waited for the lock: use its token
        self.refreshes += 1
        return self._auth.refresh(latest.refresh_token)


class StaticToken:
    """An access token that is never refreshed (scripts and short tests)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self, *, rejected: str | None = None) -> str:
        """The token; raises once Xero refused it."""
        if rejected == self._token:
            raise XeroAuthError("Xero refused the access token (401) and it cannot be refreshed.")
        return self._token
