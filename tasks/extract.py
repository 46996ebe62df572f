"""Thin I/O task: pull the window's orders from Shopify. Its result is reused only by a retry of the same
flow run (`tasks.caching`): a new run always sees Shopify as it is now."""

from __future__ import annotations

from datetime import timedelta

from prefect import get_run_logger, task

from clients.shopify import OrderWindow, ShopifyClient
from shoplines import progress
from shoplines.dates import BusinessWindow
from tasks.caching import PER_RUN
from tasks.transform_orders import Payload

REQUIRED_SCOPES = ("read_orders",)


@task(name="fetch-orders", **PER_RUN)
def fetch_orders(client: ShopifyClient, window: BusinessWindow, overlap: timedelta) -> list[Payload]:
    """All orders in the window, every nested list complete, de-duplicated by id (newest kept)."""
    logger = get_run_logger()
    client.require_scopes(REQUIRED_SCOPES)
    logger.info("Fetching %s from Shopify", window.describe())
    orders = client.fetch_orders(
        OrderWindow(window.start, window.end),
        field=window.shopify_field,
        overlap=overlap if window.selector == "updated" else timedelta(0),
        on_page=lambda done, _cost: progress.report("orders fetched", done),
    )
    logger.info("Received %d orders for %s", len(orders), window.describe())
    return orders
