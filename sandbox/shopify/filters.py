"""Search fields per resource (orders, inventory items, levels, locations) for :mod:`search`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.clock import parse_instant
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.search import Compiled, FieldHandler, Predicate, Term, compare, compile_query
from sandbox.shopify.totals import nodes

Node = dict[str, Any]


def _instant_bounds(term: Term, tz: tzinfo) -> tuple[datetime, datetime] | None:
    """``[start, end)`` the value stands for: an instant (zero width) or a whole shop-time day.

    Shopify quirk (estuary/connectors#3250, Shopify/shopify-api-ruby#588): an *unquoted* timestamp
    loses everything from the ``T`` on and is read as that date in the shop's time zone.
    """
    text = term.value.strip()
    if "T" in text and not term.quoted:
        text = text.split("T", 1)[0]
    try:
        if "T" not in text:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=tz)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)  # naive: shop time (unconfirmed)
    return moment, moment


def date_field(get: Callable[[Node], str | None], tz: tzinfo) -> FieldHandler:
    """A timestamp field; ``:`` on a date means "during that day", comparators use the day's start."""

    def handler(term: Term) -> Predicate | None:
        bounds = _instant_bounds(term, tz)
        if bounds is None:
            return None
        start, end = bounds

        def predicate(node: Node) -> bool:
            raw = get(node)
            if raw is None:
                return False
            value = parse_instant(raw)
            if term.op == "=":
                return start <= value < end if end > start else value == start
            return compare(value, term.op, start)

        return predicate

    return handler


def text_field(get: Callable[[Node], list[str]]) -> FieldHandler:
    """Case-insensitive equality on any of the values; a trailing ``*`` matches a prefix."""

    def handler(term: Term) -> Predicate | None:
        wanted = term.value.lower()
        if wanted.endswith("*"):
            return lambda node: any(v.lower().startswith(wanted[:-1]) for v in get(node) if v)
        return lambda node: any(v.lower() == wanted for v in get(node) if v)

    return handler


def set_field(get: Callable[[Node], set[str]], allowed: dict[str, frozenset[str] | None]) -> FieldHandler:
    """A field with a closed set of values (``status:open``); ``None`` in ``allowed`` matches anything."""

    def handler(term: Term) -> Predicate | None:
        key = term.value.lower()
        if key not in allowed:
            return None
        wanted = allowed[key]
        return lambda node: wanted is None or bool(get(node) & wanted)

    return handler


def id_field(term: Term) -> Predicate | None:
    """``id:123`` / ``id:>=123`` on the numeric part of the gid."""
    text = term.value.rsplit("/", 1)[-1]
    if not text.isdigit():
        return None
    return lambda node: compare((parse_gid(node["id"]) or ("", 0))[1], term.op, int(text))


_FINANCIAL: dict[str, frozenset[str] | None] = {
    v.lower(): frozenset({v})
    for v in (
        "AUTHORIZED",
        "EXPIRED",
        "PAID",
        "PARTIALLY_PAID",
        "PARTIALLY_REFUNDED",
        "PENDING",
        "REFUNDED",
        "VOIDED",
    )
} | {"any": None}
_FULFILMENT: dict[str, frozenset[str] | None] = {
    "shipped": frozenset({"FULFILLED"}),
    "fulfilled": frozenset({"FULFILLED"}),
    "partial": frozenset({"PARTIALLY_FULFILLED"}),
    "unshipped": frozenset({"UNFULFILLED", "ON_HOLD"}),
    "unfulfilled": frozenset({"UNFULFILLED", "PARTIALLY_FULFILLED", "ON_HOLD"}),
    "on_hold": frozenset({"ON_HOLD"}),
    "any": None,
}
_STATUS: dict[str, frozenset[str] | None] = {
    "open": frozenset({"open"}),
    "closed": frozenset({"closed"}),
    "cancelled": frozenset({"cancelled"}),
    "any": None,
}
_BOOL: dict[str, frozenset[str] | None] = {"true": frozenset({"true"}), "false": frozenset({"false"})}


def _states(order: Node) -> set[str]:
    if order.get("cancelledAt"):
        return {"cancelled", "closed"}
    return {"closed"} if order.get("closed") else {"open"}


def order_fields(tz: tzinfo) -> dict[str, FieldHandler]:
    """Search fields of ``orders`` / ``ordersCount``."""
    return {
        "created_at": date_field(lambda o: o.get("createdAt"), tz),
        "updated_at": date_field(lambda o: o.get("updatedAt"), tz),
        "processed_at": date_field(lambda o: o.get("processedAt"), tz),
        "status": set_field(_states, _STATUS),
        "financial_status": set_field(lambda o: {str(o.get("displayFinancialStatus"))}, _FINANCIAL),
        "fulfillment_status": set_field(lambda o: {str(o.get("displayFulfillmentStatus"))}, _FULFILMENT),
        "test": set_field(lambda o: {"true" if o.get("test") else "false"}, _BOOL),
        "name": text_field(lambda o: [o["name"], o["name"].lstrip("#")]),
        "id": id_field,
        "tag": text_field(lambda o: list(o.get("tags") or [])),
        "email": text_field(lambda o: [o.get("email") or ""]),
        "sku": text_field(lambda o: [line.get("sku") or "" for line in nodes(o.get("lineItems"))]),
    }


def _order_free_text(term: Term) -> Predicate | None:
    wanted = term.value.lower().lstrip("#")
    return lambda o: any(
        wanted in str(v).lower()
        for v in (
            o["name"],
            o.get("email"),
            ((o.get("customer") or {}).get("displayName")),
            *(o.get("tags") or []),
        )
        if v
    )


def compile_orders(text: str | None, timezone: str) -> Compiled:
    """Compile an orders ``query:`` string in the shop's time zone."""
    return compile_query(text, order_fields(ZoneInfo(timezone)), _order_free_text)


def compile_simple(text: str | None, timezone: str, *, sku: bool = False) -> Compiled:
    """Compile a ``query:`` for inventory items (``sku``, ``id``, dates) or levels / locations."""
    tz = ZoneInfo(timezone)
    fields: dict[str, FieldHandler] = {
        "id": id_field,
        "created_at": date_field(lambda n: n.get("createdAt"), tz),
        "updated_at": date_field(lambda n: n.get("updatedAt"), tz),
        "name": text_field(lambda n: [n.get("name") or ""]),
    }
    if sku:
        fields["sku"] = text_field(lambda n: [n.get("sku") or ""])
    return compile_query(text, fields, text_field(lambda n: [n.get("sku") or n.get("name") or ""]))
