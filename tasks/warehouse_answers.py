"""Read the 3PL's answer files: acknowledgements (ACK), rejections (ERR) and shipment confirmations (SHIP).

Pure functions: bytes in, rows (or the reason the file cannot be read) out. The format is configurable per
3PL (`AnswerFormat`: file-name prefixes and column names); the default is the one in the README. A file of
a kind we do not know, or one we cannot parse, is never guessed at: it is quarantined with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from shoplines.errors import ConfigError
from shoplines.state.records import AnswerRow, ShipmentRow
from tasks.csv_records import Unreadable, read_records

TEMPORARY = re.compile(r"^\.|\.(part|tmp|filepart)$", re.IGNORECASE)  # still being written: never read
ACK_STATUSES = {"ACCEPTED": "ACCEPTED", "CANCELLED": "CANCELLED", "CANCELED": "CANCELLED"}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# The 3PL's rejection codes in words a support person can act on.
REASONS = {
    "MALFORMED": "the warehouse could not read the file",
    "CONTROL_TOTAL_MISMATCH": "the file's control totals did not add up at the warehouse",
    "CONFLICTING_RECORD_TYPES": "the file had two different records for one order",
    "DUPLICATE_ORDER": "the warehouse already has this order (sent twice as new)",
    "ORDER_NOT_FOUND": "the warehouse has no such order to change or cancel",
    "ALREADY_SHIPPED": "the parcel had already left the warehouse",
    "ORDER_CANCELLED": "the warehouse has this order as cancelled",
    "UNKNOWN_SKU": "the warehouse does not know a SKU on the order",
}


class AnswerColumns(BaseModel):
    """Column names in one kind of answer file (ours on the left, the 3PL's on the right)."""

    model_config = ConfigDict(extra="forbid")

    file_name: str = "file_name"
    order_number: str = "order_number"
    record_type: str = "record_type"
    status: str = "status"
    line_number: str = "line_number"
    sku: str = "sku"
    reason: str = "reason"
    quantity: str = "quantity"
    carrier: str = "carrier"
    tracking_number: str = "tracking_number"
    shipped_at: str = "shipped_at"


class AnswerFormat(BaseModel):
    """How one 3PL names and lays out its answer files."""

    model_config = ConfigDict(extra="forbid")

    ack_prefix: str = "ACK_"
    err_prefix: str = "ERR_"
    ship_prefix: str = "SHIP_"
    suffix: str = ".csv"
    columns: AnswerColumns = AnswerColumns()
    encoding: str = "utf-8-sig"

    @classmethod
    def from_settings(cls, raw: dict[str, Any]) -> AnswerFormat:
        """The configured format (SHOPLINES_WAREHOUSE_ANSWER_FORMAT); ConfigError if it is not valid."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"SHOPLINES_WAREHOUSE_ANSWER_FORMAT: {where}: {first['msg']}") from exc

    def kind(self, name: str) -> str | None:
        """ACK, ERR, SHIP, UNKNOWN (an answer-like file we cannot place) or None (not ours to read yet)."""
        if TEMPORARY.search(name):
            return None
        for kind, prefix in (("ACK", self.ack_prefix), ("ERR", self.err_prefix), ("SHIP", self.ship_prefix)):
            if name.startswith(prefix) and name.lower().endswith(self.suffix.lower()):
                return kind
        return "UNKNOWN"


@dataclass
class Parsed:
    """One answer file read: its rows, or why it cannot be read."""

    kind: str
    answers: list[AnswerRow] = field(default_factory=list)
    shipments: list[ShipmentRow] = field(default_factory=list)
    error: str | None = None


def plain_reason(code_and_detail: str, sku: str = "") -> str:
    """`UNKNOWN_SKU`, sku X → "the warehouse does not know a SKU on the order (UNKNOWN_SKU, sku X)"."""
    text = code_and_detail.strip()
    code = re.split(r"[:\s(]", text, maxsplit=1)[0].upper()
    detail = text + (f", sku {sku}" if sku and sku not in text else "")
    words = REASONS.get(code)
    return f"{words} ({detail})" if words else detail or "no reason given"


def parse_answer(name: str, data: bytes, fmt: AnswerFormat) -> Parsed:
    """Parse one file named `name` (its kind from the name); never raises on bad content."""
    kind = fmt.kind(name) or "UNKNOWN"
    if kind == "UNKNOWN":
        return Parsed(kind, error=f"{name}: not an ACK, ERR or SHIP file of the configured format")
    try:
        records = _records(data, fmt, kind)
        if kind == "SHIP":
            return Parsed(kind, shipments=[_shipment(i, r, fmt.columns) for i, r in enumerate(records, 2)])
        return Parsed(kind, answers=[_answer(kind, i, r, fmt.columns) for i, r in enumerate(records, 2)])
    except Unreadable as exc:
        return Parsed(kind, error=f"{name}: {exc}")


def _needed(kind: str, c: AnswerColumns) -> list[str]:
    if kind == "ACK":
        return [c.file_name, c.order_number, c.record_type, c.status]
    if kind == "ERR":
        return [c.file_name, c.order_number, c.reason]
    return [c.order_number, c.sku, c.quantity, c.carrier, c.tracking_number, c.shipped_at]


def _records(data: bytes, fmt: AnswerFormat, kind: str) -> list[dict[str, str]]:
    return [record for _, record in read_records(data, fmt.encoding, _needed(kind, fmt.columns))]


def _answer(kind: str, number: int, record: dict[str, str], c: AnswerColumns) -> AnswerRow:
    if not record[c.file_name]:
        raise Unreadable(f"row {number}: no file name")
    if kind == "ERR":
        reason = plain_reason(record[c.reason], record.get(c.sku, ""))
        return AnswerRow(record[c.file_name], record[c.order_number], "", "REJECTED", reason)
    status = ACK_STATUSES.get(record[c.status].upper())
    if status is None:
        raise Unreadable(f"row {number}: unknown status {record[c.status]!r}")
    if not record[c.order_number]:
        raise Unreadable(f"row {number}: no order number")
    return AnswerRow(record[c.file_name], record[c.order_number], record[c.record_type].upper(), status)


def _shipment(number: int, record: dict[str, str], c: AnswerColumns) -> ShipmentRow:
    try:
        quantity = int(record[c.quantity])
    except ValueError:
        raise Unreadable(f"row {number}: quantity {record[c.quantity]!r} is not a whole number") from None
    if quantity <= 0:
        raise Unreadable(f"row {number}: quantity {quantity} is not positive")
    for column in (c.order_number, c.sku, c.tracking_number):
        if not record[column]:
            raise Unreadable(f"row {number}: no {column}")
    try:
        shipped = datetime.fromisoformat(record[c.shipped_at].replace("Z", "+00:00"))
    except ValueError:
        raise Unreadable(f"row {number}: shipped_at {record[c.shipped_at]!r} is not a timestamp") from None
    if shipped.tzinfo is None:
        raise Unreadable(f"row {number}: shipped_at {record[c.shipped_at]!r} has no time zone")
    return ShipmentRow(
        number, record[c.order_number], record[c.sku], quantity, record[c.carrier],
        record[c.tracking_number], shipped.astimezone(UTC),
    )  # fmt: skip


def reading_order(names: list[str], fmt: AnswerFormat) -> list[str]:
    """Answers before shipments (an order is acknowledged before it ships), each kind in name order."""
    rank = {"ACK": 0, "ERR": 0, "SHIP": 1, "UNKNOWN": 2}
    ours = [n for n in names if fmt.kind(n) is not None]
    return sorted(ours, key=lambda n: (rank[fmt.kind(n) or "UNKNOWN"], n))


@dataclass(frozen=True)
class WorkingHours:
    """The 3PL's working time in the shop's zone: a missing answer is only late in working hours."""

    start: time
    end: time
    days: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, days: str, zone: str) -> WorkingHours:
        """`"08:00-17:00"`, `"Mon-Fri"` (or `"Mon,Wed,Fri"`), `"Africa/Johannesburg"`; ConfigError if bad."""
        try:
            first, last = (time.fromisoformat(part.strip()) for part in hours.split("-"))
            if first >= last:
                raise ValueError
        except ValueError:
            raise ConfigError(
                f"SHOPLINES_WAREHOUSE_WORKING_HOURS: {hours!r} is not like 08:00-17:00"
            ) from None
        return cls(first, last, _days(days), ZoneInfo(zone))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (aware instants)."""
        total = timedelta(0)
        day: date = start.astimezone(self.zone).date()
        while day <= end.astimezone(self.zone).date():
            if day.weekday() in self.days:
                opens = datetime.combine(day, self.start, self.zone)
                closes = datetime.combine(day, self.end, self.zone)
                first, last = max(opens, start), min(closes, end)
                if last > first:
                    total += last - first
            day += timedelta(days=1)
        return total


def _days(text: str) -> frozenset[int]:
    def index(name: str) -> int:
        try:
            return DAYS.index(name.strip().title()[:3])
        except ValueError:
            raise ConfigError(f"SHOPLINES_WAREHOUSE_WORKING_DAYS: {name!r} is not a day like Mon") from None

    chosen: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            a, b = (index(p) for p in part.split("-"))
            chosen |= set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(b + 1))
        elif part.strip():
            chosen.add(index(part))
    if not chosen:
        raise ConfigError("SHOPLINES_WAREHOUSE_WORKING_DAYS: no days given")
    return frozenset(chosen)
