"""Reading what Shopify sent, strictly: field readers that raise plain-word errors, and pandera failures
turned into per-record reasons. Shared by the refund and inventory transforms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pandera.pandas as pa

from shoplines.money import MoneyError, to_cents

Payload = dict[str, Any]

COULD_NOT_CHECK = "could not check"
UNMAPPED_GATEWAY = "unmapped gateway"
NEGATIVE_AVAILABLE = "negative available"
SHOP_CURRENCY = "shop currency"  # prefix of the runtime currency check's name, see `with_shop_currency`
LIMIT = 10**15  # larger whole numbers (cents, units) are damage, and would not fit the int64 columns


@dataclass(frozen=True)
class Notice:
    """Something received that goes on, but that a person (or accounting) should hear about."""

    entity_id: str
    entity_name: str | None
    category: str  # COULD_NOT_CHECK | UNMAPPED_GATEWAY | NEGATIVE_AVAILABLE
    detail: str


def clip(words: str, limit: int = 60) -> str:
    """Text cut short so a 20 kB value cannot flood a reason."""
    return words if len(words) <= limit else f"{words[: limit - 3]}..."


def show(value: object, limit: int = 60) -> str:
    """A value for a reason text: its repr, cut short."""
    return clip(repr(value), limit)


def _missing(value: object, name: str) -> None:
    if value is None:
        raise ValueError(f"{name} is missing")


def text(value: object, name: str, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    _missing(value, name)
    if not isinstance(value, str):
        raise ValueError(f"{name} {show(value)} is not text")
    return value


def integer(value: object, name: str) -> int:
    _missing(value, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} {show(value)} is not a whole number")
    if abs(value) > LIMIT:
        raise ValueError(f"{name} {show(value)} is out of range")
    return value


def flag(value: object, name: str) -> bool:
    _missing(value, name)
    if not isinstance(value, bool):
        raise ValueError(f"{name} {show(value)} is not true/false")
    return value


def timestamp(value: object, name: str, *, nullable: bool = False) -> datetime | None:
    """An ISO-8601 instant with a zone, in UTC; a naive or unparsable one is an error."""
    if value is None and nullable:
        return None
    _missing(value, name)
    try:
        moment = datetime.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(f"{name} {show(value)} is not an ISO-8601 timestamp")
    if moment.tzinfo is None:
        raise ValueError(f"{name} {show(value)} has no time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{name} {show(value)} is out of range") from None


def money(bag: object, name: str) -> tuple[int, str]:
    """A MoneyBag's shop amount as (integer cents, currency code)."""
    if not isinstance(bag, dict) or not isinstance(bag.get("shopMoney"), dict):
        raise ValueError(f"{name} is missing")
    shop = bag["shopMoney"]
    try:
        cents = to_cents(shop.get("amount"))
    except MoneyError as exc:
        raise ValueError(f"{name}: {exc}") from None
    if abs(cents) > LIMIT:
        raise ValueError(f"{name} amount {show(shop.get('amount'))} is out of range")
    return cents, str(text(shop.get("currencyCode"), f"{name} currencyCode"))


def gid_of(holder: object, name: str, *, nullable: bool = False) -> str | None:
    """The ``id`` of a nested ``{ id }`` object (``lineItem { id }``)."""
    if holder is None and nullable:
        return None
    if not isinstance(holder, dict):
        raise ValueError(f"{name} is missing")
    return text(holder.get("id"), f"{name} id")


def nodes(connection: object, name: str) -> list[Any]:
    """A connection's nodes (``nodes`` or ``edges``) or a plain list; one cut short by paging is an error."""
    if isinstance(connection, list):
        return connection
    _missing(connection, name)
    if not isinstance(connection, dict):
        raise ValueError(f"{name} is not a list or a connection")
    info = connection.get("pageInfo")
    if isinstance(info, dict) and info.get("hasNextPage"):
        raise ValueError(f"{name} has more pages than were fetched")
    if isinstance(connection.get("nodes"), list):
        return list(connection["nodes"])
    if isinstance(connection.get("edges"), list):
        return [edge.get("node") if isinstance(edge, dict) else edge for edge in connection["edges"]]
    raise ValueError(f"{name} has no nodes")


def currencies(*codes: str) -> str:
    """One currency when all money fields agree, else all of them ("USD/ZAR") so the check names them."""
    return "/".join(sorted(set(codes)))


def reason_of(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"field {exc.args[0]!r} is missing"
    if isinstance(exc, ValueError):
        return str(exc)
    return f"unreadable payload ({type(exc).__name__}: {show(str(exc))})"


def with_shop_currency(model: type[pa.DataFrameModel], currency: str) -> pa.DataFrameSchema:
    """The model's schema plus a check that every row's money is in the shop's currency."""
    schema = model.to_schema()
    column = schema.columns["currency"]
    check = pa.Check(lambda s: s == currency, error=f"{SHOP_CURRENCY} {currency}")
    return schema.update_column("currency", checks=[*column.checks, check])


_BOUNDS = {"greater_than": "more than", "greater_than_or_equal_to": "at least", "less_than": "less than",
           "less_than_or_equal_to": "at most"}  # fmt: skip


def describe(case: pd.Series) -> str:
    """One pandera failure case in plain words."""
    check, column, value = str(case["check"]), case["column"], case["failure_case"]
    if check == "column_in_dataframe":
        return f"column {value} is missing"
    if case["schema_context"] == "DataFrameSchema" and not pd.isna(case["index"]):
        return check  # a row-wise business check: its message says it all
    if check.startswith("isin("):
        return f"unknown {column} value {show(value)}"
    if check.startswith("str_matches(") and str(column).endswith("_id"):
        kind = check.split("shopify/", 1)[1].split("/", 1)[0] if "shopify/" in check else "Shopify"
        return f"{column} {show(value)} is not a Shopify {kind} gid"
    if check.startswith(SHOP_CURRENCY):
        return f"currency is {value}, the shop's is {check.removeprefix(SHOP_CURRENCY).strip()}"
    if check in ("field_uniqueness", "unique"):
        return f"{column} {show(value)} appears more than once"
    if check == "not_nullable":
        return f"{column} is missing"
    bound = _BOUNDS.get(check.split("(", 1)[0])
    if bound:
        return f"{column} must be {bound} {check.split('(', 1)[1].rstrip(')')} (value {show(value)})"
    return f"{column}: failed {check} (value {show(value)})"


def failures(
    schema: pa.DataFrameSchema, frame: pd.DataFrame, key: str
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Validate `frame` lazily; return it (coerced when all good) and the reasons per value of `key`."""
    try:
        return schema.validate(frame, lazy=True), {}
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    reasons: dict[str, list[str]] = defaultdict(list)
    whole_frame = cases["index"].isna()
    if whole_frame.any():  # a column-level failure (missing column, dtype) condemns every row
        problem = "; ".join(sorted({describe(c) for _, c in cases[whole_frame].iterrows()}))
        for ident in frame[key].dropna().unique():
            reasons[str(ident)].append(problem)
    for _, case in cases[~whole_frame].iterrows():
        ident = frame.loc[case["index"], key] if case["index"] in frame.index else None
        reasons[str(ident)].append(describe(case))
    return frame, {ident: list(dict.fromkeys(texts)) for ident, texts in reasons.items()}
