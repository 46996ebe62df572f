"""A retry of the same flow run reuses finished steps; a new run fetches again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from prefect import flow

from shoplines.dates import business_window
from tasks.extract import fetch_orders
from tests.clients.shopify_sandbox import Shop, running_shop


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=3, orders=12) as running:
        yield running


@pytest.mark.usefixtures("prefect_server")
def test_a_retried_flow_run_reuses_its_extract_and_a_new_run_does_not(shop: Shop) -> None:
    window = business_window(date(2026, 7, 1), date(2026, 11, 2), "Africa/Johannesburg")
    attempts: list[int] = []

    @flow(retries=1, retry_delay_seconds=0)
    def pull_then_fail_once() -> int:
        with shop.client() as client:
            orders = fetch_orders(client, window, timedelta(0)).orders
        attempts.append(len(orders))
        if len(attempts) == 1:
            raise RuntimeError("the step after the extract failed")
        return len(orders)

    assert pull_then_fail_once() == 12
    assert attempts == [12, 12]
    pages_read = len([r for r in shop.requests() if r["operation_name"] == "OrdersPage"])
    assert pages_read > 0
    shop.reset()
    pull_then_fail_once()  # a new flow run, one attempt: Shopify is read again, once
    # Two attempts of the first run read no more pages than one attempt of the second: the retry reused them.
    assert len([r for r in shop.requests() if r["operation_name"] == "OrdersPage"]) == pages_read
