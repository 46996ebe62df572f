"""Response bodies in Xero's shapes: envelopes, ValidationException, problem details, OAuth errors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from starlette.responses import Response

from sandbox.xero.wire import dumps, ms_date

SERVER_ERROR = (
    "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current "
    "service status. Contact the API support team at api@xero.com for more assistance."
)  # unconfirmed wording
UNAVAILABLE = "The Xero API is currently offline for maintenance"  # unconfirmed wording


def json_reply(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response whose Decimals are bare numbers."""
    return Response(dumps(payload), status, headers, media_type="application/json; charset=utf-8")


def envelope(now: datetime, provider: str, key: str, items: list[Any]) -> dict[str, Any]:
    """``{"Id", "Status": "OK", "ProviderName", "DateTimeUTC", <key>: [...]}``."""
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": provider,
        "DateTimeUTC": ms_date(now, offset=False),
        key: items,
    }


def validation_exception(elements: list[dict[str, Any]]) -> Response:
    """HTTP 400 ``ValidationException`` listing the failed elements."""
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": elements,
    }
    return json_reply(body, 400)


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    """The RFC 7807-ish body Xero's gateway sends for 401/403/429/5xx."""
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return json_reply(body, status, headers)


def not_found() -> Response:
    """HTTP 404 for an unknown document id (plain text, wording unconfirmed)."""
    return Response("The resource you're looking for cannot be found", 404, media_type="text/plain")


def server_error(status: int) -> Response:
    """A 5xx as the fault injector sends it."""
    if status == 503:
        return problem(503, "Service Unavailable", UNAVAILABLE)
    return problem(status, "An error occurred", SERVER_ERROR)


def oauth_error(error: str, status: int = 400) -> Response:
    """``{"error": "invalid_grant"}`` and friends."""
    return json_reply({"error": error}, status)
