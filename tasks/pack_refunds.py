"""Refunds for month-end: a refund belongs to the month of its own `createdAt` (shop time), whatever its
order's month. Each becomes rows per component (a refunded line, shipping, money beyond what was returned);
the money paid back is spread over them to the cent, so every column adds up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from tasks.pack_cells import amount, free_text, safe, stamp
from tasks.pack_figures import NO_LINES, UNKNOWN
from tasks.pack_orders import PackOrder
from tasks.pack_period import Period, month_of
from tasks.splitting import split_cents
from tasks.transform_refunds import RefundFrames

Line = tuple[str, str, int, int, int]  # line gid, sku, quantity, subtotal cents, tax cents
Shipping = tuple[str, int, int]  # title, subtotal cents, tax cents


@dataclass(frozen=True)
class RefundPart:
    """One refund created in the month, as Shopify sent it (lines and shipping VAT-inclusive as received)."""

    refund_id: str
    legacy_id: str
    order_id: str
    created_at: datetime
    note: str
    paid_cents: int
    lines: tuple[Line, ...]
    shipping: tuple[Shipping, ...]


def _text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _by_refund(frame: pd.DataFrame) -> defaultdict[str, list[dict[Any, Any]]]:
    grouped: defaultdict[str, list[dict[Any, Any]]] = defaultdict(list)
    for row in frame.to_dict("records"):
        grouped[str(row["refund_id"])].append(row)
    return grouped


def refunds_in(frames: RefundFrames, period: Period) -> list[RefundPart]:
    """The validated refunds of `frames` created in `period`."""
    refunds = frames.refunds
    if refunds.empty:
        return []
    created = pd.to_datetime(refunds["created_at"], utc=True)
    inside = refunds[(created >= pd.Timestamp(period.start)) & (created < pd.Timestamp(period.end))]
    lines, ships = _by_refund(frames.refund_lines), _by_refund(frames.refund_shipping)
    found = []  # a refund's key is its gid's number (Shopify's legacy id): unique even in a copied order
    for r in inside.to_dict("records"):
        rid = str(r["refund_id"])
        found.append(RefundPart(
            rid, rid.rsplit("/", 1)[-1], str(r["order_id"]), pd.Timestamp(r["created_at"]).to_pydatetime(),
            _text(r["note"]), int(r["total_refunded_cents"]),
            tuple((str(x["line_item_id"]), _text(x["sku"]), int(x["quantity"]), int(x["subtotal_cents"]),
                   int(x["tax_cents"])) for x in lines[rid]),
            tuple((_text(x["title"]), int(x["subtotal_cents"]), int(x["tax_cents"])) for x in ships[rid]),
        ))  # fmt: skip
    return found


@dataclass(frozen=True)
class Component:
    """One row of the Refunds sheet before it is text."""

    kind: str
    sku: str
    quantity: int
    vat_class: str
    amount: int
    vat: int


def components(part: RefundPart, order: PackOrder) -> list[Component]:
    """A refund's lines, shipping and any money beyond them; amounts VAT-inclusive."""
    extra = 0 if order.taxes_included else 1
    found = []
    for gid, sku, quantity, subtotal, tax in part.lines:
        kind, cls, known = order.line_classes.get(gid, ("product", UNKNOWN, ""))
        found.append(Component(kind, sku or known, quantity, cls, subtotal + extra * tax, tax))
    for title, subtotal, tax in part.shipping:
        _, cls, _ = order.line_classes.get(f"shipping:{safe(title)}", ("shipping", order.shipping_class, ""))
        found.append(Component("shipping", "", 0, cls, subtotal + extra * tax, tax))
    returned = sum(c.amount for c in found)
    if part.paid_cents > returned:  # money paid back beyond what came back: no VAT analysis for it
        found.append(Component("other", "", 0, NO_LINES, part.paid_cents - returned, 0))
    return found


def refund_rows(part: RefundPart, order: PackOrder, timezone: str) -> tuple[list[Component], list[list[str]]]:
    """The refund's components and its Refunds rows; `paid` is the money paid back spread over them."""
    found = components(part, order)
    if not found:  # a refund of nothing: still a row, so it is seen
        found = [Component("other", "", 0, NO_LINES, 0, 0)]
    paid = split_cents(part.paid_cents, [c.amount for c in found])
    head = [
        safe(part.legacy_id),
        stamp(part.created_at, timezone),
        safe(order.name),
        month_of(order.processed_at, timezone),
        safe(order.gateway),
    ]
    rows = [
        [
            *head,
            c.kind,
            safe(c.sku),
            str(c.quantity),
            free_text(part.note),
            c.vat_class,
            amount(c.amount),
            amount(c.vat),
            amount(p),
        ]
        for c, p in zip(found, paid, strict=True)
    ]
    return found, rows
