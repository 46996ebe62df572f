"""Thin I/O task: pull the window's orders from Shopify. Its result is reused only by a retry of the same
flow run (`tasks.caching`): a new run always sees Shopify as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prefect import get_run_logger, task

from clients.shopify import OrderWindow, ShopifyClient
from clients.shopify_windows import OrderCount
from shoplines import progress
from shoplines.dates import BusinessWindow
from shoplines.errors import ShoplinesError
from tasks.caching import PER_RUN
from tasks.transform_orders import Payload

REQUIRED_SCOPES = ("read_orders",)


@dataclass(frozen=True)
class Pulled:
    """A window's orders and what Shopify counted for it (`precision` AT_LEAST: the count is a floor)."""

    orders: list[Payload]
    counted: int
    precision: str


@task(name="fetch-orders", **PER_RUN)
def fetch_orders(client: ShopifyClient, window: BusinessWindow, overlap: timedelta) -> Pulled:
    """All orders in the window, every nested list complete, de-duplicated by id (newest kept)."""
    logger = get_run_logger()
    client.require_scopes(REQUIRED_SCOPES)
    wanted = OrderWindow(window.start, window.end)
    widen = overlap if window.selector == "updated" else timedelta(0)
    expected = client.count_orders(wanted, window.shopify_field, overlap=widen)
    logger.info("Fetching %s from Shopify: it counts %s", window.describe(), _counted(expected))
    orders = client.fetch_orders(
        wanted,
        field=window.shopify_field,
        overlap=widen,
        on_page=lambda done, _cost: progress.report("orders fetched", done, expected.count),
    )
    logger.info("Received %d orders for %s", len(orders), window.describe())
    if window.selector == "processed" and expected.precision == "EXACT" and len(orders) < expected.count:
        # Orders never leave a processed-at window, so fewer than counted means a page was lost.
        raise ShopifyIncomplete(
            f"Shopify counts {expected.count} {window.describe()} but only {len(orders)} arrived; "
            "nothing was sent, run it again"
        )
    if expected.precision != "EXACT":
        logger.warning("Shopify would only count at least %s: the pull cannot be checked", expected.count)
    return Pulled(orders, expected.count, expected.precision)


def _counted(count: OrderCount) -> str:
    return f"{count.count:,}" if count.precision == "EXACT" else f"at least {count.count:,}"


class ShopifyIncomplete(ShoplinesError):
    """The pull returned fewer orders than Shopify counts for a window they cannot leave."""
