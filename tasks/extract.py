"""Thin I/O task: pull the window's orders from Shopify. Its result is reused only by a retry of the same
flow run (`tasks.caching`): a new run always sees Shopify as it is now."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

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


def order_parts(
    client: ShopifyClient, window: BusinessWindow, overlap: timedelta
) -> Iterator[tuple[str, Pulled]]:
    """The window's orders for the line's steps: one part (`fetch_orders`), or, for a window the client
    reads with a bulk operation (a long backfill), one part per chunk of the regrouped file, so memory stays
    flat however long the window. Each part comes with a key naming this read and the part (`caching.part`).

    The count check is made on the whole window once the last part is through: by then earlier parts may
    have been delivered (each once, by the ledger), so a shortfall fails the run with a sentence saying so.
    """
    wanted = OrderWindow(window.start, window.end)
    widen = overlap if window.selector == "updated" else timedelta(0)
    if not client.reads_in_bulk(wanted, widen):
        yield "", fetch_orders(client, window, overlap)
        return
    logger = get_run_logger()
    client.require_scopes(REQUIRED_SCOPES)
    expected = client.count_orders(wanted, window.shopify_field, overlap=widen)
    logger.info("Fetching %s from Shopify with a bulk operation: it counts %s", window.describe(),
                _counted(expected))  # fmt: skip
    read, received = uuid4().hex[:12], 0
    pages = client.iter_order_pages(
        wanted,
        field=window.shopify_field,
        overlap=widen,
        on_page=lambda done, _cost: progress.report("orders fetched", done, expected.count),
    )
    number = 0
    for number, orders in enumerate(pages, start=1):
        received += len(orders)
        logger.info("Part %d of %s: %d orders (%d so far)", number, window.describe(), len(orders), received)
        yield f"bulk-{read}-part-{number}", Pulled(orders, expected.count, expected.precision)
    if number == 0:  # an empty window still goes through the steps once (the run's review, its counts)
        yield f"bulk-{read}-part-1", Pulled([], expected.count, expected.precision)
    logger.info("Received %d orders for %s", received, window.describe())
    if window.selector == "processed" and expected.precision == "EXACT" and received < expected.count:
        raise ShopifyIncomplete(
            f"Shopify counts {expected.count} {window.describe()} but the bulk operation gave only "
            f"{received}; the orders that arrived were handled (each once), run it again for the rest"
        )
    if expected.precision != "EXACT":
        logger.warning("Shopify would only count at least %s: the pull cannot be checked", expected.count)


def _counted(count: OrderCount) -> str:
    return f"{count.count:,}" if count.precision == "EXACT" else f"at least {count.count:,}"


class PartlyDelivered(ShoplinesError):
    """A window read in parts failed after some parts went through: those stay delivered (once each)."""


class ShopifyIncomplete(ShoplinesError):
    """The pull returned fewer orders than Shopify counts for a window they cannot leave."""
