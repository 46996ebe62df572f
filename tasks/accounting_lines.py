"""One order's amounts for posting: each line and shipping line with its account, tax type and Shopify's tax,
read from the posting frames together with the order's payments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from schemas.transactions import MONEY_IN
from shoplines.dates import shop_date
from tasks.accounting_config import Destination, PostingConfig
from tasks.accounting_types import DocumentLine, money
from tasks.splitting import split_cents
from tasks.transform_posting_orders import PostingFrames

Kind = Literal["sales", "shipping", "gift_card", "adjustment"]
Row = dict[str, Any]


@dataclass(frozen=True)
class Amount:
    """One thing sold, VAT included, before it becomes document lines."""

    kind: Kind
    description: str
    quantity: int
    cents: int
    tax_cents: int
    tax_type: str
    account: str
    item_code: str | None = None


@dataclass(frozen=True)
class OrderView:
    """An order's header, lines, shipping lines and successful payments (SALE/CAPTURE), as rows."""

    order: Row
    lines: tuple[Row, ...]
    shipping: tuple[Row, ...]
    payments: tuple[Row, ...]
    payments_unknown: str | None

    @property
    def paid_cents(self) -> int:
        return sum(int(p["amount_cents"]) for p in self.payments)

    @property
    def skip_reason(self) -> str | None:
        """Why there is nothing to post: a test order, or one cancelled before it was paid."""
        if self.order["test"]:
            return "test order"
        if not pd.isna(self.order["cancelled_at"]) and not self.payments:
            return "cancelled before it was paid"
        return None

    def destination(self, config: PostingConfig) -> Destination:
        country = self.order["ship_to_country"]
        return config.taxes.destination(country if isinstance(country, str) else None)

    def gateway(self) -> str | None:
        """The gateway that took most of the money; before payment, the first gateway Shopify names."""
        by_gateway: dict[str, int] = defaultdict(int)
        for p in self.payments:
            by_gateway[str(p["gateway"])] += int(p["amount_cents"])
        if by_gateway:
            return max(by_gateway, key=lambda g: by_gateway[g])
        names = [n for n in str(self.order["gateway_names"]).split("|") if n]
        return names[0] if names else None


