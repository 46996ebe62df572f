"""The simulated 3PL's order book: accept/reject rules per order and the (possibly partial) shipments."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sandbox.sftp.orders_csv import OrderRow
from sandbox.sftp.records import Ack, Rejection, ShippedLine

CARRIERS = (("The Courier Guy", "TCG"), ("Aramex", "ARX"), ("DSV", "DSV"), ("Pargo", "PGO"))
FALLBACK_ORDER_DATE = datetime(2026, 1, 1, tzinfo=UTC)
Lines = list[tuple[str, int]]


@dataclass(eq=False)
class _Order:
    number: str
    lines: Lines
    rng: random.Random
    shipped_from: datetime
    cancelled: bool = False
    shipped_units: int = 0


@dataclass(eq=False)
class _Pending:
    due: float
    order: _Order
    lines: Lines = field(default_factory=list)
    remainder: bool = False


class OrderBook:
    """What the 3PL knows about orders; decisions depend only on file content, seed and arrival order."""

    def __init__(
        self,
        *,
        seed: int,
        unknown_skus: Collection[str],
        unknown_sku_prefix: str | None,
        partial_rate: float,
        clock: Callable[[], datetime] | None,
    ) -> None:
        self._seed, self._unknown, self._prefix = seed, frozenset(unknown_skus), unknown_sku_prefix
        self._partial_rate, self._clock = partial_rate, clock
        self._orders: dict[str, _Order] = {}
        self._pending: list[_Pending] = []

    def receive(
        self, orders: dict[str, list[OrderRow]], file_sha256: str, due: float
    ) -> tuple[list[Ack], list[Rejection]]:
        """Apply every order of one accepted file; shipments become due at monotonic time `due`."""
        acks: list[Ack] = []
        rejections: list[Rejection] = []
        for number, rows in orders.items():
            problems = self._problems(number, rows)
            if problems:
                rejections.extend(problems)
                continue
            kind = rows[0].record_type
            acks.append(Ack(number, kind, "CANCELLED" if kind == "CANCEL" else "ACCEPTED"))
            self._apply(number, rows, file_sha256, due)
        return acks, rejections

    def ship(self, now: float, ship_delay: float, *, everything: bool = False) -> list[ShippedLine]:
        """Ship what is due (or every pending shipment); a partial shipment queues its remainder."""
        due = [p for p in self._pending if everything or p.due <= now]
        self._pending = [p for p in self._pending if not (everything or p.due <= now)]
        shipped: list[ShippedLine] = []
        for pending in due:
            lines, rest = self._split(pending)
            if rest:
                self._pending.append(_Pending(now + ship_delay, pending.order, rest, remainder=True))
            shipped.extend(self._ship_lines(pending.order, lines))
        return shipped

    def _problems(self, number: str, rows: list[OrderRow]) -> list[Rejection]:
        kinds = {row.record_type for row in rows}
        known = self._orders.get(number)
        reason = None
        if len(kinds) > 1:
            reason = "CONFLICTING_RECORD_TYPES: " + "/".join(sorted(kinds))
        elif "NEW" in kinds and known is not None and not known.cancelled:
            reason = "DUPLICATE_ORDER: order already received"
        elif kinds & {"AMEND", "CANCEL"} and known is None:
            reason = "ORDER_NOT_FOUND: no NEW received for this order"
        elif kinds & {"AMEND", "CANCEL"} and known is not None and known.shipped_units:
            reason = "ALREADY_SHIPPED: the order has left the warehouse"
        elif "AMEND" in kinds and known is not None and known.cancelled:
            reason = "ORDER_CANCELLED: cannot amend a cancelled order"
        if reason:
            return [Rejection(number, "", "", reason)]
        return [Rejection(number, r.line_number, r.sku, "UNKNOWN_SKU") for r in rows if self._is_unknown(r)]

    def is_unknown_sku(self, sku: str) -> bool:
        """Whether the 3PL rejects `sku` as unknown (it never stocks such a SKU either)."""
        return sku in self._unknown or bool(self._prefix and sku.startswith(self._prefix))

    def _is_unknown(self, row: OrderRow) -> bool:
        return row.record_type != "CANCEL" and self.is_unknown_sku(row.sku)

    def _apply(self, number: str, rows: list[OrderRow], file_sha256: str, due: float) -> None:
        kind = rows[0].record_type
        known = self._orders.get(number)
        if kind in ("AMEND", "CANCEL") and known is not None:
            self._pending = [p for p in self._pending if p.order is not known]
            if kind == "CANCEL":
                known.cancelled = True
                return
        rng = random.Random(f"{self._seed}:{file_sha256}:{number}")
        lines = [(row.sku, row.quantity) for row in rows]
        order = _Order(number, lines, rng, _order_date(rows[0].order_date))
        if kind != "REPLACEMENT":  # a replacement ships again without touching the original order
            self._orders[number] = order
        self._pending.append(_Pending(due, order, lines))

    def _split(self, pending: _Pending) -> tuple[Lines, Lines]:
        units = [sku for sku, quantity in pending.lines for _ in range(quantity)]
        rng = pending.order.rng
        if pending.remainder or len(units) < 2 or rng.random() >= self._partial_rate:
            return pending.lines, []
        cut = rng.randint(1, len(units) - 1)
        return _count_units(units[:cut]), _count_units(units[cut:])

    def _ship_lines(self, order: _Order, lines: Lines) -> list[ShippedLine]:
        carrier, prefix = order.rng.choice(CARRIERS)
        tracking = f"{prefix}{order.rng.randrange(10**9, 10**10)}"
        order.shipped_from += timedelta(hours=order.rng.randint(2, 30), minutes=order.rng.randint(0, 59))
        when = self._clock() if self._clock is not None else order.shipped_from
        stamp = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        order.shipped_units += sum(quantity for _, quantity in lines)
        return [ShippedLine(order.number, sku, qty, carrier, tracking, stamp) for sku, qty in lines]


def _count_units(units: list[str]) -> Lines:
    counted: dict[str, int] = {}
    for sku in units:
        counted[sku] = counted.get(sku, 0) + 1
    return list(counted.items())


def _order_date(value: str) -> datetime:
    """The order's date as UTC; shipments are stamped hours after it so output never needs the wall clock."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return FALLBACK_ORDER_DATE
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
