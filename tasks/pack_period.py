"""A month in the shop's time zone: its UTC bounds, its days, and which month an instant belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    """Shop-time month `label` ("2026-10") as the half-open UTC window `[start, end)`."""

    label: str
    first_day: date
    last_day: date
    start: datetime
    end: datetime
    timezone: str

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def days(self) -> list[date]:
        """Every shop day of the month, first to last."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def describe(self) -> str:
        return f"month {self.label} ({self.first_day} to {self.last_day}, {self.timezone})"


def parse_month(text: str) -> tuple[int, int]:
    """`YYYY-MM` → (year, month); anything else is a ValueError naming the expected form."""
    found = MONTH.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"month {text!r} is not YYYY-MM (e.g. 2026-10)")
    return int(found["year"]), int(found["month"])


def period(month: str, timezone: str) -> Period:
    """The shop-time month `month` (YYYY-MM): an order at 00:30 on the 1st, shop time, belongs to it even
    though it is still the previous month in UTC."""
    year, number = parse_month(month)
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time.min, zone).astimezone(UTC)
    end = datetime.combine(following, time.min, zone).astimezone(UTC)
    return Period(f"{year:04d}-{number:02d}", first, following - timedelta(days=1), start, end, timezone)


def month_of(moment: datetime, timezone: str) -> str:
    """The shop-time month (YYYY-MM) of an aware instant."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.year:04d}-{local.month:02d}"


def previous_month(now: datetime, timezone: str) -> str:
    """The month before the one `now` falls in, shop time: what the 1st-of-the-month run closes."""
    local = now.astimezone(ZoneInfo(timezone)).date().replace(day=1) - timedelta(days=1)
    return f"{local.year:04d}-{local.month:02d}"


def shop_time(moment: datetime, timezone: str) -> datetime:
    """An aware instant as naive shop-time wall time (spreadsheets have no zones; the cover names it)."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
