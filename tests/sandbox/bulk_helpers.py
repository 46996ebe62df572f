"""Raw-HTTP helpers for the bulk operation tests: start, poll, download, regroup."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.sandbox.conftest import API_VERSION, Shop

RUN = """
mutation Run($q: String!, $g: Boolean) {
  bulkOperationRunQuery(query: $q, groupObjects: $g) {
    bulkOperation { id status createdAt objectCount url }
    userErrors { field message code }
  }
}
"""
POLL = """
query Poll($id: ID!) {
  node(id: $id) {
    __typename
    ... on BulkOperation {
      id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl
      query type
    }
  }
}
"""
CANCEL = """
mutation Cancel($id: ID!) {
  bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } }
}
"""
ORDERS_WITH_LINES = (
    "{ orders { edges { node { id name __typename "
    "lineItems { edges { node { id sku quantity __typename } } } } } } }"
)
DONE = ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")


def run(shop: Shop, query: str, group: bool | None = None, version: str = API_VERSION, **kw: Any) -> Any:
    """``bulkOperationRunQuery`` payload (bulkOperation, userErrors)."""
    return shop.data(RUN, {"q": query, "g": group}, version=version, **kw)["bulkOperationRunQuery"]


def started(shop: Shop, query: str, group: bool | None = None, version: str = API_VERSION) -> str:
    """Start an operation that must be accepted; its gid."""
    payload = run(shop, query, group, version)
    assert payload["userErrors"] == [], payload
    return str(payload["bulkOperation"]["id"])


def poll(shop: Shop, gid: str) -> dict[str, Any]:
    """The operation as ``node(id:)`` returns it."""
    node = shop.data(POLL, {"id": gid})["node"]
    assert node["__typename"] == "BulkOperation"
    return dict(node)


def wait(shop: Shop, gid: str, until: tuple[str, ...] = DONE, timeout: float = 10.0) -> dict[str, Any]:
    """Poll every 20 ms until the status is one of ``until``."""
    deadline = time.monotonic() + timeout
    while True:
        op = poll(shop, gid)
        if op["status"] in until:
            return op
        assert time.monotonic() < deadline, f"still {op['status']} after {timeout} s"
        time.sleep(0.02)


def fast(shop: Shop, **settings: float) -> None:
    """Set bulk knobs (default: a very fast write rate)."""
    shop.admin("POST", "/bulk", {"rate": 1_000_000.0, **settings})


def download(shop: Shop, url: str) -> tuple[bytes, list[dict[str, Any]]]:
    """GET a result URL without a token: raw bytes and parsed lines."""
    response = shop.http.get(url)
    assert response.status_code == 200, response.text
    raw = response.content
    return raw, [json.loads(line) for line in raw.splitlines()]


def regroup(lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[tuple[str, str], list[Any]]]:
    """Roots, and children by (parent id, __typename) — works whatever order the lines come in."""
    roots = [line for line in lines if "__parentId" not in line]
    children: dict[tuple[str, str], list[Any]] = {}
    for line in lines:
        if "__parentId" in line:
            child = {k: v for k, v in line.items() if k != "__parentId"}
            children.setdefault((line["__parentId"], line["__typename"]), []).append(child)
    return roots, children
