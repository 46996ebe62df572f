"""Settings and status snapshots of Shopify bulk operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clients.shopify_errors import ShopifyBulkError


@dataclass(frozen=True)
class BulkPolicy:
    """How patiently bulk operations are started, polled and downloaded (seconds of our own clock).

    Attributes:
        first_poll: Wait before the first status poll; each later wait is ``growth`` times longer…
        max_poll: …up to this cap (short jobs are seen quickly, long ones are not polled to death, F4).
        growth: Factor between consecutive poll waits.
        max_wait: A job still running this long after it started is cancelled and reported (peers #8).
        start_wait: Total time to keep retrying a start refused because the shop's bulk slots are busy.
        start_retry: Wait between such start attempts.
        download_timeout: Seconds of silence allowed per read of the result file.
        download_attempts: Attempts per download when the connection is cut or the host answers 5xx…
        download_backoff: …waiting this long after the first failure, doubling after each.
        chunk_bytes: Size of each piece of the result written to disk.
        chunk_orders: Orders per page read back from the regrouped result.
    """

    first_poll: float = 0.5
    max_poll: float = 5.0
    growth: float = 1.5
    max_wait: float = 4 * 3600.0
    start_wait: float = 900.0
    start_retry: float = 15.0
    download_timeout: float = 60.0
    download_attempts: int = 4
    download_backoff: float = 0.5
    chunk_bytes: int = 1 << 20
    chunk_orders: int = 1_000

    def __post_init__(self) -> None:
        if min(self.first_poll, self.max_poll, self.max_wait, self.start_retry, self.download_timeout) <= 0:
            raise ValueError(f"invalid bulk policy {self}")
        if (
            self.growth < 1
            or self.download_backoff < 0
            or self.download_attempts < 1
            or self.chunk_bytes < 1
            or self.chunk_orders < 1
        ):
            raise ValueError(f"invalid bulk policy {self}")


@dataclass(frozen=True)
class BulkOperation:
    """One status poll of a bulk operation (counts are strings in Shopify's answer, ints here)."""

    id: str
    status: str
    error_code: str | None
    object_count: int
    root_object_count: int
    file_size: int | None
    url: str | None
    partial_data_url: str | None

    @classmethod
    def parse(cls, node: Any, operation_id: str) -> BulkOperation:
        """Read ``bulkOperation(id:)``'s answer; null (an unknown id) is an error."""
        if not isinstance(node, dict) or not node.get("status"):
            raise ShopifyBulkError(f"Shopify does not know bulk operation {operation_id} (answer: {node!r}).")
        size = node.get("fileSize")
        return cls(
            str(node.get("id") or operation_id), str(node["status"]), node.get("errorCode"),
            int(node.get("objectCount") or 0), int(node.get("rootObjectCount") or 0),
            None if size is None else int(size), node.get("url"), node.get("partialDataUrl"),
        )  # fmt: skip
