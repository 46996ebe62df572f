"""Fixtures that start real Shopify sandboxes on loopback and talk to them with raw httpx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.clock import SandboxClock
from sandbox.shopify.generator import generate_store
from sandbox.shopify.server import RunningShopify, start_shopify_sandbox

API_VERSION = "2026-01"


class Shop:
    """A raw-HTTP handle on a running sandbox (deliberately not the production client)."""

    def __init__(self, running: RunningShopify, clock: SandboxClock) -> None:
        self.running = running
        self.clock = clock
        self.http = httpx.Client(timeout=5.0)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        version: str = API_VERSION,
        operation_name: str | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        headers = {"X-Shopify-Access-Token": self.running.token if token is None else token}
        kwargs: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        return self.http.post(self.running.graphql_url(version), json=body, headers=headers, **kwargs)

    def gql(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """POST and return the JSON body, asserting HTTP 200."""
        response = self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """POST and return ``data``, asserting there were no errors."""
        body = self.gql(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def admin(self, method: str, path: str, payload: dict[str, Any] | None = None, status: int = 200) -> Any:
        response = self.http.request(method, f"{self.running.admin_url}{path}", json=payload)
        assert response.status_code == status, response.text
        return response.json()

    def orders_truth(self) -> list[dict[str, Any]]:
        return self.admin("GET", "/orders")["orders"]

    def close(self) -> None:
        self.http.close()


def _start(
    seed: int, orders: int, scale: float, plan: str = "standard"
) -> tuple[RunningShopify, SandboxClock]:
    clock = SandboxClock(scale=scale)
    store = generate_store(seed, orders=orders, clock=clock)
    return start_shopify_sandbox(store, clock, plan=plan, seed=seed), clock


@pytest.fixture
def shop() -> Iterator[Shop]:
    """A fresh 40-order sandbox per test (mutations allowed); clock at 100× speed."""
    running, clock = _start(seed=42, orders=40, scale=100.0)
    handle = Shop(running, clock)
    try:
        yield handle
    finally:
        handle.close()
        running.stop()


@pytest.fixture(scope="module")
def shared_shop() -> Iterator[Shop]:
    """One read-only 60-order sandbox per test module (enterprise plan so reads never throttle)."""
    running, clock = _start(seed=7, orders=60, scale=1.0, plan="enterprise")
    handle = Shop(running, clock)
    try:
        yield handle
    finally:
        handle.close()
        running.stop()


# --- Xero sandbox -------------------------------------------------------------------------------------

from sandbox.xero.server import RunningXero, start_xero_sandbox  # noqa: E402


class Xero:
    """A raw-HTTP handle on a running Xero sandbox with one connected token set."""

    def __init__(self, running: RunningXero, clock: SandboxClock) -> None:
        self.running = running
        self.clock = clock
        self.http = httpx.Client(timeout=5.0)
        self.tokens = running.issue_tokens()

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens['access_token']}",
            "xero-tenant-id": self.running.tenant_id,
            "Accept": "application/json",
            **extra,
        }

    def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        params: dict[str, str] | None = None,
        key: str | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        headers = self.headers(**({"Idempotency-Key": key} if key else {}))
        kwargs: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        return self.http.request(
            method, f"{self.running.api_url}{path}", json=payload, params=params, headers=headers, **kwargs
        )

    def ok(self, method: str, path: str, payload: Any = None, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, payload, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def admin(self, method: str, path: str, payload: dict[str, Any] | None = None, status: int = 200) -> Any:
        response = self.http.request(method, f"{self.running.admin_url}{path}", json=payload)
        assert response.status_code == status, response.text
        return response.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def xero() -> Iterator[Xero]:
    """A fresh Xero sandbox per test on a frozen clock (time moves only with ``clock.advance``)."""
    clock = SandboxClock(scale=0.0)
    running = start_xero_sandbox(clock, seed=3)
    handle = Xero(running, clock)
    try:
        yield handle
    finally:
        handle.close()
        running.stop()
