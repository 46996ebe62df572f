"""Half-open UTC order windows, the Shopify search queries that select them, and de-duplication."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

OrderField = Literal["processed_at", "updated_at", "created_at"]
SORT_KEYS: dict[str, str] = {
    "processed_at": "PROCESSED_AT",
    "updated_at": "UPDATED_AT",
    "created_at": "CREATED_AT",
}
Order = dict[str, Any]


def shopify_timestamp(moment: datetime) -> str:
    """Format an aware instant for a search query, rounded UP to a whole second.

    Shopify timestamps have whole seconds, so rounding both ends of every window up keeps
    adjacent windows an exact partition: ``t >= ceil(a)`` is ``t >= a`` for whole-second ``t``.
    """
    utc = moment.astimezone(UTC)
    whole = utc.replace(microsecond=0)
    if utc.microsecond:
        whole += timedelta(seconds=math.ceil(utc.microsecond / 1_000_000))
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class OrderWindow:
    """Orders whose chosen timestamp is in ``[start, end)``; both ends aware, stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"OrderWindow.{name} must be timezone-aware, got {value!r}")
            object.__setattr__(self, name, value.astimezone(UTC))
        if self.start >= self.end:
            raise ValueError(f"OrderWindow start {self.start} must be before end {self.end}")

    def query_start(self, overlap: timedelta = timedelta(0)) -> datetime:
        """The start actually queried: ``start`` widened by ``overlap`` for change-time windows."""
        if overlap < timedelta(0):
            raise ValueError("overlap must not be negative")
        return self.start - overlap

    def search_query(self, field: OrderField = "processed_at", overlap: timedelta = timedelta(0)) -> str:
        """Shopify search syntax selecting this window on ``field``, timestamps quoted.

        Unquoted timestamps make Shopify drop the time part (estuary/connectors PR #3250).

        Args:
            field: ``processed_at``, ``updated_at`` or ``created_at``.
            overlap: How far before ``start`` to begin (to catch late-indexed changes).

        Returns:
            e.g. ``processed_at:>='2026-01-01T00:00:00Z' AND processed_at:<'2026-01-02T00:00:00Z'``.
        """
        sort_key(field)
        start = shopify_timestamp(self.query_start(overlap))
        return f"{field}:>='{start}' AND {field}:<'{shopify_timestamp(self.end)}'"

    def contains(self, moment: datetime) -> bool:
        """True when ``moment`` falls in ``[start, end)``."""
        return self.start <= moment < self.end


def sort_key(field: str) -> str:
    """The ``OrderSortKeys`` value matching a search field."""
    try:
        return SORT_KEYS[field]
    except KeyError:
        raise ValueError(
            f"unsupported order window field {field!r}; use one of {sorted(SORT_KEYS)}"
        ) from None


@dataclass(frozen=True)
class OrderCount:
    """``ordersCount`` result: ``AT_LEAST`` means Shopify stopped counting before the end."""

    count: int
    precision: Literal["EXACT", "AT_LEAST"]


def _updated(order: Order) -> datetime:
    return datetime.fromisoformat(str(order["updatedAt"]))


class SeenOrders:
    """Remembers the newest ``updatedAt`` per order id across pages (pages can repeat orders)."""

    def __init__(self) -> None:
        self._newest: dict[str, datetime] = {}

    def is_new(self, order: Order) -> bool:
        """True the first time an id is seen, or when this copy is newer than the one seen."""
        updated = _updated(order)
        previous = self._newest.get(order["id"])
        if previous is not None and previous >= updated:
            return False
        self._newest[order["id"]] = updated
        return True


def dedupe_orders(orders: Iterable[Order]) -> list[Order]:
    """One copy per order id, the one with the newest ``updatedAt``, in first-seen order."""
    newest: dict[str, Order] = {}
    for order in orders:
        kept = newest.get(order["id"])
        if kept is None or _updated(order) > _updated(kept):
            newest[order["id"]] = order
    return list(newest.values())
