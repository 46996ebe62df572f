"""Refunds and transactions from order payloads, flattened into typed frames; a refund or payment that cannot
be read is set aside with the reason and its payload, never dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from prefect import task

from schemas.refunds import ShopifyRefund, ShopifyRefundLine, ShopifyRefundShipping
from schemas.transactions import ShopifyTransaction
from tasks import received as rd
from tasks.caching import PER_RUN
from tasks.received import Notice, Payload
from tasks.transform_orders import Rejected

NOT_RECEIVED = "the order's transactions were not received"


@dataclass(frozen=True)
class RefundFrames:
    """Refunds, their lines and shipping, the orders' transactions; what was set aside and what to look at."""

    refunds: pd.DataFrame
    refund_lines: pd.DataFrame
    refund_shipping: pd.DataFrame
    transactions: pd.DataFrame
    rejected: list[Rejected]
    unchecked: list[Notice] = field(default_factory=list)  # refund totals not checkable against payments
    unmapped_gateways: list[Notice] = field(default_factory=list)  # accounting has no account for these
    payments_unknown: dict[str, str] = field(default_factory=dict)  # order id -> why its payments are unknown
    payloads: dict[str, Payload] = field(
        default_factory=dict, repr=False
    )  # refund/transaction id -> received


def _columns(model: type) -> list[str]:
    return list(model.to_schema().columns)  # type: ignore[attr-defined]


class _Reader:
    """Reads one record's money, remembering every currency seen so one column can carry them all."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def cents(self, bag: object, name: str) -> int:
        cents, currency = rd.money(bag, name)
        self.seen.append(currency)
        return cents


def _line_row(n: Any, rid: str, oid: str, read: _Reader) -> Payload:
    if not isinstance(n, dict):
        raise ValueError("a refund line is not an object")
    item = n.get("lineItem")
    ordered = item.get("quantity") if isinstance(item, dict) else None
    return {
        "refund_id": rid,
        "refund_line_id": rd.text(n.get("id"), "refund line id"),
        "order_id": oid,
        "line_item_id": rd.gid_of(item, "lineItem"),
        "sku": rd.text(item.get("sku"), "lineItem sku", nullable=True) or None,  # type: ignore[union-attr]
        "quantity": rd.integer(n.get("quantity"), "quantity"),
        "line_quantity": None if ordered is None else rd.integer(ordered, "lineItem quantity"),
        "restock_type": rd.text(n.get("restockType"), "restockType"),
        "restocked": rd.flag(n.get("restocked"), "restocked"),
        "location_id": rd.gid_of(n.get("location"), "location", nullable=True),
        "unit_price_cents": read.cents(n.get("priceSet"), "priceSet"),
        "subtotal_cents": read.cents(n.get("subtotalSet"), "subtotalSet"),
        "tax_cents": read.cents(n.get("totalTaxSet"), "totalTaxSet"),
    }


def _shipping_row(s: Any, rid: str, oid: str, read: _Reader) -> Payload:
    if not isinstance(s, dict):
        raise ValueError("a refund shipping line is not an object")
    line = s.get("shippingLine")
    return {
        "refund_id": rid,
        "refund_shipping_line_id": rd.text(s.get("id"), "refund shipping line id"),
        "order_id": oid,
        "title": rd.text(line.get("title"), "shippingLine title", nullable=True)
        if isinstance(line, dict)
        else None,
        "subtotal_cents": read.cents(s.get("subtotalAmountSet"), "subtotalAmountSet"),
        "tax_cents": read.cents(s.get("taxAmountSet"), "taxAmountSet"),
    }


def _transaction_row(t: Any, oid: str, name: str | None, owner: str | None) -> Payload:
    if not isinstance(t, dict):
        raise ValueError("a transaction is not an object")
    cents, currency = rd.money(t.get("amountSet"), "amountSet")
    return {
        "transaction_id": rd.text(t.get("id"), "transaction id"),
        "order_id": oid,
        "order_name": name,
        "refund_id": owner,
        "parent_id": rd.gid_of(t.get("parentTransaction"), "parentTransaction", nullable=True),
        "kind": rd.text(t.get("kind"), "kind"),
        "status": rd.text(t.get("status"), "status"),
        "gateway": rd.text(t.get("gateway"), "gateway", nullable=True),
        "currency": currency,
        "amount_cents": cents,
        "created_at": rd.timestamp(t.get("createdAt"), "createdAt"),
        "processed_at": rd.timestamp(t.get("processedAt"), "processedAt", nullable=True),
        "test": rd.flag(t.get("test"), "test"),
    }


def _refund(
    r: Any, oid: str, name: str | None
) -> tuple[Payload, list[Payload], list[Payload], list[Payload]]:
    """One refund's row, line rows, shipping rows and transaction rows; raises on anything unreadable."""
    if not isinstance(r, dict):
        raise ValueError("refund is not an object")
    rid = str(rd.text(r.get("id"), "refund id"))
    read = _Reader()
    total = read.cents(r.get("totalRefundedSet"), "totalRefundedSet")
    lines = [_line_row(n, rid, oid, read) for n in rd.nodes(r.get("refundLineItems"), "refundLineItems")]
    ships = [
        _shipping_row(s, rid, oid, read)
        for s in rd.nodes(r.get("refundShippingLines"), "refundShippingLines")
    ]
    txns = [_transaction_row(t, oid, name, rid) for t in rd.nodes(r.get("transactions"), "transactions")]
    row = {
        "refund_id": rid,
        "legacy_id": rd.text(r.get("legacyResourceId"), "legacyResourceId"),
        "order_id": oid,
        "order_name": name,
        "created_at": rd.timestamp(r.get("createdAt"), "createdAt", nullable=True),
        "updated_at": rd.timestamp(r.get("updatedAt"), "updatedAt"),
        "note": rd.text(r.get("note"), "note", nullable=True),
        "currency": rd.currencies(*read.seen, *(t["currency"] for t in txns)),
        "total_refunded_cents": total,
        "paid_cents": None,
        "refunded_before_cents": None,
    }
    return row, lines, ships, txns


