"""Shopify Admin GraphQL client: scopes, order counts and complete order pages for a time window."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from clients import shopify_money_queries as mq
from clients import shopify_queries as q
from clients.shopify_budget import ThrottleBudget
from clients.shopify_bulk import BulkPolicy, BulkRunner
from clients.shopify_bulk_orders import iter_bulk_orders
from clients.shopify_errors import ShopifyQueryError, ShopifyScopeError
from clients.shopify_events import ClientEvent, EventSink
from clients.shopify_fulfilment import Fulfilled, fulfil_parcel
from clients.shopify_http import GraphQLSession
from clients.shopify_inventory import InventoryPull, OnHandChange, SetResult, fetch_levels, set_on_hand
from clients.shopify_nested import complete_order
from clients.shopify_paging import Connection, Pager
from clients.shopify_refund_nested import complete_refunds
from clients.shopify_retry import RetryPolicy
from clients.shopify_totals import ORDER_TOTALS
from clients.shopify_windows import OrderCount, OrderField, OrderWindow, SeenOrders, dedupe_orders, sort_key

BULK_FROM = timedelta(days=7)  # windows longer than this are read with one bulk operation
HISTORY_LIMIT = timedelta(days=60)  # older orders are invisible without read_all_orders
ORDERS = Connection("OrdersPage", q.ORDERS_PAGE, ("orders",))
MONEY_ORDERS = Connection("OrdersMoneyPage", mq.ORDERS_MONEY_PAGE, ("orders",))
OnPage = Callable[[int, int], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ShopifyClient:
    """Reads one shop's orders through the Admin GraphQL API at a pinned version.

    Args:
        shop_url: ``https://{shop}.myshopify.com`` (or the sandbox's URL); token: Admin API token.
        budget: The shop's throttle budget, shared by every client and thread using that shop.
        timeout: Seconds per HTTP attempt; deadline: seconds per request across all its attempts.
        retry: Backoff for retriable failures; max_page_size: cap on ``first`` (≤ 250).
        transport: Optional httpx transport; on_event: receives every `ClientEvent`.
        now: Current UTC time, for the 60-day history check (the sandbox passes its clock).
        bulk_from: Order windows longer than this are read by a bulk operation instead of paging
            (None: never); bulk: how bulk operations are polled, bounded and downloaded.
    """

    def __init__(
        self,
        shop_url: str,
        token: str,
        api_version: str = "2026-01",
        *,
        budget: ThrottleBudget,
        timeout: float = 30.0,
        deadline: float = 900.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe to share
        max_page_size: int = 250,
        transport: httpx.BaseTransport | None = None,
        on_event: Callable[[ClientEvent], None] | None = None,
        now: Callable[[], datetime] = _utc_now,
        bulk_from: timedelta | None = BULK_FROM,
        bulk: BulkPolicy = BulkPolicy(),  # noqa: B008 - frozen dataclass, safe to share
    ) -> None:
        base = shop_url.rstrip("/") if "://" in shop_url else f"https://{shop_url.rstrip('/')}"
        self.endpoint = f"{base}/admin/api/{api_version}/graphql.json"
        self.api_version = api_version
        self._events = EventSink(on_event)
        self._now = now
        self._session = GraphQLSession(
            self.endpoint, token, api_version, budget=budget, timeout=timeout, deadline=deadline,
            retry=retry, transport=transport, events=self._events,
        )  # fmt: skip
        self._pager = Pager(self._session, max_page_size)
        self.bulk_from = bulk_from
        self._bulk = BulkRunner(self._session, bulk)

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._session.close()

    @property
    def warnings(self) -> list[ClientEvent]:
        """API version mismatches and deprecations seen so far, each once, for a later notification."""
        return list(self._events.warnings)

    def granted_scopes(self) -> set[str]:
        """The access scope handles granted to this app installation."""
        data = self._session.execute("access scopes", q.ACCESS_SCOPES, lambda: {}).data
        installation = data.get("currentAppInstallation")
        if not isinstance(installation, dict) or not isinstance(installation.get("accessScopes"), list):
            raise ShopifyQueryError(
                "Shopify's answer about the app's access scopes has no accessScopes list."
            )
        return {str(scope["handle"]) for scope in installation["accessScopes"]}

    def require_scopes(self, needed: Iterable[str], reason: str = "") -> None:
        """Raise `ShopifyScopeError` naming every scope in ``needed`` that is not granted.

        A ``write_x`` scope counts as ``read_x``, as Shopify grants reads with writes.
        """
        granted = self.granted_scopes()
        granted |= {"read_" + s.removeprefix("write_") for s in granted if s.startswith("write_")}
        missing = set(needed) - granted
        if missing:
            raise ShopifyScopeError(missing, reason)

    def count_orders(
        self, window: OrderWindow, field: OrderField = "processed_at", *, overlap: timedelta = timedelta(0)
    ) -> OrderCount:
        """Count the orders in ``window`` on ``field`` (uncapped: ``limit: null``)."""
        self._check_history_access(window, overlap)
        variables = {"query": window.search_query(field, overlap)}
        data = self._session.execute("orders count", q.ORDERS_COUNT, lambda: variables).data
        count = data.get("ordersCount")
        if not isinstance(count, dict) or count.get("precision") not in ("EXACT", "AT_LEAST"):
            raise ShopifyQueryError(f"Shopify's answer to the orders count is unusable: {count!r}.")
        return OrderCount(int(count["count"]), count["precision"])

    def iter_order_pages(
        self,
        window: OrderWindow,
        *,
        field: OrderField = "processed_at",
        overlap: timedelta = timedelta(0),
        on_page: OnPage | None = None,
        only: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of complete orders in ``window``, sorted by ``field``.

        Every nested connection (line items, shipping lines, fulfillment orders and their line
        items) holds all its nodes as ``{"nodes": [...]}``. An order repeated on a later page is
        yielded again only if its ``updatedAt`` is newer; `fetch_orders` keeps just the newest.
        A window longer than ``bulk_from`` is read by `iter_bulk_order_pages` instead (`reads_in_bulk`).

        Args:
            window: Half-open UTC window.
            field: ``processed_at``, ``updated_at`` or ``created_at``.
            overlap: Widens the start (for change-time windows).
            on_page: Called after each page with (orders so far, points the page cost).
            only: Further Shopify search terms, e.g. ``fulfillment_status:unfulfilled``.

        Raises:
            ShopifyError: any failure; a partial result is never passed off as complete.
        """
        if self.reads_in_bulk(window, overlap, only=only):
            yield from self.iter_bulk_order_pages(
                window, field=field, overlap=overlap, on_page=on_page, only=only
            )
            return
        self._check_history_access(window, overlap)
        query = window.search_query(field, overlap) + (f" AND {only}" if only else "")
        variables = {"query": query, "sortKey": sort_key(field)}
        seen, total = SeenOrders(), 0
        for page in self._pager.pages(ORDERS, variables):
            fresh = [order for order in page.nodes if seen.is_new(order)]
            cost = page.cost + sum(complete_order(order, self._pager) for order in fresh)
            total += len(fresh)
            if on_page is not None:
                on_page(total, cost)
            if fresh:
                yield fresh

    def reads_in_bulk(
        self, window: OrderWindow, overlap: timedelta = timedelta(0), *, only: str | None = None
    ) -> bool:
        """Whether `iter_order_pages` reads this window with a bulk operation: a window longer than
        ``bulk_from``, unless further search terms (``only``) narrow it to a few orders, which paging
        reads sooner than a bulk job is scheduled (the inventory line's unshipped orders, every hour)."""
        return (
            self.bulk_from is not None
            and only is None
            and window.end - window.query_start(overlap) > self.bulk_from
        )

    def iter_bulk_order_pages(
        self,
        window: OrderWindow,
        *,
        field: OrderField = "processed_at",
        overlap: timedelta = timedelta(0),
        workdir: Path | None = None,
        chunk: int | None = None,
        on_page: OnPage | None = None,
        only: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """`iter_order_pages` through one bulk operation: the same complete orders, in ``field`` order.

        The job is started, polled by its id and bounded in time; its file is downloaded to ``workdir``
        (a temporary folder if None), checked against Shopify's byte and object counts and regrouped on
        disk, then read back ``chunk`` orders at a time (see `clients.shopify_bulk_orders`).

        Raises:
            ShopifyError: any failure; a partial result is never passed off as complete.
        """
        self._check_history_access(window, overlap)
        search = window.search_query(field, overlap) + (f" AND {only}" if only else "")
        total = 0
        for page in iter_bulk_orders(self._bulk, search, field, workdir=workdir, chunk=chunk):
            total += len(page)
            if on_page is not None:
                on_page(total, 0)
            yield page

    def fetch_orders(
        self,
        window: OrderWindow,
        *,
        field: OrderField = "processed_at",
        overlap: timedelta = timedelta(0),
        on_page: OnPage | None = None,
        only: str | None = None,
    ) -> list[dict[str, Any]]:
        """All orders in ``window`` (see `iter_order_pages`), one copy per id, newest ``updatedAt``."""
        pages = self.iter_order_pages(window, field=field, overlap=overlap, on_page=on_page, only=only)
        return dedupe_orders(order for page in pages for order in page)

    def fulfil_parcel(
        self, order_id: str, *, location_id: str, units: dict[str, int], tracking: str, carrier: str
    ) -> Fulfilled:
        """Create one parcel's fulfilment with tracking, once (see `clients.shopify_fulfilment`)."""
        return fulfil_parcel(
            self._session, order_id, location_id=location_id, units=units, tracking=tracking, carrier=carrier
        )

    def fetch_inventory_levels(
        self, *, since: dict[str, datetime] | None = None, location_ids: list[str] | None = None
    ) -> InventoryPull:
        """Inventory levels per location, all or changed since a per-location time (`fetch_levels`)."""
        return fetch_levels(self._pager, since=since, location_ids=location_ids)

    def set_on_hand(self, changes: list[OnHandChange], *, key: str, reference: str) -> SetResult:
        """Set `on_hand` by compare-and-set, once per `key` (see `clients.shopify_inventory.set_on_hand`)."""
        return set_on_hand(self._session, changes, key=key, reference=reference)

    def _check_history_access(self, window: OrderWindow, overlap: timedelta) -> None:
        # Shopify silently hides orders older than 60 days without read_all_orders: check up front.
        start = window.query_start(overlap)
        if self._now() - start > HISTORY_LIMIT:
            reason = f"the window starts {start:%Y-%m-%d}, more than 60 days ago, and older orders are hidden"
            self.require_scopes({"read_all_orders"}, reason)

    def fetch_money_orders(
        self, window: OrderWindow, *, field: OrderField = "processed_at", overlap: timedelta = timedelta(0)
    ) -> list[dict[str, Any]]:
        """All orders in ``window`` with their refunds and transactions (`ORDERS_MONEY_PAGE`), one copy per
        id (newest ``updatedAt``); each refund's lines, shipping lines and transactions complete as
        ``{"nodes": [...]}``. Pages are sized from their cost, so none asks for more than 1,000 points.

        Raises:
            ShopifyError: any failure; a partial result is never passed off as complete.
        """
        pages = self.iter_money_order_pages(window, field=field, overlap=overlap)
        return dedupe_orders(order for page in pages for order in page)

    def iter_money_order_pages(
        self, window: OrderWindow, *, field: OrderField = "processed_at", overlap: timedelta = timedelta(0)
    ) -> Iterator[list[dict[str, Any]]]:
        """`fetch_money_orders` a page at a time (an order met again is yielded again only if newer)."""
        self._check_history_access(window, overlap)
        variables = {"query": window.search_query(field, overlap), "sortKey": sort_key(field)}
        seen = SeenOrders()
        for page in self._pager.pages(MONEY_ORDERS, variables):
            fresh = [order for order in page.nodes if seen.is_new(order)]
            for order in fresh:
                complete_refunds(order, self._session)
            if fresh:
                yield fresh

    def iter_order_totals(
        self, window: OrderWindow, *, field: OrderField = "processed_at"
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of order-level totals and refund totals (`ORDER_TOTALS_PAGE`), a read of its own."""
        self._check_history_access(window, timedelta(0))
        variables = {"query": window.search_query(field), "sortKey": sort_key(field)}
        for page in self._pager.pages(ORDER_TOTALS, variables):
            yield page.nodes
