"""Bulk operations end to end against the Shopify sandbox over real HTTP: same orders as paging, bounded
waits, cancelled stuck jobs, failed jobs, expired URLs and cut downloads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from clients.shopify_budget import ThrottleBudget
from clients.shopify_bulk import BulkPolicy, BulkRunner
from clients.shopify_bulk_download import download_result
from clients.shopify_bulk_queries import bulk_orders_query
from clients.shopify_errors import (
    ShopifyBulkError,
    ShopifyBulkJobFailed,
    ShopifyRetriesExhausted,
    ShopifyScopeError,
)
from clients.shopify_events import EventSink
from clients.shopify_http import GraphQLSession
from clients.shopify_windows import OrderWindow
from tests.clients.shopify_sandbox import FAST_RETRY, Shop, running_shop

ORDERS = 60
CANCEL = "mutation($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }"
FAST = BulkPolicy(
    first_poll=0.02, max_poll=0.1, max_wait=10.0, start_wait=0.4, start_retry=0.05, download_timeout=5.0,
    download_attempts=3, download_backoff=0.02, chunk_bytes=16_384, chunk_orders=25,
)  # fmt: skip


@pytest.fixture(scope="module")
def module_shop() -> Iterator[Shop]:
    with running_shop(seed=5, orders=ORDERS) as shop:
        shop.post("/bulk", {"rate": 20_000.0})
        yield shop


@pytest.fixture
def shop(module_shop: Shop) -> Iterator[Shop]:
    module_shop.reset()
    yield module_shop
    for operation in module_shop.admin.get("/bulk").json()["operations"]:
        if operation["status"] in ("CREATED", "RUNNING"):  # a test's stuck jobs must not block the next
            graphql(module_shop, CANCEL, id=operation["id"])


def everything(shop: Shop) -> OrderWindow:
    return OrderWindow(shop.clock.start - timedelta(days=150), shop.clock.start + timedelta(days=1))


def graphql(shop: Shop, query: str, **variables: Any) -> dict[str, Any]:
    """A raw Admin API call, for jobs that are not ours (another app's or an earlier run's)."""
    response = httpx.post(
        f"{shop.running.url}/admin/api/2026-01/graphql.json",
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": shop.running.token},
        timeout=5.0,
    )
    response.raise_for_status()
    return dict(response.json()["data"])


def start_foreign_job(shop: Shop) -> str:
    data = graphql(
        shop, "mutation { bulkOperationRunQuery(query: \"{ orders { edges { node { id } } } }\") "
        "{ bulkOperation { id } userErrors { code message } } }",
    )  # fmt: skip
    return str(data["bulkOperationRunQuery"]["bulkOperation"]["id"])


def kinds(shop: Shop) -> list[str]:
    return [event.kind for event in shop.events]


def runner_for(shop: Shop, policy: BulkPolicy = FAST) -> BulkRunner:
    session = GraphQLSession(
        f"{shop.running.url}/admin/api/2026-01/graphql.json", shop.running.token, "2026-01",
        budget=ThrottleBudget(time_scale=shop.clock.scale), timeout=2.0, deadline=20.0, retry=FAST_RETRY,
        transport=None, events=EventSink(shop.events.append),
    )  # fmt: skip
    return BulkRunner(session, policy)


@pytest.mark.parametrize(
    ("field", "overlap"), [("processed_at", timedelta(0)), ("updated_at", timedelta(hours=6))]
)
def test_bulk_returns_exactly_what_paging_returns(shop: Shop, field: Any, overlap: timedelta) -> None:
    window = everything(shop)
    with shop.client() as client:
        paged = client.fetch_orders(window, field=field, overlap=overlap)
    shop.reset()
    with shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client:
        bulk = client.fetch_orders(window, field=field, overlap=overlap)
    assert len(paged) == ORDERS
    assert bulk == paged  # same orders, same order, every nested connection complete and in order
    operations = {r["operation_name"] for r in shop.requests()}
    assert "OrdersPage" not in operations
    assert {"BulkOrders", "BulkOperation"} <= operations
    assert [k for k in kinds(shop) if k != "bulk_progress"] == [
        "bulk_started", "bulk_finished", "bulk_downloaded", "bulk_regrouped"
    ]  # fmt: skip


def test_pages_hold_at_most_a_chunk_and_short_windows_keep_paging(shop: Shop, tmp_path: Path) -> None:
    seen: list[int] = []
    with shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client:
        pages = list(
            client.iter_bulk_order_pages(
                everything(shop), workdir=tmp_path, chunk=7, on_page=lambda n, _: seen.append(n)
            )
        )
        assert [len(page) for page in pages] == [7] * (ORDERS // 7) + [ORDERS % 7]
        assert seen[-1] == ORDERS
        assert list(tmp_path.iterdir()) == []  # the file and the database are removed
        shop.reset()
        week = OrderWindow(shop.clock.start - timedelta(days=7), shop.clock.start)
        client.fetch_orders(week)
    assert {r["operation_name"] for r in shop.requests()} >= {"OrdersPage"}
    assert not any(k.startswith("bulk_") for k in kinds(shop))


def test_an_empty_window_completes_without_a_file(shop: Shop) -> None:
    future = OrderWindow(shop.clock.start + timedelta(days=30), shop.clock.start + timedelta(days=60))
    with shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client:
        assert client.fetch_orders(future) == []
    assert "bulk_finished" in kinds(shop)
    assert "bulk_downloaded" not in kinds(shop)


def test_busy_bulk_slots_are_waited_for_then_reported(shop: Shop) -> None:
    shop.fault(kind="bulk_stuck", after_objects=0, times=5)
    foreign = [start_foreign_job(shop) for _ in range(5)]  # Shopify allows 5 at a time from 2026-01
    with (
        shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client,
        pytest.raises(
            ShopifyBulkError,
            match=r"stayed busy for .* OPERATION_IN_PROGRESS: A bulk query operation .* in progress",
        ),
    ):
        client.fetch_orders(everything(shop))
    assert kinds(shop).count("bulk_waiting") >= 3
    # one slot frees while we wait: our job then starts and completes
    shop.events.clear()
    patient = BulkPolicy(**{**FAST.__dict__, "start_wait": 5.0})
    cancel = threading.Timer(0.3, graphql, (shop, CANCEL), {"id": foreign[0]})
    cancel.start()
    with shop.client(bulk_from=timedelta(days=7), bulk=patient) as client:
        assert len(client.fetch_orders(everything(shop))) == ORDERS
    cancel.join()
    assert "bulk_waiting" in kinds(shop)
    assert "bulk_finished" in kinds(shop)


def test_a_job_still_running_after_max_wait_is_cancelled_and_reported(shop: Shop) -> None:
    shop.fault(kind="bulk_stuck", after_objects=30)
    short = BulkPolicy(**{**FAST.__dict__, "max_wait": 0.5})
    with (
        shop.client(bulk_from=timedelta(days=7), bulk=short) as client,
        pytest.raises(
            ShopifyBulkJobFailed,
            match=r"ended RUNNING .* It was still RUNNING after 0\.\d s \(limit 0.5 s\), so we cancelled it",
        ) as failure,
    ):
        client.fetch_orders(everything(shop))
    assert failure.value.status == "RUNNING"
    assert "bulk_cancelled" in kinds(shop)
    [ours] = [
        o for o in shop.admin.get("/bulk").json()["operations"] if o["id"] == failure.value.operation_id
    ]
    assert ours["status"] in ("CANCELING", "CANCELED")


def test_a_job_we_can_no_longer_poll_is_cancelled_not_left_running(shop: Shop) -> None:
    shop.fault(kind="bulk_stuck", after_objects=0)
    shop.fault(kind="http_error", status=502, operation="BulkOperation", times=50)
    with (
        shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client,
        pytest.raises(ShopifyRetriesExhausted, match="bulkOperation still failed"),
    ):
        client.fetch_orders(everything(shop))
    assert "bulk_cancelled" in kinds(shop)
    ours = shop.admin.get("/bulk").json()["operations"][-1]
    assert ours["status"] in ("CANCELING", "CANCELED")


def test_a_failed_job_with_partial_data_raises_without_using_it(shop: Shop) -> None:
    shop.fault(kind="bulk_fail", after_objects=10, error_code="INTERNAL_SERVER_ERROR")
    with (
        shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client,
        pytest.raises(ShopifyBulkJobFailed) as failure,
    ):
        client.fetch_orders(everything(shop))
    error = failure.value
    assert (error.status, error.error_code, error.partial) == ("FAILED", "INTERNAL_SERVER_ERROR", True)
    assert "with a partialDataUrl" in str(error)
    assert "bulk_downloaded" not in kinds(shop)


def test_scopes_are_checked_before_a_job_starts_and_a_denied_job_names_the_cause(shop: Shop) -> None:
    def token(scopes: list[str]) -> str:
        return str(shop.post("/tokens", {"scopes": scopes})["token"])

    with (
        shop.client(
            token(["read_orders", "read_fulfillments"]), bulk_from=timedelta(days=7), bulk=FAST
        ) as client,
        pytest.raises(ShopifyScopeError, match="read_all_orders"),
    ):
        client.fetch_orders(everything(shop))
    assert "BulkOrders" not in {r["operation_name"] for r in shop.requests()}
    with (
        shop.client(
            token(["read_orders", "read_all_orders"]), bulk_from=timedelta(days=7), bulk=FAST
        ) as client,
        pytest.raises(ShopifyBulkJobFailed, match="lacks a scope the order fields need") as failure,
    ):
        client.fetch_orders(everything(shop))
    assert (failure.value.status, failure.value.error_code, failure.value.partial) == (
        "FAILED",
        "ACCESS_DENIED",
        False,
    )


def test_an_invalid_query_is_refused_with_shopifys_message(shop: Shop) -> None:
    runner = runner_for(shop)
    with pytest.raises(ShopifyBulkError, match=r"refused the bulk query: INVALID: Invalid bulk query"):
        runner.start("{ orders { edges { node { id nonsense } } } }")
    runner.session.close()


def test_an_expired_result_url_is_replaced_by_a_fresh_one(shop: Shop, tmp_path: Path) -> None:
    shop.post("/bulk", {"url_lifetime_seconds": 60})
    runner = runner_for(shop)
    try:
        search = everything(shop).search_query()
        operation_id = runner.start(bulk_orders_query(search, "processed_at"))
        operation = runner.wait(operation_id, runner.clock())
        shop.clock.advance(120)  # the signed URL we hold is now past its Expires
        target = tmp_path / "result.jsonl"
        size = download_result(operation, target, refresh=lambda: runner.status(operation_id), policy=FAST,
                               events=runner.session.events)  # fmt: skip
    finally:
        shop.post("/bulk", {"url_lifetime_seconds": 7 * 86_400})
        runner.session.close()
    assert size == operation.file_size == target.stat().st_size
    [retry] = [e for e in shop.events if e.kind == "bulk_download_retry"]
    assert "HTTP 400" in retry.message
    assert "ExpiredToken" in retry.message


def test_a_cut_download_is_resumed_and_the_result_is_complete(shop: Shop) -> None:
    with shop.client() as client:
        paged = client.fetch_orders(everything(shop))
    shop.reset()
    shop.fault(kind="bulk_download_cut")
    with shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client:
        assert client.fetch_orders(everything(shop)) == paged
    [retry] = [e for e in shop.events if e.kind == "bulk_download_retry"]
    assert "the download was cut at" in retry.message
    [done] = [e for e in shop.events if e.kind == "bulk_downloaded"]
    resumed_at = done.details["resumed_at"]
    assert isinstance(resumed_at, list)
    assert len(resumed_at) == 1
    assert f"the download was cut at {resumed_at[0]} bytes" in retry.message  # resumed there with Range
    assert 0 < resumed_at[0] < int(str(done.details["bytes"]))


@pytest.mark.parametrize(
    "bad",
    [{"first_poll": 0.0}, {"growth": 0.5}, {"max_wait": -1.0}, {"download_attempts": 0}, {"chunk_orders": 0}],
)
def test_a_policy_that_could_never_finish_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="invalid bulk policy"):
        BulkPolicy(**bad)


def test_signed_result_urls_never_reach_the_log(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    """A signed URL is a week's access to the shop's orders: httpx's request log shows the path only."""
    with caplog.at_level("INFO", logger="httpx"), shop.client(bulk_from=timedelta(days=7), bulk=FAST) as c:
        assert len(c.fetch_orders(everything(shop))) == ORDERS
    downloads = [r.getMessage() for r in caplog.records if "/storage/" in r.getMessage()]
    assert downloads  # the download was logged ...
    assert all("?signature-hidden" in line for line in downloads)  # ... without its query string
    assert "Signature=" not in caplog.text


def test_a_narrowed_long_window_keeps_paging(shop: Shop) -> None:
    """Further search terms (the inventory line's unshipped orders, hourly) select few orders: paging
    answers sooner than a bulk job is scheduled."""
    with shop.client(bulk_from=timedelta(days=7), bulk=FAST) as client:
        assert client.reads_in_bulk(everything(shop))
        assert not client.reads_in_bulk(everything(shop), only="fulfillment_status:unfulfilled")
        client.fetch_orders(everything(shop), only="fulfillment_status:unfulfilled")
    assert "OrdersPage" in {r["operation_name"] for r in shop.requests()}
    assert not any(k.startswith("bulk_") for k in kinds(shop))
