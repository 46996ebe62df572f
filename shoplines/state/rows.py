"""Small helpers shared by the query modules: ORM row → record, chunked IN lists, JSON documents."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
IN_CHUNK = 500  # keeps IN lists far below SQLite's bound-parameter limit


def to_record(record_cls: type[T], row: object) -> T:
    """Copy the same-named attributes of an ORM row into a record dataclass."""
    names = [f.name for f in dataclasses.fields(record_cls)]  # type: ignore[arg-type]
    return record_cls(**{name: getattr(row, name) for name in names})


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def json_document(value: Mapping[str, Any]) -> dict[str, Any]:
    """A plain-JSON copy of `value`: Decimal (exactly), dates and UUIDs become strings.

    Raises:
        TypeError: a value JSON cannot hold.
    """
    return dict(json.loads(json.dumps(value, default=_as_json)))


def _as_json(value: object) -> str:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON: {value!r}")
