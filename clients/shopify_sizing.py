"""Choose GraphQL page sizes from Shopify's reported query cost; shrink them when big pages fail."""

from __future__ import annotations

import math

from clients.shopify_errors import ShopifyQueryError, ShopifyTransientError

MAX_QUERY_COST = 1000  # Shopify's single-query limit, whatever the plan
CONNECTION_COST = 2  # a connection costs 2 plus its nodes
PROBE_PAGE_SIZE = 1  # nested selections can make one order cost >100 points, so probe with one
MAX_PAGE_SIZE = 250


class PageSizer:
    """Page size for one paginated operation.

    The first page is a probe; from its ``requestedQueryCost`` the per-node cost is
    ``(requested - 2) / first``, and later pages use the largest ``first`` whose requested cost
    stays within 1,000 and within the bucket size. Failures that smaller pages can cure (5xx,
    timeouts) halve the size from the second one in a row, down to 1 (Airbyte PR #60797).
    """

    def __init__(self, max_size: int = MAX_PAGE_SIZE, node_cost: float | None = None) -> None:
        if not 1 <= max_size <= MAX_PAGE_SIZE:
            raise ValueError(f"max_page_size must be 1..{MAX_PAGE_SIZE}, got {max_size}")
        self.node_cost = node_cost
        self.ceiling = max_size
        self.last = 0
        self._failures = 0

    def choose(self, bucket_max: float | None = None) -> int:
        """The ``first`` for the next request.

        Args:
            bucket_max: The shop's bucket size, when known.

        Raises:
            ShopifyQueryError: even one node would exceed the single-query limit.
        """
        size = min(PROBE_PAGE_SIZE, self.ceiling) if self.node_cost is None else self._by_cost(bucket_max)
        self.last = size
        return size

    def _by_cost(self, bucket_max: float | None) -> int:
        assert self.node_cost is not None
        limit = MAX_QUERY_COST if bucket_max is None else min(MAX_QUERY_COST, bucket_max)
        fits = math.floor((limit - CONNECTION_COST) / self.node_cost) if self.node_cost > 0 else self.ceiling
        if fits < 1:
            raise ShopifyQueryError(
                f"One node of this query costs {self.node_cost:.0f} points, over Shopify's limit of "
                f"{limit:.0f}; the query document must select fewer fields."
            )
        return min(self.ceiling, fits)

    def estimate(self, first: int) -> float | None:
        """Requested cost expected for ``first`` nodes (None before the probe)."""
        return None if self.node_cost is None else CONNECTION_COST + first * self.node_cost

    def learn(self, first: int, requested: int) -> None:
        """Update the per-node cost from a successful answer and reset the failure streak."""
        self._failures = 0
        if first > 0:
            self.node_cost = max(requested - CONNECTION_COST, 0) / first

    def note_failure(self, error: ShopifyTransientError) -> int | None:
        """Count a failed attempt; return the new, halved size when the page was shrunk."""
        if not error.page_size_suspect:
            return None
        self._failures += 1
        if self._failures < 2 or self.last <= 1:
            return None
        self.ceiling = max(1, self.last // 2)
        return self.ceiling
