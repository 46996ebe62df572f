"""Errors the Xero client raises; each message is one sentence a support person can act on."""

from __future__ import annotations

from datetime import datetime

RECONNECT = "run shoplines xero connect"


class XeroError(Exception):
    """Base of every Xero client failure; `retriable` tells a caller whether a later retry can help."""

    retriable: bool = False


class XeroTransientError(XeroError):
    """A failure worth retrying with the same request: 5xx, a timeout, a dropped connection, a 429."""

    retriable = True

    def __init__(self, message: str, *, kind: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class XeroRetriesExhausted(XeroError):
    """Every attempt of one request failed with retriable errors (the last error is kept)."""

    retriable = True

    def __init__(self, operation: str, attempts: int, last_error: Exception) -> None:
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(
            f"Xero request {operation} still failed after {attempts} attempt(s); the last error was: "
            f"{last_error}"
        )


class XeroDailyLimit(XeroError):
    """Xero's daily call allowance for the organisation is used up (HTTP 429, problem ``day``)."""

    retriable = True

    def __init__(self, resets_at: datetime | None, retry_after: float | None) -> None:
        self.resets_at = resets_at
        self.retry_after = retry_after
        when = (
            f"it resets in about {_duration(retry_after)} (at {resets_at:%Y-%m-%d %H:%M} UTC)"
            if resets_at is not None and retry_after is not None
            else "Xero did not say when it resets"
        )
        super().__init__(
            f"Xero's daily API call limit for this organisation is used up: {when}; nothing more is "
            "posted until then."
        )


class XeroAuthError(XeroError):
    """Xero refused our credentials (a 401 that a fresh access token did not cure, invalid_client)."""


class XeroConnectionRevoked(XeroAuthError):
    """The refresh token no longer works (revoked, disconnected, or unused for 60 days)."""

    def __init__(self, detail: str = "invalid_grant") -> None:
        super().__init__(f"the Xero connection was revoked or expired ({detail}): {RECONNECT}")


class XeroNotConnected(XeroAuthError):
    """There is no stored connection, or the organisation disconnected the app (403)."""


class XeroHttpError(XeroError):
    """A 4xx answer that retrying the same request will not fix."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class XeroNotFound(XeroHttpError):
    """HTTP 404: the document id does not exist in this organisation."""


class XeroValidationError(XeroHttpError):
    """HTTP 400 ValidationException (a whole-request failure; batch elements report theirs per element)."""

    def __init__(self, operation: str, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(f"Xero refused {operation}: {'; '.join(messages) or 'no reason given'}", status=400)


class XeroIdempotencyConflict(XeroHttpError):
    """The same Idempotency-Key was sent with a different request: a bug or a changed document."""


def _duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes / 60:.1f} hours"
