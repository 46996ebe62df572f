"""Version drift and deprecation headers become events, each reported once."""

from __future__ import annotations

import httpx

from clients.shopify_events import ClientEvent, EventSink, version_events


def test_matching_version_and_no_deprecation_is_quiet() -> None:
    assert version_events(httpx.Headers({"X-Shopify-API-Version": "2026-01"}), "2026-01") == []
    assert version_events(httpx.Headers({}), "2026-01") == []


def test_a_different_served_version_is_reported() -> None:
    [event] = version_events(httpx.Headers({"x-shopify-api-version": "2026-04"}), "2026-01")
    assert event.kind == "api_version_mismatch"
    assert event.needs_notice
    assert "2026-04" in event.message
    assert "2026-01" in event.message


def test_deprecated_reason_is_reported() -> None:
    headers = httpx.Headers({"X-Shopify-API-Deprecated-Reason": "Shop.products, Shop.productVariants"})
    [event] = version_events(headers, "2026-01")
    assert event.kind == "api_deprecation"
    assert "Shop.products" in event.message


def test_sink_forwards_everything_and_keeps_each_warning_once() -> None:
    received: list[ClientEvent] = []
    sink = EventSink(received.append)
    mismatch = ClientEvent("api_version_mismatch", "served 2026-04")
    retry = ClientEvent("retry", "attempt 1 failed")
    for event in (mismatch, retry, mismatch, retry):
        sink.emit(event)
    assert received == [mismatch, retry, retry]
    assert sink.warnings == [mismatch]


def test_sink_without_callback_still_keeps_warnings() -> None:
    sink = EventSink(None)
    sink.emit(ClientEvent("api_deprecation", "x"))
    assert [e.kind for e in sink.warnings] == ["api_deprecation"]
