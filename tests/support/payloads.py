"""Hand-built Shopify order payloads (Admin GraphQL shape) for transform tests."""

from __future__ import annotations

import copy
from typing import Any

WAREHOUSE = "gid://shopify/Location/7000000000001"
STORE = "gid://shopify/Location/7000000000002"


def money(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "ZAR"}}


def line(n: int, sku: str | None, qty: int, unit: str, *, discount: str = "0.00", ships: bool = True,
         current: int | None = None) -> dict[str, Any]:  # fmt: skip
    cents = round(float(unit) * 100) * qty - round(float(discount) * 100)
    return {
        "id": f"gid://shopify/LineItem/{n}",
        "sku": sku,
        "name": f"Item {sku}",
        "quantity": qty,
        "currentQuantity": qty if current is None else current,
        "requiresShipping": ships,
        "taxable": True,
        "originalUnitPriceSet": money(unit),
        "discountedTotalSet": money(f"{cents // 100}.{cents % 100:02d}"),
        "taxLines": [{"title": "VAT", "rate": 0.15, "priceSet": money("1.00")}],
        "discountAllocations": [{"allocatedAmountSet": money(discount)}] if discount != "0.00" else [],
    }


def fulfillment_order(
    n: int, location: str, items: list[tuple[int, int]], status: str = "OPEN", *, shipped: int = 0
) -> dict[str, Any]:
    """A fulfilment order at `location` for (line item, quantity) pairs; `shipped` units already gone
    per line."""
    return {
        "id": f"gid://shopify/FulfillmentOrder/{n}",
        "status": status,
        "assignedLocation": {"location": {"id": location}},
        "lineItems": {
            "nodes": [
                {
                    "totalQuantity": q,
                    "remainingQuantity": q - min(shipped, q),
                    "lineItem": {"id": f"gid://shopify/LineItem/{li}"},
                }
                for li, q in items
            ]
        },
    }


def order(n: int = 1001, **overrides: Any) -> dict[str, Any]:
    """A paid ZAR order with two warehouse lines, shipped to Cape Town."""
    base: dict[str, Any] = {
        "id": f"gid://shopify/Order/{5500000000000 + n}",
        "legacyResourceId": str(5500000000000 + n),
        "name": f"#{n}",
        "createdAt": "2026-10-14T08:00:00Z",
        "updatedAt": "2026-10-14T08:05:00Z",
        "processedAt": "2026-10-14T08:00:00Z",
        "cancelledAt": None,
        "cancelReason": None,
        "closed": False,
        "test": False,
        "taxesIncluded": True,
        "currencyCode": "ZAR",
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "paymentGatewayNames": ["PayFast"],
        "tags": [],
        "email": "thandi@example.co.za",
        "phone": None,
        "requiresShipping": True,
        "totalPriceSet": money("379.00"),
        "subtotalPriceSet": money("329.00"),
        "totalTaxSet": money("49.43"),
        "totalDiscountsSet": money("10.00"),
        "totalShippingPriceSet": money("60.00"),
        "totalRefundedSet": money("0.00"),
        "shippingAddress": {
            "name": "Thandi Nkosi",
            "firstName": "Thandi",
            "lastName": "Nkosi",
            "company": None,
            "address1": "12 Long Street",
            "address2": None,
            "city": "Cape Town",
            "province": "Western Cape",
            "provinceCode": "WC",
            "zip": "8001",
            "country": "South Africa",
            "countryCodeV2": "ZA",
            "phone": "+27 82 555 0101",
        },
        "shippingLines": {
            "nodes": [
                {
                    "title": "Courier Guy Overnight",
                    "code": "overnight",
                    "source": "shopify",
                    "originalPriceSet": money("60.00"),
                    "discountedPriceSet": money("60.00"),
                    "taxLines": [],
                }
            ]
        },
        "lineItems": {
            "nodes": [
                line(n * 10 + 1, "MUG-BLUE", 2, "115.00", discount="10.00"),
                line(n * 10 + 2, "TEE-BLK-M", 1, "109.00"),
            ]
        },
        "fulfillmentOrders": {"nodes": [fulfillment_order(n, WAREHOUSE, [(n * 10 + 1, 2), (n * 10 + 2, 1)])]},
    }
    base.update(copy.deepcopy(overrides))
    return base