def records(frame: pd.DataFrame) -> list[Row]:
    """A frame's rows as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _grouped(frame: pd.DataFrame) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in records(frame):
        out[str(row["order_id"])].append(row)
    return out


def order_views(
    frames: PostingFrames, transactions: pd.DataFrame, unknown: dict[str, str]
) -> list[OrderView]:
    """Every order in `frames` with its rows; orders the money side never saw count as payments unknown."""
    lines, ships = _grouped(frames.lines), _grouped(frames.shipping)
    seen = set(transactions["order_id"]) | set(unknown)
    done = transactions[(transactions["status"] == "SUCCESS") & transactions["kind"].isin(MONEY_IN)]
    paid = _grouped(done)
    views = []
    for order in records(frames.orders):
        oid = str(order["order_id"])
        why = unknown.get(oid) or (None if oid in seen else "the order's payments were not fetched")
        views.append(
            OrderView(
                order,
                tuple(sorted(lines[oid], key=lambda r: r["position"])),
                tuple(ships[oid]),
                tuple(paid[oid]),
                why,
            )
        )
    return views


def gross(cents: int, tax_cents: int, taxes_included: bool) -> int:
    """The VAT-inclusive amount of a Shopify amount (prices exclude tax when `taxesIncluded` is false)."""
    return int(cents) + (0 if taxes_included else int(tax_cents))


def line_amount(view: OrderView, row: Row, config: PostingConfig) -> Amount | str:
    rate, gift = Decimal(row["tax_rate"]), row["gift_card"]
    what = f"line {row['position']} ({row['name']})"
    if pd.isna(gift) and rate == 0:
        return f"{what} is untaxed and may be a gift card (isGiftCard was not fetched)"
    gift = bool(gift) if not pd.isna(gift) else False
    destination = view.destination(config)
    tax_type = config.taxes.tax_type(rate, destination, gift_card=gift)
    if tax_type is None:
        return f"{what}: no tax type is mapped for {'a gift card' if gift else destination} at rate {rate}"
    account: str = config.accounts.gift_card_liability if gift else config.accounts.sales
    cents = gross(row["amount_cents"], row["tax_cents"], bool(view.order["taxes_included"]))
    return Amount(
        "gift_card" if gift else "sales",
        str(row["name"]),
        int(row["quantity"]),
        cents,
        int(row["tax_cents"]),
        tax_type,
        account,
        row["sku"] if isinstance(row["sku"], str) else None,
    )


def shipping_amount(view: OrderView, row: Row, config: PostingConfig) -> Amount | str | None:
    cents = gross(row["amount_cents"], row["tax_cents"], bool(view.order["taxes_included"]))
    if cents == 0 and row["tax_cents"] == 0:
        return None  # free shipping: nothing to post
    rate = Decimal(row["tax_rate"])
    destination = view.destination(config)
    tax_type = config.taxes.tax_type(rate, destination)
    if tax_type is None:
        return f"shipping ({row['title']}): no tax type is mapped for {destination} at rate {rate}"
    return Amount(
        "shipping",
        f"Shipping: {row['title']}",
        1,
        cents,
        int(row["tax_cents"]),
        tax_type,
        config.accounts.shipping,
    )


def order_amounts(view: OrderView, config: PostingConfig) -> list[Amount] | str:
    """The order's amounts, or the first reason it cannot be posted (unmapped tax, a total that differs)."""
    found: list[Amount | str | None] = [line_amount(view, row, config) for row in view.lines]
    found += [shipping_amount(view, row, config) for row in view.shipping]
    problems = [f for f in found if isinstance(f, str)]
    if problems:
        return "; ".join(problems)
    amounts = [f for f in found if isinstance(f, Amount)]
    total = sum(a.cents for a in amounts)
    if total != int(view.order["total_price_cents"]):
        return (
            f"lines and shipping come to {money(total)} but Shopify's total is "
            f"{money(int(view.order['total_price_cents']))}"
        )
    return amounts


def document_lines(amount: Amount) -> list[DocumentLine]:
    """An amount as document lines with two-decimal unit prices that multiply out exactly.

    When the total does not divide by the quantity, the units are posted as two lines (some at one cent
    more) and Shopify's tax is split between them by `split_cents`, so both still add up to the cent.
    """
    unit, odd = divmod(amount.cents, amount.quantity)
    groups = [(amount.quantity - odd, unit), (odd, unit + 1)] if odd else [(amount.quantity, unit)]
    taxes = split_cents(amount.tax_cents, [abs(units * price) for units, price in groups])
    return [
        DocumentLine(
            f"{amount.description} x {units}"
            if amount.kind in ("sales", "gift_card")
            else amount.description,
            Decimal(units),
            money(price),
            money(units * price),
            money(tax),
            amount.tax_type,
            amount.account,
            amount.item_code,
        )
        for (units, price), tax in zip(groups, taxes, strict=True)
    ]


def business_date(moment: Any, timezone: str) -> date:
    """The shop-time date of a UTC timestamp from the frames."""
    return shop_date(pd.Timestamp(moment).to_pydatetime(), timezone)


def payment_moment(row: Row) -> Any:
    """When a transaction happened: `processedAt`, else `createdAt`."""
    return row["created_at"] if pd.isna(row["processed_at"]) else row["processed_at"]


def total_of(lines: Iterable[DocumentLine]) -> tuple[Decimal, Decimal]:
    listed = list(lines)
    return sum((x.line_amount for x in listed), Decimal("0.00")), sum(
        (x.tax_amount for x in listed), Decimal("0.00")
    )
