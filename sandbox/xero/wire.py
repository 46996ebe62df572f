"""Xero's wire format: JSON with Decimal numbers, ``/Date(ms+0000)/`` dates, half-up cents."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
SAST = timezone(timedelta(hours=2))  # Africa/Johannesburg has no DST
_MARK = "\x00dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?[0-9.]+)"')
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def money(value: Decimal) -> Decimal:
    """Round half-up to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any, field: str) -> Decimal:
    """A JSON number or numeric string as a Decimal; ``ValueError`` names the field otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field} must be a number")
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{field} must be a number") from exc
    if not result.is_finite():
        raise ValueError(f"{field} must be a number")
    return result


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + format(value, "f")
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v) for v in value]
    return value


def dumps(payload: Any) -> bytes:
    """JSON bytes where every Decimal is a bare number with its own scale (``115.00``, never a float)."""
    text = json.dumps(_mark(payload), ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(lambda m: m.group(1), text).encode("utf-8")


def loads(raw: bytes) -> Any:
    """Parse a request body; non-integer numbers become Decimal."""
    return json.loads(raw.decode("utf-8"), parse_float=Decimal)


def ms_date(instant: datetime | date, offset: bool = True) -> str:
    """``/Date(1743379200000+0000)/`` (a date is its UTC midnight, as Xero sends document dates)."""
    if not isinstance(instant, datetime):
        instant = datetime(instant.year, instant.month, instant.day, tzinfo=UTC)
    millis = int(instant.astimezone(UTC).timestamp() * 1000)
    return f"/Date({millis}+0000)/" if offset else f"/Date({millis})/"


def date_string(day: date) -> str:
    """``2026-03-31T00:00:00`` (the ``DateString`` / ``DueDateString`` form)."""
    return f"{day.isoformat()}T00:00:00"


def parse_date(value: Any, field: str) -> date:
    """Accept ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS`` or ``/Date(ms+0000)/``."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{field} must be a date")
    match = _MS_DATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ValueError(f"{field} must be a date") from exc


def org_today(now: datetime) -> date:
    """Today in the organisation's time zone (SAST)."""
    return now.astimezone(SAST).date()
