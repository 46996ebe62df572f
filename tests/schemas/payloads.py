"""Hand-built order payloads with refunds and transactions, shaped like the sandbox's replies to
`ORDERS_MONEY_PAGE`. One ZAR order (VAT included at 15%):

    MUG-BLUE  2 x R115.00 less R10.00 discount = R220.00  (VAT 220 x 15/115 = 28.695... -> R28.70)
    TEE-BLK-M 1 x R109.00                      = R109.00  (VAT 109 x 15/115 = 14.217... -> R14.22)
    shipping                                   =  R60.00  (VAT  60 x 15/115 =  7.826... ->  R7.83)
    total paid by PayFast (one SALE)           = R389.00
"""

from __future__ import annotations

import copy
from typing import Any

WAREHOUSE = "gid://shopify/Location/7000000000001"
MUG, TEE = 11, 12  # line numbers in every order
PAID = "389.00"


def money(amount: str, currency: str = "ZAR") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency},
            "presentmentMoney": {"amount": amount, "currencyCode": currency}}  # fmt: skip


def order_gid(n: int) -> str:
    return f"gid://shopify/Order/{5500000000000 + n}"


def line_gid(n: int, line: int) -> str:
    return f"gid://shopify/LineItem/{n * 100 + line}"


def txn(tid: int, kind: str, amount: str, *, status: str = "SUCCESS", gateway: str | None = "PayFast",
        at: str = "2026-10-14T08:00:00Z", parent: int | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "id": f"gid://shopify/OrderTransaction/{tid}",
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "formattedGateway": gateway,
        "amountSet": money(amount),
        "createdAt": at,
        "processedAt": at if status == "SUCCESS" else None,
        "test": False,
        "parentTransaction": {"id": f"gid://shopify/OrderTransaction/{parent}"} if parent else None,
        "errorCode": None,
    }


def refund_line(rlid: int, n: int, line: int, qty: int, *, cents: tuple[str, str, str],
                restock: str = "NO_RESTOCK", restocked: bool = False) -> dict[str, Any]:  # fmt: skip
    """A refunded line; `cents` is (unit price, subtotal, tax) as Shopify's decimal strings."""
    unit, subtotal, tax = cents
    ordered = {MUG: 2, TEE: 1}.get(line, 5)
    return {
        "id": f"gid://shopify/RefundLineItem/{rlid}",
        "quantity": qty,
        "restockType": restock,
        "restocked": restocked,
        "lineItem": {
            "id": line_gid(n, line),
            "sku": {MUG: "MUG-BLUE", TEE: "TEE-BLK-M"}.get(line),
            "quantity": ordered,
        },
        "location": {"id": WAREHOUSE} if restocked else None,
        "priceSet": money(unit),
        "subtotalSet": money(subtotal),
        "totalTaxSet": money(tax),
    }


def refund_shipping(rsid: int, subtotal: str, tax: str) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/RefundShippingLine/{rsid}",
        "shippingLine": {"id": "gid://shopify/ShippingLine/1", "title": "The Courier Guy — Door to Door"},
        "subtotalAmountSet": money(subtotal),
        "taxAmountSet": money(tax),
    }


def refund(rid: int, total: str, *, lines: list[Any] | None = None, shipping: list[Any] | None = None,
           transactions: list[Any] | None = None, at: str = "2026-10-16T09:30:00Z",
           note: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "id": f"gid://shopify/Refund/{rid}",
        "legacyResourceId": str(rid),
        "createdAt": at,
        "updatedAt": at,
        "note": note,
        "totalRefundedSet": money(total),
        "refundLineItems": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": lines or []},
        "refundShippingLines": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": shipping or [],
        },
        "transactions": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": transactions or []},
    }


def order(n: int, refunds: list[dict[str, Any]], *, sale: str = PAID, **overrides: Any) -> dict[str, Any]:
    """Order #n paid `sale` by PayFast, with `refunds`; the order lists the refunds' transactions too."""
    sale_tx = txn(n * 1000, "SALE", sale, at="2026-10-14T08:00:00Z")
    refund_txs = [copy.deepcopy(t) for r in refunds for t in r["transactions"]["nodes"]]
    base: dict[str, Any] = {
        "id": order_gid(n),
        "name": f"#{n}",
        "updatedAt": "2026-10-16T09:30:00Z",
        "currencyCode": "ZAR",
        "refunds": copy.deepcopy(refunds),
        "transactions": [sale_tx, *refund_txs],
    }
    base.update(copy.deepcopy(overrides))
    return base


def back(tid: int, amount: str, n: int, at: str = "2026-10-16T09:30:00Z") -> dict[str, Any]:
    """The REFUND transaction paying `amount` back to the card of order n's SALE."""
    return txn(tid, "REFUND", amount, at=at, parent=n * 1000)


# The four hand-checked refunds, one order each.
def partial_line(n: int = 2001) -> dict[str, Any]:
    """One of the two mugs back: subtotal 220.00 / 2 = 110.00; VAT 28.70 / 2 = 14.35 (= 110 x 15/115)."""
    rl = refund_line(n * 10 + 1, n, MUG, 1, cents=("110.00", "110.00", "14.35"))
    return order(n, [refund(n * 10, "110.00", lines=[rl], transactions=[back(n * 1000 + 1, "110.00", n)])])


def shipping_only(n: int = 2002) -> dict[str, Any]:
    """Shipping only: R60.00 with VAT 7.83 (= 60 x 15/115 = 7.826...)."""
    rs = refund_shipping(n * 10 + 1, "60.00", "7.83")
    return order(n, [refund(n * 10, "60.00", shipping=[rs], transactions=[back(n * 1000 + 1, "60.00", n)])])


def with_restock(n: int = 2003) -> dict[str, Any]:
    """The tee returned to the warehouse and restocked: R109.00, VAT 14.22 (= 109 x 15/115 = 14.217...)."""
    rl = refund_line(
        n * 10 + 1, n, TEE, 1, cents=("109.00", "109.00", "14.22"), restock="RETURN", restocked=True
    )
    return order(n, [refund(n * 10, "109.00", lines=[rl], transactions=[back(n * 1000 + 1, "109.00", n)])])


def full(n: int = 2004) -> dict[str, Any]:
    """Everything back: 220.00 + 109.00 + 60.00 = 389.00 (VAT 28.70 + 14.22 + 7.83 = 50.75)."""
    lines = [
        refund_line(
            n * 10 + 1, n, MUG, 2, cents=("110.00", "220.00", "28.70"), restock="CANCEL", restocked=True
        ),
        refund_line(
            n * 10 + 2, n, TEE, 1, cents=("109.00", "109.00", "14.22"), restock="CANCEL", restocked=True
        ),
    ]
    ship = [refund_shipping(n * 10 + 3, "60.00", "7.83")]
    paid_back = [back(n * 1000 + 1, PAID, n)]
    return order(n, [refund(n * 10, PAID, lines=lines, shipping=ship, transactions=paid_back)])
