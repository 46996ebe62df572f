"""Hand-built orders for the posting recipe, shaped like `ORDERS_PAGE` (contents) merged with
`ORDERS_MONEY_PAGE` (refunds, transactions), plus the configuration and the pipeline to frames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.accounting_config import AccountMap, PostingConfig
from tasks.transform_posting_orders import PostingFrames, flatten_posting_orders, validate_posting_orders
from tasks.transform_refunds import RefundFrames, flatten_refunds
from tasks.validate_refunds import validate_refunds

DONE = {"hasNextPage": False, "endCursor": None}
CONFIG = PostingConfig(
    admin_url="https://admin.shopify.com/store/demo",
    accounts=AccountMap(
        sales="200", shipping="210", gift_card_liability="2300", refund_adjustment="4900",
        clearing={"PayFast": "801", "Yoco": "802", "Peach Payments": "803", "Ozow": "804"},
    ),
)  # fmt: skip


def money(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "ZAR"}}


def tax(amount: str, rate: float = 0.15) -> dict[str, Any]:
    return {"title": "VAT", "rate": rate, "priceSet": money(amount)}


def line(n: int, pos: int, name: str, qty: int, total: str, *taxes: dict[str, Any], sku: str | None = None,
         gift: bool | None = False) -> dict[str, Any]:  # fmt: skip
    item = {
        "id": f"gid://shopify/LineItem/{n * 100 + pos}", "name": name, "sku": sku, "quantity": qty,
        "discountedTotalSet": money(total), "taxLines": list(taxes),
    }  # fmt: skip
    if gift is not None:
        item["isGiftCard"] = gift
    return item


def shipping(title: str, price: str, *taxes: dict[str, Any]) -> dict[str, Any]:
    return {"title": title, "discountedPriceSet": money(price), "taxLines": list(taxes)}


def txn(tid: int, kind: str, amount: str, at: str, *, gateway: str = "PayFast", status: str = "SUCCESS",
        parent: int | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "id": f"gid://shopify/OrderTransaction/{tid}", "kind": kind, "status": status, "gateway": gateway,
        "amountSet": money(amount), "createdAt": at, "processedAt": at, "test": False,
        "parentTransaction": {"id": f"gid://shopify/OrderTransaction/{parent}"} if parent else None,
    }  # fmt: skip


def refund(rid: int, at: str, *, lines: Sequence[Any] = (), ships: Sequence[Any] = (),
           paid: Sequence[Any] = ()) -> dict[str, Any]:  # fmt: skip
    total = sum(int(t["amountSet"]["shopMoney"]["amount"].replace(".", "")) for t in paid)
    return {
        "id": f"gid://shopify/Refund/{rid}", "legacyResourceId": str(rid), "createdAt": at, "updatedAt": at,
        "note": None, "totalRefundedSet": money(f"{total // 100}.{total % 100:02d}"),
        "refundLineItems": {"pageInfo": DONE, "nodes": list(lines)},
        "refundShippingLines": {"pageInfo": DONE, "nodes": list(ships)},
        "transactions": {"pageInfo": DONE, "nodes": list(paid)},
    }  # fmt: skip


def refund_line(rlid: int, line_id: int, qty: int, subtotal: str, vat: str) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/RefundLineItem/{rlid}", "quantity": qty, "restockType": "NO_RESTOCK",
        "restocked": False, "lineItem": {"id": f"gid://shopify/LineItem/{line_id}", "sku": None},
        "location": None, "priceSet": money(subtotal), "subtotalSet": money(subtotal),
        "totalTaxSet": money(vat),
    }  # fmt: skip


def refund_shipping(rsid: int, title: str, subtotal: str, vat: str) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/RefundShippingLine/{rsid}", "shippingLine": {"id": None, "title": title},
        "subtotalAmountSet": money(subtotal), "taxAmountSet": money(vat),
    }  # fmt: skip


def order(n: int, total: str, lines: list[Any], *, ships: Sequence[Any] = (),
          country: str | None = "ZA", at: str = "2026-11-02T08:00:00Z", transactions: list[Any] | None = None,
          refunds: Sequence[Any] = (), **overrides: Any) -> dict[str, Any]:  # fmt: skip
    """Order #n totalling `total`, paid in full by one PayFast SALE at `at` unless `transactions` say else."""
    paid = [txn(n * 1000, "SALE", total, at)] if transactions is None else transactions
    refund_txns = [t for r in refunds for t in r["transactions"]["nodes"]]
    base = {
        "id": f"gid://shopify/Order/{5500000000000 + n}", "legacyResourceId": str(5500000000000 + n),
        "name": f"#{n}", "processedAt": at, "updatedAt": at, "cancelledAt": None, "test": False,
        "taxesIncluded": True, "currencyCode": "ZAR", "paymentGatewayNames": ["PayFast"],
        "totalPriceSet": money(total),
        "shippingAddress": {"countryCodeV2": country} if country else None,
        "lineItems": {"pageInfo": DONE, "nodes": lines},
        "shippingLines": {"pageInfo": DONE, "nodes": list(ships)},
        "refunds": list(refunds), "transactions": [*paid, *refund_txns],
    }  # fmt: skip
    base.update(overrides)
    return base


def frames(raw: list[dict[str, Any]]) -> tuple[PostingFrames, RefundFrames]:
    """Both sides of the orders through their flatten and validate steps, as the flow runs them."""
    orders = validate_posting_orders(flatten_posting_orders(raw), "ZAR")
    money_side = validate_refunds.fn(flatten_refunds.fn(raw), "ZAR")
    assert orders.rejected == []
    assert money_side.rejected == []
    return orders, money_side
