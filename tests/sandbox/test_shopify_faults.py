"""Every fault kind, observed from the client side over real HTTP, plus the rule counters."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.shopify.faults import FaultBook, request_facts
from tests.sandbox.conftest import Shop

SHOP = "query ShopName { shop { name } }"
PAGE = "query Page($first: Int!) { orders(first: $first) { nodes { id } } }"


def add(shop: Shop, **rule: object) -> dict:
    return shop.admin("POST", "/faults", rule)["fault"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_5xx_once_then_normal(shop: Shop, status: int) -> None:
    add(shop, kind="http_error", status=status)
    failed = shop.post(SHOP)
    assert failed.status_code == status
    if status == 500:
        assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    else:
        assert str(status) in failed.text
        assert failed.headers["content-type"].startswith("text/html")
    assert shop.post(SHOP).status_code == 200
    log = shop.admin("GET", "/requests")["requests"]
    assert [(r["status"], r["fault"]) for r in log[-2:]] == [(status, "http_error"), (200, None)]


def test_http_429_carries_retry_after(shop: Shop) -> None:
    add(shop, kind="http_429", retry_after=1.5, times=2)
    for _ in range(2):
        response = shop.post(SHOP)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1.5"
        assert "Exceeded" in response.json()["errors"]
    assert shop.post(SHOP).status_code == 200


def test_stall_makes_the_client_time_out(shop: Shop) -> None:
    add(shop, kind="stall", seconds=3)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        shop.post(SHOP, timeout=0.3)
    assert time.monotonic() - started < 2
    assert shop.post(SHOP).status_code == 200


def test_stall_shorter_than_the_timeout_just_answers_late(shop: Shop) -> None:
    add(shop, kind="stall", seconds=0.3)
    started = time.monotonic()
    assert shop.post(SHOP, timeout=3).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_reset_is_a_transport_error_with_no_response(shop: Shop) -> None:
    add(shop, kind="reset")
    with pytest.raises(httpx.TransportError) as caught:
        shop.post(SHOP)
    assert not isinstance(caught.value, httpx.TimeoutException)
    assert shop.post(SHOP).status_code == 200


def test_truncated_body_is_a_protocol_error(shop: Shop) -> None:
    add(shop, kind="truncated")
    with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
        shop.post(PAGE, {"first": 20})
    assert shop.post(PAGE, {"first": 20}).status_code == 200


def test_throttled_fault_ignores_the_bucket(shop: Shop) -> None:
    add(shop, kind="throttled", times=3)
    for _ in range(3):
        body = shop.gql(SHOP)
        assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] > 1900
    assert "errors" not in shop.gql(SHOP)


def test_5xx_only_when_first_is_large_then_smaller_pages_work(shop: Shop) -> None:
    add(shop, kind="http_5xx_when_first_gt", threshold=10, times=None)
    assert shop.post(PAGE, {"first": 50}).status_code == 500
    assert shop.post("{ orders(first: 11) { nodes { id } } }").status_code == 500
    assert shop.post(PAGE, {"first": 10}).status_code == 200
    assert shop.post(PAGE, {"first": 50}).status_code == 500
    shop.admin("DELETE", "/faults")
    assert shop.post(PAGE, {"first": 50}).status_code == 200


def test_after_times_and_operation_filters(shop: Shop) -> None:
    rule = add(shop, kind="http_error", status=503, after=2, times=2, operation="Page")
    statuses = [shop.post(SHOP).status_code for _ in range(2)]
    statuses += [shop.post(PAGE, {"first": 1}).status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 503, 503, 200, 200]
    (state,) = shop.admin("GET", "/faults")["faults"]
    assert state["id"] == rule["id"]
    assert state["seen"] == 6
    assert state["fired"] == 2
    shop.admin("DELETE", f"/faults/{rule['id']}")
    assert shop.admin("GET", "/faults")["faults"] == []
    shop.admin("DELETE", f"/faults/{rule['id']}", status=404)


def test_until_cleared_and_bad_rules(shop: Shop) -> None:
    add(shop, kind="http_error", status=502, times=None)
    assert {shop.post(SHOP).status_code for _ in range(4)} == {502}
    assert shop.admin("DELETE", "/faults") == {"removed": 1}
    assert shop.post(SHOP).status_code == 200
    shop.admin("POST", "/faults", {"kind": "meteor"}, status=400)
    shop.admin("POST", "/faults", {"kind": "reset", "colour": "red"}, status=400)


def test_probability_is_seeded_and_reproducible() -> None:
    def fired(seed: int) -> list[bool]:
        book = FaultBook(seed)
        book.add({"kind": "http_error", "probability": 0.5, "times": None})
        facts = request_facts(SHOP, None, None)
        return [book.decide(facts) is not None for _ in range(40)]

    assert fired(3) == fired(3)
    assert fired(3) != fired(4)
    assert 5 < sum(fired(3)) < 35


def test_request_log_records_operation_variables_cost_and_fault(shop: Shop) -> None:
    add(shop, kind="throttled", operation="Page")
    shop.post(PAGE, {"first": 3})
    shop.post(PAGE, {"first": 2})
    log = shop.admin("GET", "/requests")["requests"]
    throttled, served = log[-2:]
    assert throttled["operation_name"] == "Page"
    assert throttled["variables"] == {"first": 3}
    assert throttled["fault"] == "throttled"
    assert throttled["errors"] == ["THROTTLED"]
    assert served["requested_cost"] == 2 + 2
    assert served["actual_cost"] == 4
    assert served["fault"] is None
    since = shop.admin("GET", f"/requests?since={served['seq'] - 1}")["requests"]
    assert [r["seq"] for r in since] == [served["seq"]]
    shop.admin("DELETE", "/requests")
    assert shop.admin("GET", "/requests")["requests"] == []
