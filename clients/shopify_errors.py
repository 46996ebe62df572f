"""Errors the Shopify client raises: each says whether retrying the same request can help."""

from __future__ import annotations

from collections.abc import Iterable

APP_SETTINGS_HINT = "in Shopify admin (Settings → Apps and sales channels → Develop apps → API access scopes)"


class ShopifyError(Exception):
    """Base of every Shopify client failure; `retriable` tells a caller whether a retry can help."""

    retriable: bool = False


class ShopifyTransientError(ShopifyError):
    """A failure worth retrying: 5xx, 429, THROTTLED, a dropped connection or a cut-off body."""

    retriable = True

    def __init__(self, message: str, *, kind: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.requested_cost: float | None = None  # set for THROTTLED: what the bucket must hold

    @property
    def rate_limited(self) -> bool:
        """True for 429 and THROTTLED: the shop asked us to slow down, nothing is broken."""
        return self.kind in {"throttled", "http_429"}

    @property
    def page_size_suspect(self) -> bool:
        """True for failures a smaller page can cure (server errors and timeouts on big pages)."""
        return self.kind in {"http_5xx", "timeout"}


class ShopifyAuthError(ShopifyError):
    """HTTP 401: the access token is missing, wrong or revoked."""


class ShopifyScopeError(ShopifyError):
    """The custom app lacks one or more access scopes the request needs."""

    def __init__(self, missing: Iterable[str], reason: str = "", *, any_of: bool = False) -> None:
        self.missing = sorted(set(missing))
        super().__init__(scope_sentence(self.missing, reason, any_of=any_of))


class ShopifyQueryError(ShopifyError):
    """Shopify answered with GraphQL errors (or an unusable body) that a retry will not fix."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class ShopifyHttpError(ShopifyError):
    """A 4xx answer other than 401/429: the request or the shop's state is wrong, not the network."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class ShopifyRetriesExhausted(ShopifyError):
    """Every attempt of one request failed with retriable errors, or its deadline passed."""

    def __init__(self, operation: str, attempts: int, elapsed: float, last_error: Exception) -> None:
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(
            f"Shopify request {operation} still failed after {attempts} attempt(s) over {elapsed:.1f} s; "
            f"the last error was: {last_error}"
        )


def scope_sentence(missing: list[str], reason: str = "", *, any_of: bool = False) -> str:
    """One sentence naming the missing scopes and what the merchant must do.

    Args:
        missing: Scope handles such as ``read_all_orders``.
        reason: Optional clause explaining why the scope is needed now.
        any_of: Shopify accepts any one of ``missing`` (rather than needing all of them).

    Returns:
        A sentence a support person can forward to the merchant.
    """
    names = (" or " if any_of else " and ").join(missing) or "the required"
    plural = "s" if len(missing) > 1 and not any_of else ""
    what = (
        f"one of the {names} access scopes"
        if any_of and len(missing) > 1
        else f"the {names} access scope{plural}"
    )
    why = f" because {reason}" if reason else ""
    return (
        f"The Shopify custom app is missing {what}{why}: "
        f"grant {names} to the custom app {APP_SETTINGS_HINT}, reinstall it and run again."
    )


def http_error_sentence(status: int) -> str:
    """A plain sentence for a fatal HTTP status from the Admin API."""
    known = {
        402: "the shop is frozen (unpaid Shopify bill); the merchant must settle it in Shopify admin",
        403: "Shopify refused the request (403 Forbidden); check the custom app's access scopes",
        404: "the shop or API version was not found (404); check the shop URL and the pinned API version",
        423: "the shop is locked by Shopify (423); the merchant must contact Shopify support",
    }
    detail = known.get(status, f"Shopify rejected the request with HTTP {status}")
    return f"The Shopify Admin API call failed because {detail}."


class ShopifyBulkError(ShopifyError):
    """A bulk operation could not be started, finished, downloaded or read completely."""


class ShopifyBulkJobFailed(ShopifyBulkError):
    """Shopify ended our bulk operation without a complete result (FAILED, CANCELED, EXPIRED, or
    cancelled by us after waiting too long); any partial data is reported, never used."""

    def __init__(
        self, operation_id: str, status: str, error_code: str | None, *, partial: bool, why: str = ""
    ):
        self.operation_id = operation_id
        self.status = status
        self.error_code = error_code
        self.partial = partial
        has = "with" if partial else "without"
        reason = f" {why}" if why else ""
        super().__init__(
            f"Shopify bulk operation {operation_id} ended {status} (errorCode {error_code or 'none'}, "
            f"{has} a partialDataUrl);{reason} its partial data was not used, so nothing was passed on as "
            "complete."
        )
