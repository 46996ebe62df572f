"""One Accounting API request to one organisation: bearer + tenant, 401 refresh, 429 waits, bounded retries.

Writes are retried with the same ``Idempotency-Key`` and the same body bytes, so a retry after a lost
answer is replayed by Xero (for 6 minutes) instead of written twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from clients.xero_auth import AccessTokens
from clients.xero_errors import (
    XeroAuthError,
    XeroDailyLimit,
    XeroHttpError,
    XeroIdempotencyConflict,
    XeroNotConnected,
    XeroNotFound,
    XeroRetriesExhausted,
    XeroTransientError,
    XeroValidationError,
)
from clients.xero_wire import loads

API_URL = "https://api.xero.com/api.xro/2.0"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=10.0)


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class XeroRetryPolicy:
    """How patiently one request is retried.

    Attributes:
        max_attempts: Attempts for 5xx, timeouts and dropped connections.
        base, cap: Exponential backoff for those, in seconds (jittered by a quarter).
        rate_limit_waits: How many minute/concurrent 429s one request waits out before giving up.
        max_retry_after: A ``Retry-After`` longer than this (seconds) is not waited for.
        concurrent_base: First backoff after a ``concurrent`` 429 (no Retry-After is sent for it).
        minute_base: First backoff after a minute/app-minute 429 without Retry-After (the window can take
            up to 60 s to reopen, so this grows past a minute within `rate_limit_waits`).
    """

    max_attempts: int = 5
    base: float = 1.0
    cap: float = 30.0
    rate_limit_waits: int = 5
    max_retry_after: float = 120.0
    concurrent_base: float = 0.5
    minute_base: float = 5.0

    def backoff(self, failure: int, base: float, rng: random.Random) -> float:
        """Seconds to wait after the ``failure``-th failure (1-based)."""
        return min(self.cap, base * 2 ** (failure - 1)) * (1 - 0.25 * rng.random())


class XeroSession:
    """Sends requests to ``{api_url}`` for one tenant; the only place API calls are retried."""

    def __init__(
        self,
        api_url: str,
        tenant_id: str,
        tokens: AccessTokens,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: XeroRetryPolicy = XeroRetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
        on_retry: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        seed: int | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.tenant_id = tenant_id
        self.retry = retry
        self.tokens = tokens
        self._sleep = sleep
        self._now = now
        self._on_retry = on_retry
        self._rng = random.Random(seed)  # noqa: S311 - jitter, not security
        headers = {"xero-tenant-id": tenant_id, "Accept": "application/json"}
        self._http = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    def close(self) -> None:
        """Close the connection pool (and the token source's, if it has one)."""
        self._http.close()
        close_tokens = getattr(self.tokens, "close", None)
        if callable(close_tokens):
            close_tokens()

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET and return the parsed JSON body."""
        return self.request("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: bytes | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send until a usable answer, a fatal error, or the end of the retry policy.

        Args:
            method, path: e.g. ``PUT``, ``/Invoices`` (relative to the API URL).
            params: Query parameters.
            body: JSON bytes, sent unchanged on every attempt.
            idempotency_key: Required for PUT/POST, so that retries cannot write twice.

        Raises:
            XeroDailyLimit: the day's allowance is used up (never waited for).
            XeroRetriesExhausted: retriable failures outlasted the policy.
            XeroError: any fatal answer (auth, 403, 404, validation, idempotency conflict).
        """
        if method in ("PUT", "POST") and not idempotency_key:
            raise ValueError(f"{method} {path} needs an idempotency key")
        operation = f"{method} {path}"
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        attempts, failures, waits, refreshed = 0, 0, 0, False
        while True:
            attempts += 1
            token = self.tokens.access_token()
            try:
                response = self._http.request(
                    method, f"{self.api_url}{path}", params=params, content=body,
                    headers={**headers, "Authorization": f"Bearer {token}"},
                )  # fmt: skip
            except httpx.TimeoutException as exc:
                error = XeroTransientError(f"no answer in time ({type(exc).__name__})", kind="timeout")
            except httpx.TransportError as exc:
                error = XeroTransientError(f"the connection failed ({type(exc).__name__})", kind="transport")
            else:
                if response.status_code == 401 and not refreshed:
                    refreshed = True  # one forced refresh per request, then a 401 is fatal
                    self.tokens.access_token(rejected=token)
                    continue
                outcome = self._classify(operation, response)
                if not isinstance(outcome, XeroTransientError):
                    return outcome
                error = outcome
            if error.kind in ("minute", "concurrent", "rate_limit"):
                waits += 1
                delay = self._rate_limit_delay(error, waits, attempts, operation)
            else:
                failures += 1
                if failures >= self.retry.max_attempts:
                    raise XeroRetriesExhausted(operation, attempts, error)
                delay = self.retry.backoff(failures, self.retry.base, self._rng)
            if self._on_retry is not None:
                self._on_retry(
                    f"Xero {operation} attempt {attempts} failed ({error}); retrying in {delay:.1f} s"
                )
            self._sleep(delay)

    def _rate_limit_delay(
        self, error: XeroTransientError, waits: int, attempts: int, operation: str
    ) -> float:
        if waits > self.retry.rate_limit_waits:
            raise XeroRetriesExhausted(operation, attempts, error)
        if error.retry_after is not None:
            if error.retry_after > self.retry.max_retry_after:
                raise XeroRetriesExhausted(operation, attempts, error)
            return error.retry_after
        base = self.retry.concurrent_base if error.kind == "concurrent" else self.retry.minute_base
        return self.retry.backoff(waits, base, self._rng)

    def _classify(self, operation: str, response: httpx.Response) -> Any:
        """The parsed body of a usable answer, a transient error to retry, or raise a fatal one."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                return loads(response.content) if response.content else None
            except ValueError:
                return XeroTransientError(f"HTTP {status} with an unreadable body", kind="bad_body")
        if status == 429:
            return self._rate_limited(response)
        if status >= 500:
            return XeroTransientError(f"HTTP {status}: {_detail(response)}", kind="http_5xx")
        if status == 401:
            raise XeroAuthError(f"Xero refused a freshly refreshed access token on {operation} (401).")
        if status == 403:
            raise XeroNotConnected(
                "Xero refused access to the organisation (403): it may have disconnected the app; "
                "run shoplines xero connect"
            )
        if status == 404:
            raise XeroNotFound(f"Xero has no such document ({operation}, 404).", status=404)
        detail = _detail(response)
        if "Idempotency Key" in detail and "different request" in detail:
            raise XeroIdempotencyConflict(f"{detail} ({operation})", status=status)
        messages = _validation_messages(response)
        if messages:
            raise XeroValidationError(operation, messages)
        raise XeroHttpError(f"Xero refused {operation} with HTTP {status}: {detail}", status=status)

    def _rate_limited(self, response: httpx.Response) -> XeroTransientError:
        problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
        retry_after = _seconds(response.headers.get("Retry-After"))
        if "day" in problem:
            resets = None if retry_after is None else self._now() + timedelta(seconds=retry_after)
            raise XeroDailyLimit(resets, retry_after)
        if "concurrent" in problem:
            return XeroTransientError("too many concurrent calls (429 concurrent)", kind="concurrent")
        if "minute" in problem:
            return XeroTransientError(f"rate limited (429 {problem})", kind="minute", retry_after=retry_after)
        return XeroTransientError(
            f"rate limited (429 {problem or 'unnamed'})", kind="rate_limit", retry_after=retry_after
        )


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _body(response: httpx.Response) -> Any:
    try:
        return loads(response.content)
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    body = _body(response)
    if isinstance(body, dict):
        for key in ("Detail", "Message", "Title", "error"):
            if body.get(key):
                return str(body[key])
    return response.text[:200] or "no detail"


def _validation_messages(response: httpx.Response) -> list[str]:
    body = _body(response)
    if not isinstance(body, dict) or body.get("Type") != "ValidationException":
        return []
    messages = [
        str(error.get("Message"))
        for element in body.get("Elements") or []
        for error in (element.get("ValidationErrors") or [])
    ]
    return messages or [str(body.get("Message") or "A validation exception occurred")]
