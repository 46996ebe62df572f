"""Order payloads (`ORDERS_PAGE`) flattened for posting: header, lines and shipping with Shopify's tax; an
order that cannot be read, or fails its checks, is set aside whole with the reasons."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import pandas as pd

from schemas.accounting import PostingLine, PostingOrder, PostingShipping
from tasks import received as rd
from tasks.received import Payload
from tasks.transform_orders import Rejected


class PostingFrames(NamedTuple):
    orders: pd.DataFrame
    lines: pd.DataFrame
    shipping: pd.DataFrame
    rejected: list[Rejected]


def _columns(model: type) -> list[str]:
    return list(model.to_schema().columns)  # type: ignore[attr-defined]


def _rate(tax_lines: list[Any], name: str) -> tuple[int, str]:
    """Tax cents and the combined rate ("0.15") of a line's tax lines, rates read exactly from their text."""
    cents, rate = 0, Decimal(0)
    for t in tax_lines:
        cents += rd.money(t.get("priceSet"), f"{name} tax priceSet")[0]
        given, percent = t.get("rate"), t.get("ratePercentage")
        try:
            rate += Decimal(str(given)) if given is not None else Decimal(str(percent)) / 100
        except InvalidOperation:
            raise ValueError(f"{name} tax line {rd.show(t.get('title'))} has no readable rate") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"{name} tax rate {rate} is not a rate")
    return cents, format(rate.normalize(), "f")


def _order_row(o: Payload) -> Payload:
    cents, currency = rd.money(o.get("totalPriceSet"), "totalPriceSet")
    address = o.get("shippingAddress")
    return {
        "order_id": rd.text(o.get("id"), "id"),
        "order_name": rd.text(o.get("name"), "name"),
        "legacy_id": rd.text(str(o.get("legacyResourceId")), "legacyResourceId"),
        "processed_at": rd.timestamp(o.get("processedAt"), "processedAt"),
        "cancelled_at": rd.timestamp(o.get("cancelledAt"), "cancelledAt", nullable=True),
        "test": rd.flag(o.get("test"), "test"),
        "taxes_included": rd.flag(o.get("taxesIncluded"), "taxesIncluded"),
        "currency": currency,
        "ship_to_country": address.get("countryCodeV2") if isinstance(address, dict) else None,
        "total_price_cents": cents,
        "gateway_names": "|".join(o.get("paymentGatewayNames") or []),
    }


def _line_rows(o: Payload) -> list[Payload]:
    rows = []
    for position, item in enumerate(rd.nodes(o.get("lineItems"), "lineItems"), start=1):
        tax, rate = _rate(item.get("taxLines") or [], f"line {position}")
        gift = item.get("isGiftCard")
        rows.append(
            {
                "order_id": o["id"],
                "line_item_id": rd.text(item.get("id"), "line id"),
                "position": position,
                "name": rd.text(item.get("name"), "line name"),
                "sku": item.get("sku") or None,
                "quantity": rd.integer(item.get("quantity"), "quantity"),
                "gift_card": None if gift is None else rd.flag(gift, "isGiftCard"),
                "amount_cents": rd.money(item.get("discountedTotalSet"), "discountedTotalSet")[0],
                "tax_cents": tax,
                "tax_rate": rate,
            }
        )
    return rows


def _shipping_rows(o: Payload) -> list[Payload]:
    rows = []
    for position, ship in enumerate(rd.nodes(o.get("shippingLines"), "shippingLines"), start=1):
        tax, rate = _rate(ship.get("taxLines") or [], f"shipping line {position}")
        rows.append(
            {
                "order_id": o["id"],
                "position": position,
                "title": rd.text(ship.get("title"), "shipping title"),
                "amount_cents": rd.money(ship.get("discountedPriceSet"), "discountedPriceSet")[0],
                "tax_cents": tax,
                "tax_rate": rate,
            }
        )
    return rows


def flatten_posting_orders(raw: list[Payload]) -> PostingFrames:
    """Orders → (orders, lines, shipping) frames; an unreadable order becomes `Rejected` with the reason."""
    orders, lines, ships, rejected = [], [], [], []
    for o in raw:
        try:
            if not isinstance(o, dict):
                raise ValueError("order is not an object")
            row, line_rows, ship_rows = _order_row(o), _line_rows(o), _shipping_rows(o)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ident = o.get("id") if isinstance(o, dict) else None
            name = o.get("name") if isinstance(o, dict) else None
            rejected.append(
                Rejected(ident, name, rd.reason_of(exc), o if isinstance(o, dict) else {"raw": o})
            )
            continue
        orders.append(row)
        lines.extend(line_rows)
        ships.extend(ship_rows)
    return PostingFrames(
        pd.DataFrame(orders, columns=_columns(PostingOrder)),
        pd.DataFrame(lines, columns=_columns(PostingLine)),
        pd.DataFrame(ships, columns=_columns(PostingShipping)),
        rejected,
    )


def validate_posting_orders(frames: PostingFrames, currency: str) -> PostingFrames:
    """Schema checks plus the shop's currency; an order with any failing row is rejected whole."""
    reasons: dict[str, list[str]] = defaultdict(list)
    schemas = [
        (rd.with_shop_currency(PostingOrder, currency), frames.orders),
        (PostingLine.to_schema(), frames.lines),
        (PostingShipping.to_schema(), frames.shipping),
    ]
    for schema, frame in schemas:
        for ident, texts in rd.failures(schema, frame, "order_id")[1].items():
            reasons[ident].extend(texts)
    names = dict(zip(frames.orders.order_id, frames.orders.order_name, strict=True))
    rejected = list(frames.rejected) + [
        Rejected(oid, names.get(oid), "; ".join(dict.fromkeys(texts)), {}) for oid, texts in reasons.items()
    ]
    keep = lambda df: df[~df["order_id"].isin(reasons.keys())]  # noqa: E731
    return PostingFrames(
        PostingOrder.validate(keep(frames.orders)),
        PostingLine.validate(keep(frames.lines)),
        PostingShipping.validate(keep(frames.shipping)),
        rejected,
    )
