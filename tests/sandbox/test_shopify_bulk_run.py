"""Bulk operations over real HTTP: progression, the JSONL file, cancel, faults, signed URLs and expiry."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlparse

import httpx
import pytest

from sandbox.clock import parse_instant
from tests.sandbox.bulk_helpers import (
    CANCEL,
    ORDERS_WITH_LINES,
    download,
    fast,
    poll,
    started,
    wait,
)
from tests.sandbox.conftest import Shop


def test_status_goes_created_running_completed_with_growing_counts(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    shop.admin("POST", "/clock", {"advance_seconds": 3600})
    shop.admin("POST", "/bulk", {"rate": 400.0})
    begun = time.monotonic()
    reply = shop.data(
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
        "{ bulkOperation { id status createdAt } } }",
        {"q": ORDERS_WITH_LINES},
    )["bulkOperationRunQuery"]["bulkOperation"]
    sandbox_now = parse_instant(shop.admin("GET", "/state")["clock"]["now"])
    assert reply["status"] == "CREATED"
    assert parse_instant(reply["createdAt"]) == sandbox_now  # F2: the sandbox's now, never stale
    seen = []
    while not seen or seen[-1][0] not in ("COMPLETED", "FAILED"):
        op = poll(shop, reply["id"])
        seen.append((op["status"], int(op["objectCount"])))
        time.sleep(0.02)
    elapsed = time.monotonic() - begun
    total = int(op["objectCount"])
    assert op["status"] == "COMPLETED"
    assert any(status == "RUNNING" and 0 < count < total for status, count in seen)
    assert [c for _, c in seen] == sorted(c for _, c in seen)
    assert elapsed >= total / 400.0 * 0.8  # RUNNING lasts as long as the rate says
    raw, lines = download(shop, op["url"])
    assert len(lines) == total
    assert op["fileSize"] == str(len(raw))
    assert op["rootObjectCount"] == str(sum("__parentId" not in line for line in lines))
    assert parse_instant(op["completedAt"]) >= parse_instant(op["createdAt"])


def test_grouped_file_shape_children_below_parent_escaped_slashes(shop: Shop) -> None:
    fast(shop)
    op = wait(shop, started(shop, ORDERS_WITH_LINES, group=True))
    response = shop.http.get(op["url"])  # no access token
    assert response.headers["content-type"].startswith("application/jsonl")
    raw = response.content
    assert b'"id":"gid:\\/\\/shopify\\/Order\\/' in raw
    assert b"gid://" not in raw  # every slash escaped, as in Shopify's files
    _, lines = download(shop, op["url"])
    parent = None
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] == parent
            assert line["__typename"] == "LineItem"
            assert list(line)[-1] == "__parentId"
        else:
            assert line["__typename"] == "Order"
            parent = line["id"]
    disposition = dict(parse_qsl(urlparse(op["url"]).query))["response-content-disposition"]
    # Airbyte's BulkTools.filename_from_url pattern.
    found = re.search(r'filename\*?=(?:UTF-8\'\')?"([^"]+)"', disposition)
    assert found is not None
    assert found.group(1) == f"bulk-{op['id'].rsplit('/', 1)[1]}.jsonl"
    ranged = shop.http.get(op["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert ranged.content == raw[:100]


def test_ungrouped_children_come_before_and_far_after_their_parents(shop: Shop) -> None:
    fast(shop)
    grouped = wait(shop, started(shop, ORDERS_WITH_LINES, group=True))
    loose = wait(shop, started(shop, ORDERS_WITH_LINES))  # 2026-01: groupObjects defaults to false
    _, grouped_lines = download(shop, grouped["url"])
    _, lines = download(shop, loose["url"])
    position = {line["id"]: i for i, line in enumerate(lines) if "__parentId" not in line}
    gaps = [i - position[line["__parentId"]] for i, line in enumerate(lines) if "__parentId" in line]
    assert any(gap < 0 for gap in gaps)  # some children before their parent
    assert max(gaps) > 20  # some far after
    assert sorted(map(str, lines)) == sorted(map(str, grouped_lines))  # same objects, other order


def test_cancel_keeps_the_partial_file(shop: Shop) -> None:
    shop.admin("POST", "/bulk", {"rate": 40.0})
    gid = started(shop, ORDERS_WITH_LINES)
    wait(shop, gid, until=("RUNNING",))
    time.sleep(0.3)
    reply = shop.data(CANCEL, {"id": gid})["bulkOperationCancel"]
    assert reply == {"bulkOperation": {"id": gid, "status": "CANCELING"}, "userErrors": []}
    op = wait(shop, gid)
    assert (op["status"], op["url"], op["errorCode"]) == ("CANCELED", None, None)
    _, lines = download(shop, op["partialDataUrl"])
    assert 0 < len(lines) == int(op["objectCount"]) < 100
    again = shop.data(CANCEL, {"id": gid})["bulkOperationCancel"]["userErrors"]
    assert again == [{"field": ["id"], "message": "A bulk operation cannot be canceled when it is canceled"}]


@pytest.mark.parametrize("code", ["INTERNAL_SERVER_ERROR", "TIMEOUT"])
def test_fail_fault_after_n_objects_leaves_partial_data(shop: Shop, code: str) -> None:
    fast(shop)
    shop.admin("POST", "/faults", {"kind": "bulk_fail", "after_objects": 7, "error_code": code})
    poll_only = shop.data("{ currentBulkOperation { id } }")  # a non-bulk request does not use the rule
    assert poll_only["currentBulkOperation"] is None
    op = wait(shop, started(shop, ORDERS_WITH_LINES))
    assert (op["status"], op["errorCode"], op["objectCount"], op["url"]) == ("FAILED", code, "7", None)
    _, lines = download(shop, op["partialDataUrl"])
    assert len(lines) == 7
    assert wait(shop, started(shop, ORDERS_WITH_LINES))["status"] == "COMPLETED"  # times: 1


def test_stuck_operation_runs_until_cancelled_and_blocks_others(shop: Shop) -> None:
    fast(shop)
    shop.admin("POST", "/faults", {"kind": "bulk_stuck", "after_objects": 5})
    gid = started(shop, ORDERS_WITH_LINES, version="2025-10")
    wait(shop, gid, until=("RUNNING",))
    shop.admin("POST", "/clock", {"advance_seconds": 86400})
    time.sleep(0.3)
    op = poll(shop, gid)
    assert (op["status"], op["objectCount"]) == ("RUNNING", "5")
    blocked = shop.data(
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) { userErrors { code } } }",
        {"q": ORDERS_WITH_LINES},
        version="2025-10",
    )["bulkOperationRunQuery"]["userErrors"]
    assert blocked == [{"code": "OPERATION_IN_PROGRESS"}]
    shop.data(CANCEL, {"id": gid})
    op = wait(shop, gid)
    assert (op["status"], op["objectCount"]) == ("CANCELED", "5")


def test_signed_url_expires_refreshes_on_poll_and_operation_expires(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    fast(shop, url_lifetime_seconds=60, expire_after_seconds=3600)
    op = wait(shop, started(shop, ORDERS_WITH_LINES))
    first = op["url"]
    download(shop, first)
    shop.admin("POST", "/clock", {"advance_seconds": 61})
    expired = shop.http.get(first)
    assert expired.status_code == 400
    assert "<Code>ExpiredToken</Code>" in expired.text
    fresh = poll(shop, op["id"])["url"]
    assert fresh != first
    download(shop, fresh)
    tampered = re.sub(r"Signature=[^&]+", "Signature=AAAA", fresh)
    assert shop.http.get(tampered).status_code == 403
    shop.admin("POST", "/faults", {"kind": "bulk_download_cut"})
    with pytest.raises(httpx.RemoteProtocolError):
        shop.http.get(fresh)
    shop.admin("POST", "/clock", {"advance_seconds": 3600})
    gone = poll(shop, op["id"])
    assert (gone["status"], gone["url"], gone["partialDataUrl"]) == ("EXPIRED", None, None)
    assert shop.http.get(fresh).status_code in (400, 404)
