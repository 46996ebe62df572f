"""Idempotency keys, rate limits and faults (ghost writes, timeouts) on the Xero sandbox."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import Xero
from tests.sandbox.test_xero_documents import invoice


def invoices_stored(xero: Xero) -> list[dict[str, Any]]:
    return xero.admin("GET", "/documents/invoices")["invoices"]


def test_same_key_same_body_replays_the_stored_response(xero: Xero) -> None:
    body = {"Invoices": [invoice("SHOP-8001")]}
    first = xero.call("PUT", "/Invoices", body, key="k-8001")
    again = xero.call("PUT", "/Invoices", body, key="k-8001")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content  # byte-identical replay, same InvoiceID
    assert len(invoices_stored(xero)) == 1
    assert int(again.headers["X-MinLimit-Remaining"]) < int(first.headers["X-MinLimit-Remaining"])


def test_a_cached_error_is_replayed_even_after_the_cause_is_gone(xero: Xero) -> None:
    body = {"Invoices": [invoice("SHOP-8002", Contact={"ContactID": "00000000-0000-0000-0000-000000000001"})]}
    first = xero.call("PUT", "/Invoices", body, key="k-8002")
    assert first.status_code == 400
    xero.ok("PUT", "/Invoices", {"Invoices": [invoice("SHOP-8003")]})  # books change in between
    again = xero.call("PUT", "/Invoices", body, key="k-8002")
    assert (again.status_code, again.content) == (400, first.content)


def test_same_key_different_body_is_a_400(xero: Xero) -> None:
    assert (
        xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-8004")]}, key="k-8004").status_code == 200
    )
    other = xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-8005")]}, key="k-8004")
    assert other.status_code == 400
    assert other.json()["Detail"] == "Idempotency Key: k-8004 is used with a different request."
    assert xero.call("PUT", "/Invoices", {}, key="k" * 129).status_code == 400


def test_keys_are_forgotten_after_six_minutes(xero: Xero) -> None:
    body = {"Invoices": [invoice("SHOP-8006")]}
    assert xero.call("PUT", "/Invoices", body, key="k-8006").status_code == 200
    xero.clock.advance(5 * 60 + 59)
    assert xero.call("PUT", "/Invoices", body, key="k-8006").status_code == 200  # replay
    xero.clock.advance(2)
    late = xero.call("PUT", "/Invoices", body, key="k-8006")
    assert late.status_code == 400  # processed afresh: the number is taken now
    assert "Invoice # must be unique." in late.text


def test_minute_limit_with_headers_and_retry_after(xero: Xero) -> None:
    last = None
    for n in range(60):
        last = xero.call("GET", "/Organisation")
        assert last.status_code == 200, n
    assert last is not None
    assert (last.headers["X-MinLimit-Remaining"], last.headers["X-DayLimit-Remaining"]) == ("0", "4940")
    assert last.headers["X-AppMinLimit-Remaining"] == "9940"
    refused = xero.call("GET", "/Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert refused.headers["Retry-After"] == "60"
    xero.clock.advance(60)
    assert xero.call("GET", "/Organisation").status_code == 200


def test_starter_tier_daily_limit(xero: Xero) -> None:
    xero.admin("POST", "/tier", {"tier": "starter", "day": 3})
    for _ in range(3):
        assert xero.call("GET", "/TaxRates").status_code == 200
    refused = xero.call("GET", "/TaxRates")
    assert (refused.status_code, refused.headers["X-Rate-Limit-Problem"]) == (429, "day")
    assert int(refused.headers["Retry-After"]) == 86_400


def test_concurrent_limit_has_no_retry_after(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "slow", "path": "/Organisation", "seconds": 0.6, "times": None})
    with ThreadPoolExecutor(5) as pool:
        slow = [pool.submit(xero.call, "GET", "/Organisation") for _ in range(5)]
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            usage = xero.admin("GET", "/state")["rate_limits"]["usage"]
            if any(u["in_flight"] == 5 for u in usage.values()):
                break
            time.sleep(0.01)
        refused = xero.call("GET", "/Accounts")
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "concurrent"
        assert "Retry-After" not in refused.headers
        assert [f.result().status_code for f in slow] == [200] * 5
    assert xero.call("GET", "/Accounts").status_code == 200


def test_ghost_write_5xx_but_created(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "ghost_5xx", "method": "PUT", "path": "/Invoices", "status": 503})
    lost = xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-9001")]}, key="g-9001")
    assert lost.status_code == 503
    found = xero.ok("GET", "/Invoices", params={"InvoiceNumbers": "SHOP-9001"})["Invoices"]
    assert len(found) == 1  # the write happened
    replay = xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-9001")]}, key="g-9001")
    assert replay.status_code == 503  # Xero caches the internal error for the key
    assert xero.admin("GET", "/faults")["fired"]["ghost_5xx"] == 1


def test_ghost_drop_then_replay_with_the_key_recovers_the_answer(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "ghost_drop", "method": "PUT", "path": "/Invoices"})
    body = {"Invoices": [invoice("SHOP-9002")]}
    with pytest.raises(httpx.TransportError):
        xero.call("PUT", "/Invoices", body, key="g-9002")
    replay = xero.call("PUT", "/Invoices", body, key="g-9002")
    assert replay.status_code == 200
    assert [i["InvoiceID"] for i in invoices_stored(xero)] == [replay.json()["Invoices"][0]["InvoiceID"]]


def test_timeout_fault_holds_then_drops_and_writes_nothing(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "timeout", "path": "/Invoices", "seconds": 1.5})
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-9003")]}, timeout=0.3)
    assert time.monotonic() - started < 1
    assert invoices_stored(xero) == []
    faults = xero.admin("GET", "/faults")
    assert (faults["fired"]["timeout"], faults["faults"][0]["fired"]) == (1, 1)


def test_ghost_timeout_writes_but_the_client_times_out(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "ghost_timeout", "path": "/Invoices", "seconds": 1.5})
    with pytest.raises(httpx.ReadTimeout):
        xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-9004")]}, timeout=0.3)
    time.sleep(0.05)
    assert [i["InvoiceNumber"] for i in invoices_stored(xero)] == ["SHOP-9004"]


def test_plain_5xx_writes_nothing_and_counts(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "http_5xx", "path": "/Invoices", "times": 2})
    for _ in range(2):
        failed = xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-9005")]})
        assert failed.status_code == 500
        assert failed.json()["Status"] == 500
    assert invoices_stored(xero) == []
    assert xero.call("PUT", "/Invoices", {"Invoices": [invoice("SHOP-9005")]}).status_code == 200
    state = xero.admin("GET", "/state")
    assert state["faults"]["fired"]["http_5xx"] == 2
    assert state["counts"]["invoices"] == 1


def test_lost_refresh_response_is_recoverable_inside_the_grace(xero: Xero) -> None:
    xero.admin("POST", "/faults", {"kind": "ghost_drop", "path": "/connect/token"})
    form = {"grant_type": "refresh_token", "refresh_token": xero.tokens["refresh_token"]}
    auth = (xero.running.client_id, xero.running.client_secret)
    with pytest.raises(httpx.TransportError):
        xero.http.post(xero.running.token_url, data=form, auth=auth)
    retried = xero.http.post(xero.running.token_url, data=form, auth=auth)
    assert retried.status_code == 200
    assert retried.json()["refresh_token"] != xero.tokens["refresh_token"]


def test_admin_is_loopback_only_and_reports_state(xero: Xero) -> None:
    state = xero.admin("GET", "/state")
    assert state["tenant"]["tenant_id"] == xero.running.tenant_id
    assert state["rate_limits"]["tier"] == "standard"
    assert set(state["counts"]) == {"contacts", "invoices", "credit_notes", "payments", "allocations"}
    assert xero.admin("POST", "/clock", {"advance_seconds": 60})["now"] == "2026-11-02T06:01:00Z"
    xero.admin("POST", "/tokens/expire")
    assert xero.call("GET", "/Organisation").status_code == 401
