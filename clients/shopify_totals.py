"""Order-level totals, read by a query of their own so month-end can check its line-level sums against
Shopify independently, and the search window of orders changed since a day but processed before another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from clients.shopify_paging import Connection
from clients.shopify_queries import MONEY
from clients.shopify_windows import OrderField, OrderWindow, shopify_timestamp

ORDER_TOTALS_PAGE = (
    """
query OrderTotalsPage($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name test processedAt updatedAt currencyCode taxesIncluded
      totalPriceSet { ...Money } subtotalPriceSet { ...Money } totalTaxSet { ...Money }
      totalDiscountsSet { ...Money } totalShippingPriceSet { ...Money }
      refunds { id createdAt totalRefundedSet { ...Money } }
    }
  }
}
"""
    + MONEY
)
ORDER_TOTALS = Connection("OrderTotalsPage", ORDER_TOTALS_PAGE, ("orders",))


@dataclass(frozen=True)
class ProcessedBefore(OrderWindow):
    """Orders whose window field is in ``[start, end)`` and that were processed before ``before``."""

    before: datetime

    def search_query(self, field: OrderField = "processed_at", overlap: timedelta = timedelta(0)) -> str:
        """The window's query and ``processed_at:<'before'`` (quoted, an exact instant)."""
        return f"{super().search_query(field, overlap)} AND processed_at:<'{shopify_timestamp(self.before)}'"
