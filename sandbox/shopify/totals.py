"""Derive an order's totals and statuses from its parts (lines, shipping, refunds, payments, fulfilments).

Identities kept for every order (shop money; presentment is the same in the ZAR-only sandbox):
  line.originalTotal      = line.originalUnitPrice × line.quantity
  line.discountedTotal    = line.originalTotal − Σ line.discountAllocations
  subtotalPrice           = Σ line.discountedTotal                      (VAT-inclusive)
  totalShippingPrice      = Σ shippingLine.originalPrice                (before shipping discounts)
  totalDiscounts          = Σ line allocations + Σ shipping allocations
  totalPrice              = Σ line.originalTotal + totalShippingPrice − totalDiscounts
                            (+ totalTax only when taxesIncluded is false)
  totalTax                = Σ line tax lines + Σ shipping tax lines     (included in the prices)
  totalRefunded           = Σ refund.totalRefunded = Σ successful REFUND transactions
  currentTotalPrice       = totalPrice − Σ max(refund contents, refund money)
  netPayment              = Σ successful SALE/CAPTURE − totalRefunded
  totalOutstanding        = currentTotalPrice − netPayment
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.shopify.money import ZERO, amount, bag, cents, total, vat_line
from sandbox.shopify.statuses import (
    PAID_KINDS,
    financial_status,
    fulfillment_orders,
    fulfillment_status,
    nodes,
    paid_total,
)

Order = dict[str, Any]


def is_export(order: Order) -> bool:
    """Zero-rated export: shipped outside South Africa."""
    address = order.get("shippingAddress") or {}
    return bool(address.get("countryCodeV2")) and address.get("countryCodeV2") != "ZA"


def recompute_taxes(order: Order) -> None:
    """Rebuild VAT tax lines on lines and shipping (call after lines, prices or the address change)."""
    export = is_export(order)
    for line in nodes(order.get("lineItems")):
        _line_money(line)
        gross = amount(line["discountedTotalSet"])
        line["taxLines"] = [vat_line(gross)] if line.get("taxable") and not export and gross else []
    for ship in nodes(order.get("shippingLines")):
        _shipping_money(ship)
        gross = amount(ship["discountedPriceSet"])
        ship["taxLines"] = [vat_line(gross)] if not export and gross else []


def _line_money(line: dict[str, Any]) -> None:
    quantity = int(line["quantity"])
    original = amount(line["originalUnitPriceSet"]) * quantity
    discount = total(a["allocatedAmountSet"] for a in line.get("discountAllocations", []))
    line["originalTotalSet"] = bag(original)
    line["totalDiscountSet"] = bag(discount)
    line["discountedTotalSet"] = bag(original - discount)
    line["discountedUnitPriceSet"] = bag(cents((original - discount) / quantity) if quantity else ZERO)


def _shipping_money(ship: dict[str, Any]) -> None:
    discount = total(a["allocatedAmountSet"] for a in ship.get("discountAllocations", []))
    ship["discountedPriceSet"] = bag(amount(ship["originalPriceSet"]) - discount)


def refund_contents(refund: dict[str, Any]) -> Decimal:
    """The value of what a refund gave back (lines and shipping), whatever money moved."""
    lines = total(r["subtotalSet"] for r in nodes(refund.get("refundLineItems")))
    shipping = total(r["subtotalAmountSet"] for r in nodes(refund.get("refundShippingLines")))
    return lines + shipping


def recompute(order: Order) -> None:
    """Recompute every derived field of ``order`` in place (money, quantities, statuses)."""
    lines = nodes(order.get("lineItems"))
    ships = nodes(order.get("shippingLines"))
    for line in lines:
        _line_money(line)
    for ship in ships:
        _shipping_money(ship)
    _quantities(order, lines)
    _money(order, lines, ships)
    fulfillment_orders(order)
    order["requiresShipping"] = any(line.get("requiresShipping") for line in lines)
    order["displayFinancialStatus"] = financial_status(order)
    order["displayFulfillmentStatus"] = fulfillment_status(order)


def _quantities(order: Order, lines: list[dict[str, Any]]) -> None:
    refunded: dict[str, int] = {}
    for refund in order.get("refunds", []):
        for item in nodes(refund.get("refundLineItems")):
            key = item["lineItem"]["id"]
            refunded[key] = refunded.get(key, 0) + int(item["quantity"])
    remaining: dict[str, int] = {}
    for fo in nodes(order.get("fulfillmentOrders")):
        for item in nodes(fo.get("lineItems")):
            key = item["lineItem"]["id"]
            remaining[key] = remaining.get(key, 0) + int(item["remainingQuantity"])
    for line in lines:
        current = max(0, int(line["quantity"]) - refunded.get(line["id"], 0))
        line["currentQuantity"] = current
        line["refundableQuantity"] = current
        line["unfulfilledQuantity"] = remaining.get(line["id"], 0)


def _money(order: Order, lines: list[dict[str, Any]], ships: list[dict[str, Any]]) -> None:
    line_discounts = total(line["totalDiscountSet"] for line in lines)
    ship_original = total(s["originalPriceSet"] for s in ships)
    ship_discounts = ship_original - total(s["discountedPriceSet"] for s in ships)
    tax = total(t["priceSet"] for item in [*lines, *ships] for t in item.get("taxLines", []))
    subtotal = total(line["originalTotalSet"] for line in lines) - line_discounts
    grand = subtotal + ship_original - ship_discounts + (ZERO if order.get("taxesIncluded", True) else tax)
    refunds = order.get("refunds", [])
    refunded = total(r["totalRefundedSet"] for r in refunds)
    removed = sum((max(refund_contents(r), amount(r["totalRefundedSet"])) for r in refunds), ZERO)
    received = paid_total(order, PAID_KINDS)
    current = max(ZERO, grand - removed)
    values = {
        "subtotalPriceSet": subtotal,
        "totalShippingPriceSet": ship_original,
        "totalDiscountsSet": line_discounts + ship_discounts,
        "totalTaxSet": tax,
        "totalPriceSet": grand,
        "totalRefundedSet": refunded,
        "totalReceivedSet": received,
        "netPaymentSet": received - refunded,
        "currentTotalPriceSet": current,
        "totalOutstandingSet": current - (received - refunded),
    }
    for key, value in values.items():
        order[key] = bag(value, order.get("currencyCode", "ZAR"))
