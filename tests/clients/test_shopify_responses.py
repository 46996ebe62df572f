"""Error classification of canned Admin API answers (built here, not recorded)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from clients.shopify_errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyHttpError,
    ShopifyQueryError,
    ShopifyScopeError,
    ShopifyTransientError,
)
from clients.shopify_responses import parse_response, parse_retry_after

THROTTLED: dict[str, Any] = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {
        "cost": {
            "requestedQueryCost": 752,
            "actualQueryCost": None,
            "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0},
        }
    },
}
MAX_COST: dict[str, Any] = {
    "errors": [
        {
            "message": "Query cost is 1066, which exceeds the single query max cost limit (1000).\n\nSee …",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1066, "maxCost": 1000},
        }
    ]
}
ACCESS_DENIED: dict[str, Any] = {
    "data": None,
    "errors": [
        {
            "message": "Access denied for orders field. Required access: `read_orders` access scope.",
            "path": ["orders"],
            "extensions": {"code": "ACCESS_DENIED", "requiredAccess": "`read_orders` access scope."},
        }
    ],
}


def answer(status: int, body: Any = None, *, raw: bytes | None = None, headers: dict[str, str] | None = None):
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers)


def test_a_good_answer_is_returned() -> None:
    body: dict[str, Any] = {"data": {"orders": {"nodes": []}}}
    assert parse_response(answer(200, body)) == body


def test_throttled_in_a_200_is_retriable() -> None:
    with pytest.raises(ShopifyTransientError) as caught:
        parse_response(answer(200, THROTTLED))
    assert caught.value.kind == "throttled"
    assert caught.value.retriable


def test_429_is_retriable_and_carries_retry_after() -> None:
    with pytest.raises(ShopifyTransientError) as caught:
        parse_response(answer(429, {"errors": "Exceeded 2 calls per second"}, headers={"Retry-After": "2.0"}))
    assert (caught.value.kind, caught.value.retry_after) == ("http_429", 2.0)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retriable(status: int) -> None:
    with pytest.raises(ShopifyTransientError) as caught:
        parse_response(answer(status, raw=b"<html>oops</html>"))
    assert caught.value.page_size_suspect


@pytest.mark.parametrize("raw", [b'{"data": {"orders": {"nodes": [', b"", b"\xff\xfe"])
def test_a_truncated_200_body_is_retriable(raw: bytes) -> None:
    with pytest.raises(ShopifyTransientError) as caught:
        parse_response(answer(200, raw=raw))
    assert caught.value.kind == "bad_body"


def test_401_is_fatal_and_says_the_token_was_rejected() -> None:
    with pytest.raises(ShopifyAuthError, match="access token was rejected") as caught:
        parse_response(answer(401, {"errors": "[API] Invalid API key or access token"}))
    assert not caught.value.retriable


@pytest.mark.parametrize(
    ("status", "words"), [(402, "frozen"), (403, "scopes"), (404, "API version"), (423, "locked")]
)
def test_other_4xx_are_fatal_http_errors(status: int, words: str) -> None:
    with pytest.raises(ShopifyHttpError, match=words) as caught:
        parse_response(answer(status, {"errors": "x"}))
    assert caught.value.status == status
    assert not caught.value.retriable


def test_access_denied_names_the_scope_and_what_to_do() -> None:
    with pytest.raises(ShopifyScopeError) as caught:
        parse_response(answer(200, ACCESS_DENIED))
    assert caught.value.missing == ["read_orders"]
    message = str(caught.value)
    assert "grant read_orders to the custom app" in message
    assert message.count(". ") == 0  # one sentence


def test_max_cost_exceeded_is_fatal_and_called_a_bug() -> None:
    with pytest.raises(ShopifyQueryError, match="page-sizing bug") as caught:
        parse_response(answer(200, MAX_COST))
    assert caught.value.code == "MAX_COST_EXCEEDED"
    assert "1066" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_other_graphql_errors_are_fatal_with_message_and_code() -> None:
    body = {
        "data": None,
        "errors": [
            {
                "message": "Field 'bogus' doesn't exist on type 'Order'",
                "extensions": {"code": "undefinedField"},
            },
            {"message": "second", "extensions": {"code": "undefinedField"}},
        ],
    }
    with pytest.raises(ShopifyQueryError, match=r"\[undefinedField\]: Field 'bogus'.*1 more"):
        parse_response(answer(200, body))


def test_errors_beside_data_are_still_fatal() -> None:
    body = {"data": {"orders": {"nodes": []}}, "errors": [{"message": "Internal error", "extensions": {}}]}
    with pytest.raises(ShopifyQueryError, match="no code"):
        parse_response(answer(200, body))


@pytest.mark.parametrize("body", [{"data": None}, {}, {"extensions": {}}])
def test_null_or_missing_data_is_fatal(body: dict[str, Any]) -> None:
    with pytest.raises(ShopifyQueryError, match="no data"):
        parse_response(answer(200, body))


def test_a_json_array_is_fatal() -> None:
    with pytest.raises(ShopifyQueryError, match="list"):
        parse_response(answer(200, [1, 2]))


def test_every_error_is_a_shopify_error() -> None:
    for error_type in (ShopifyAuthError, ShopifyHttpError, ShopifyQueryError, ShopifyScopeError):
        assert issubclass(error_type, ShopifyError)
        assert error_type.retriable is False
    assert ShopifyTransientError.retriable is True


@pytest.mark.parametrize(
    ("value", "seconds"), [("2.0", 2.0), ("3", 3.0), ("-1", 0.0), (None, None), ("soon", None)]
)
def test_retry_after_parsing(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_access_denied_with_alternative_scopes_asks_for_one_of_them() -> None:
    required = "`read_assigned_fulfillment_orders` access scope or `read_fulfillments` access scope."
    body = {
        "data": None,
        "errors": [
            {
                "message": f"Access denied for fulfillmentOrders field. Required access: {required}",
                "extensions": {"code": "ACCESS_DENIED", "requiredAccess": required},
            }
        ],
    }
    with pytest.raises(ShopifyScopeError) as caught:
        parse_response(answer(200, body))
    message = str(caught.value)
    assert "one of the read_assigned_fulfillment_orders or read_fulfillments access scopes" in message
    assert caught.value.missing == ["read_assigned_fulfillment_orders", "read_fulfillments"]
