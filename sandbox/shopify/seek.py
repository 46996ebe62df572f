"""Forward paging of a date-windowed orders query sorted by that date: start reading at the cursor.

A client walking a window (``processed_at:>='…' processed_at:<'…'``, ``sortKey: PROCESSED_AT``,
``first``/``after``) would otherwise make every page read the whole window; here a page reads from the
``after`` cursor's instant and stops once ``first`` + 1 matches lie beyond the cursor and time has moved
past them. The page is the one ``paginate`` cuts from every match, ``hasPreviousPage`` included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sandbox.clock import parse_instant
from sandbox.shopify.connections import SortValue, decode_cursor, id_number

Node = dict[str, Any]
Key = dict[str, Any]  # {"id": gid, "sort": sort value}: what ``paginate`` needs of a match
SORT_FIELDS = {"CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt", "PROCESSED_AT": "processedAt"}


def seek_from(
    args: dict[str, Any], field: str | None
) -> tuple[datetime | None, tuple[SortValue, int]] | None:
    """Where a forward page (``first``, no ``last``/``before``/``reverse``) sorted by ``field``, the
    query's window field, starts: the ``after`` cursor's instant and key (``None`` and a key before every
    order without a cursor); ``None`` for any other page (read the whole window)."""
    if field is None or SORT_FIELDS.get(args.get("sortKey") or "") != field:
        return None
    if args.get("before") or args.get("reverse") or args.get("first") is None or args.get("last") is not None:
        return None
    if not args.get("after"):
        return None, ((0, ""), 0)
    value, number = decode_cursor(args["after"])
    if value[0] != 1 or not isinstance(value[1], str):
        return None
    try:
        return parse_instant(value[1]), ((value[0], value[1]), number)
    except ValueError:
        return None


def keys_after(
    candidates: Iterable[Node],
    field: str,
    sort_value: Callable[[Node], SortValue],
    cursor: tuple[SortValue, int],
    first: int,
) -> list[Key]:
    """Keys of ``candidates`` (matches, in ``field`` time order, from the cursor's instant) up to the
    first ``first`` + 1 beyond ``cursor`` and every one tied with the last of them."""
    keys: list[Key] = []
    beyond, latest, canonical = 0, "", True
    for order in candidates:
        raw = order.get(field)
        canonical = canonical and _canonical(raw)  # raw text order is time order only for these
        if canonical and beyond > first and str(raw) > latest:
            break
        key = {"id": order["id"], "sort": sort_value(order)}
        keys.append(key)
        if (key["sort"], id_number(key)) > cursor:
            beyond += 1
            latest = max(latest, str(raw))
    return keys


def _canonical(raw: Any) -> bool:
    return isinstance(raw, str) and len(raw) == 20 and raw[10] == "T" and raw.endswith("Z")
