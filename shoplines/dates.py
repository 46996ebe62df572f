"""Business dates in the shop's time zone and the UTC windows that select them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from clients.shopify_windows import OrderField

Selector = Literal["processed", "updated"]
SHOPIFY_FIELD: dict[str, OrderField] = {"processed": "processed_at", "updated": "updated_at"}


@dataclass(frozen=True)
class BusinessWindow:
    """Days `date_from`..`date_to` (inclusive, shop time) as a half-open UTC window `[start, end)`."""

    date_from: date
    date_to: date
    selector: Selector
    start: datetime
    end: datetime
    timezone: str
    exact: bool = False  # an instant-to-instant change window, not whole days

    @property
    def shopify_field(self) -> OrderField:
        """The Shopify search field this window filters on."""
        return SHOPIFY_FIELD[self.selector]

    def describe(self) -> str:
        """Plain words for logs and messages."""
        days = (
            f"{self.date_from}" if self.date_from == self.date_to else f"{self.date_from} to {self.date_to}"
        )
        what = "processed" if self.selector == "processed" else "changed"
        if self.exact:
            zone = ZoneInfo(self.timezone)
            stamp = "%Y-%m-%d %H:%M:%S"
            days = f"{self.start.astimezone(zone):{stamp}} to {self.end.astimezone(zone):{stamp}}"
        return f"orders {what} {days} ({self.timezone})"


def business_window(
    date_from: date, date_to: date, timezone: str, selector: Selector = "processed"
) -> BusinessWindow:
    """Turn inclusive shop-time days into the UTC window Shopify is queried with.

    An order processed at 00:30 shop time on the 1st belongs to the 1st, even though it is
    still the last day of the previous month in UTC.
    """
    if date_to < date_from:
        raise ValueError(f"--to {date_to} is before --from {date_from}")
    if selector not in SHOPIFY_FIELD:
        raise ValueError(f"unknown date selector {selector!r}: use 'processed' or 'updated'")
    tz = ZoneInfo(timezone)
    start = datetime.combine(date_from, time.min, tz).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tz).astimezone(UTC)
    return BusinessWindow(date_from, date_to, selector, start, end, timezone)


def change_window(start: datetime, end: datetime, timezone: str) -> BusinessWindow:
    """Orders changed in `[start, end)` (UTC instants): what an incremental run since a watermark reads."""
    if start.utcoffset() is None or end.utcoffset() is None:
        raise ValueError("change windows need timezone-aware instants")
    if end <= start:
        raise ValueError(f"the change window ends ({end}) before it starts ({start})")
    return BusinessWindow(shop_date(start, timezone), shop_date(end, timezone), "updated",
                          start.astimezone(UTC), end.astimezone(UTC), timezone, exact=True)  # fmt: skip


def shop_date(moment: datetime, timezone: str) -> date:
    """The business date of a UTC instant in the shop's time zone."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(ZoneInfo(timezone)).date()


def today_in(timezone: str) -> date:
    """Today's date in the shop's time zone (for runs given no dates)."""
    return datetime.now(ZoneInfo(timezone)).date()


def business_day(timestamp: object, timezone: str) -> date | None:
    """The shop day of a Shopify UTC timestamp string ("2026-11-01T08:15:00Z"); None if unreadable."""
    if not isinstance(timestamp, str):
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return shop_date(moment, timezone)


MAX_LOOKBACK_DAYS = 31


def check_lookback(lookback_days: int) -> None:
    """A run's `lookback_days` is 0 to `MAX_LOOKBACK_DAYS` (the UI only type-checks parameters)."""
    if not 0 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise ValueError(f"lookback_days must be 0 to {MAX_LOOKBACK_DAYS}, not {lookback_days}")


def days_window(
    date_from: date | None, date_to: date | None, lookback_days: int, timezone: str, selector: Selector
) -> BusinessWindow:
    """The shop days a run covers: `date_from` to `date_to` inclusive, or without dates today and
    `lookback_days` days before it."""
    today = today_in(timezone)
    first = date_from or today - timedelta(days=lookback_days)
    return business_window(first, date_to or date_from or today, timezone, selector)
