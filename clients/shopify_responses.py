"""Classify one Admin API answer: usable JSON, a retriable failure, or a fatal error."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from clients.shopify_errors import (
    ShopifyAuthError,
    ShopifyHttpError,
    ShopifyQueryError,
    ShopifyScopeError,
    ShopifyTransientError,
    http_error_sentence,
)

Payload = dict[str, Any]
_SCOPE = re.compile(r"\b(?:read|write|unauthenticated_read|unauthenticated_write)_[a-z_]+\b")


def parse_response(response: httpx.Response) -> Payload:
    """Return the JSON body of a usable answer or raise the classified error.

    Args:
        response: A fully read response from the GraphQL endpoint.

    Returns:
        The decoded body; it has a non-null ``data`` and no GraphQL ``errors``.

    Raises:
        ShopifyTransientError: 429, 5xx, THROTTLED or a body that is not complete JSON.
        ShopifyAuthError: HTTP 401.
        ShopifyHttpError: any other non-200 status.
        ShopifyScopeError: ACCESS_DENIED.
        ShopifyQueryError: any other GraphQL error, or ``data: null``.
    """
    body = decode_body(response)
    check_body(body)
    return body


def decode_body(response: httpx.Response) -> Payload:
    """Check the HTTP status and decode the JSON object of a 200 answer.

    Raises:
        ShopifyTransientError: 429, 5xx or a body that is not complete JSON.
        ShopifyAuthError: HTTP 401.
        ShopifyHttpError: any other non-200 status.
        ShopifyQueryError: the JSON is not an object.
    """
    _check_status(response)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ShopifyTransientError(
            f"Shopify sent an incomplete or invalid JSON body ({len(response.content)} bytes): {exc}",
            kind="bad_body",
        ) from exc
    if not isinstance(body, dict):
        raise ShopifyQueryError(f"Shopify answered with a JSON {type(body).__name__} instead of an object.")
    return body


def check_body(body: Payload) -> None:
    """Raise for GraphQL ``errors`` or a null ``data`` in a decoded answer (see `check_graphql_errors`)."""
    check_graphql_errors(body)
    if body.get("data") is None:
        raise ShopifyQueryError(
            "Shopify answered with no data and no error, so the result cannot be trusted."
        )


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    if status == 401:
        raise ShopifyAuthError(
            "The Shopify access token was rejected (HTTP 401): issue a new Admin API access token "
            "for the custom app and update the shop's stored secret."
        )
    if status == 429:
        raise ShopifyTransientError(
            "Shopify rate-limited the request (HTTP 429).",
            kind="http_429",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise ShopifyTransientError(f"Shopify had a server error (HTTP {status}).", kind="http_5xx")
    raise ShopifyHttpError(http_error_sentence(status), status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (Shopify sends e.g. ``2.0``)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # HTTP-date form: Shopify does not send it, fall back to backoff
    return max(seconds, 0.0)


def check_graphql_errors(body: Payload) -> None:
    """Raise for top-level GraphQL ``errors``; THROTTLED is the only retriable one.

    Args:
        body: A decoded GraphQL response.

    Raises:
        ShopifyTransientError: for THROTTLED.
        ShopifyScopeError: for ACCESS_DENIED, naming the scopes Shopify asked for.
        ShopifyQueryError: for every other error, with Shopify's message and code.
    """
    errors = body.get("errors")
    if not errors:
        return
    if not isinstance(errors, list):
        raise ShopifyQueryError(f"Shopify returned an error: {errors}.")
    codes = [_code(error) for error in errors]
    if "THROTTLED" in codes:
        raise ShopifyTransientError("Shopify throttled the query (THROTTLED).", kind="throttled")
    denied = [e for e, code in zip(errors, codes, strict=True) if code == "ACCESS_DENIED"]
    if denied:
        scopes, any_of = _scopes_named(denied)
        raise ShopifyScopeError(scopes, "Shopify denied access to data this sync reads", any_of=any_of)
    first, code = errors[0], codes[0]
    message = str(first.get("message", first)).strip().splitlines()[0] if isinstance(first, dict) else first
    if code == "MAX_COST_EXCEEDED":
        raise ShopifyQueryError(
            f"Shopify rejected a query as too expensive ({message}); this is a page-sizing bug in shoplines.",
            code=code,
        )
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise ShopifyQueryError(
        f"Shopify returned a GraphQL error [{code or 'no code'}]: {message}{more}", code=code
    )


def _code(error: Any) -> str | None:
    if not isinstance(error, dict):
        return None
    extensions = error.get("extensions") or {}
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return str(code) if code else None


def _scopes_named(errors: list[Any]) -> tuple[set[str], bool]:
    """Scopes Shopify asked for, and whether any one of them would do ("`a` or `b`")."""
    found: set[str] = set()
    any_of = False
    for error in errors:
        extensions = error.get("extensions") or {}
        text = str(extensions.get("requiredAccess") or error.get("message", ""))
        named = _SCOPE.findall(text)
        any_of = any_of or (len(named) > 1 and " or " in text)
        found.update(named)
    return found, any_of