def _owners(refunds: list[Any]) -> dict[str, str]:
    """Transaction id -> refund id, read leniently so a damaged refund still claims its transactions."""
    owners = {}
    for r in refunds:
        try:
            for t in rd.nodes(r.get("transactions"), "transactions"):
                if isinstance(r["id"], str) and isinstance(t["id"], str):
                    owners[t["id"]] = r["id"]
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return owners


def _ident(o: object) -> tuple[str | None, str | None]:
    if not isinstance(o, dict):
        return None, None
    ident, name = o.get("id"), o.get("name")
    return (str(ident) if ident is not None else None), (name if isinstance(name, str) else None)


class _Flat:
    """Rows gathered while flattening a page of orders."""

    def __init__(self) -> None:
        self.refunds: list[Payload] = []
        self.lines: list[Payload] = []
        self.ships: list[Payload] = []
        self.txns: list[Payload] = []
        self.rejected: list[Rejected] = []
        self.unknown: dict[str, str] = {}
        self.payloads: dict[str, Payload] = {}

    def refund(self, r: Any, oid: str, name: str | None) -> None:
        rid, _ = _ident(r)
        kept = {"order_id": oid, "order_name": name, "refund": r}
        try:
            row, lines, ships, txns = _refund(r, oid, name)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.rejected.append(Rejected(rid, name, rd.reason_of(exc), kept))
            return
        self.refunds.append(row)
        self.lines.extend(lines)
        self.ships.extend(ships)
        self.txns.extend(txns)
        self.payloads[row["refund_id"]] = kept

    def payments(self, o: Payload, oid: str, name: str | None, owners: dict[str, str]) -> None:
        listed = o.get("transactions")
        if not isinstance(listed, list) or not listed:
            self.unknown[oid] = NOT_RECEIVED
            return
        seen = {t["transaction_id"] for t in self.txns}
        for t in listed:
            tid, _ = _ident(t)
            if tid is not None and tid in seen:
                continue  # already read from its refund, with the refund it belongs to
            kept = {"order_id": oid, "order_name": name, "transaction": t}
            try:
                row = _transaction_row(t, oid, name, owners.get(str(tid)))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.rejected.append(Rejected(tid, name, rd.reason_of(exc), kept))
                self.unknown[oid] = f"transaction {rd.clip(str(tid))} of the order could not be read"
                continue
            self.txns.append(row)
            self.payloads[row["transaction_id"]] = kept

    def order(self, o: Any) -> None:
        oid, name = _ident(o)
        if not isinstance(o, dict) or not isinstance(oid, str) or not oid.startswith("gid://shopify/Order/"):
            self.rejected.append(Rejected(oid, name, f"id {rd.show(oid)} is not a Shopify order gid",
                                          o if isinstance(o, dict) else {"raw": o}))  # fmt: skip
            return
        try:
            listed = rd.nodes(o.get("refunds") or [], "refunds")
        except ValueError as exc:
            self.rejected.append(Rejected(oid, name, str(exc), o))
            return
        for r in listed:
            self.refund(r, oid, name)
        self.payments(o, oid, name, _owners(listed))


@task(name="flatten-refunds", **PER_RUN)
def flatten_refunds(raw: list[Payload]) -> RefundFrames:
    """Orders (with `refunds` and `transactions`) → refund, refund line, refund shipping, transaction frames.

    Unreadable refunds and transactions become `Rejected` with the reason; orders whose transactions were not
    received, or not all readable, are listed in `payments_unknown`.
    """
    flat = _Flat()
    for o in raw:
        flat.order(o)
    return RefundFrames(
        pd.DataFrame(flat.refunds, columns=_columns(ShopifyRefund)),
        pd.DataFrame(flat.lines, columns=_columns(ShopifyRefundLine)),
        pd.DataFrame(flat.ships, columns=_columns(ShopifyRefundShipping)),
        pd.DataFrame(flat.txns, columns=_columns(ShopifyTransaction)),
        flat.rejected,
        payments_unknown=flat.unknown,
        payloads=flat.payloads,
    )
