"""GraphQL documents for bulk operations: the orders query (ORDER_FIELDS' fields, unpaged) and its admin."""

from __future__ import annotations

import json

from clients.shopify_windows import sort_key

_MONEY = "{ shopMoney { amount currencyCode } }"

# The same fields as `shopify_queries.ORDER_FIELDS` and its fragments, written out (a bulk query is one
# document): connections lose first/pageInfo and name their nodes' __typename, which is how a child line
# of the result says which connection it belongs to (groupObjects false scatters children, peers.md §1).
_ORDER_BODY = f"""
  id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason closed test
  taxesIncluded currencyCode displayFinancialStatus displayFulfillmentStatus paymentGatewayNames tags
  email phone requiresShipping
  totalPriceSet {_MONEY} subtotalPriceSet {_MONEY} totalTaxSet {_MONEY}
  totalDiscountsSet {_MONEY} totalShippingPriceSet {_MONEY} totalRefundedSet {_MONEY}
  shippingAddress {{ name firstName lastName company address1 address2 city province provinceCode zip
                    country countryCodeV2 phone }}
  shippingLines {{ edges {{ node {{ __typename id
    title code source originalPriceSet {_MONEY} discountedPriceSet {_MONEY}
    taxLines {{ title rate priceSet {_MONEY} }}
  }} }} }}
  lineItems {{ edges {{ node {{ __typename
    id sku name quantity currentQuantity requiresShipping taxable isGiftCard
    originalUnitPriceSet {_MONEY} discountedTotalSet(withCodeDiscounts: true) {_MONEY}
    taxLines {{ title rate priceSet {_MONEY} }}
    discountAllocations {{ allocatedAmountSet {_MONEY} }}
  }} }} }}
  fulfillmentOrders {{ edges {{ node {{ __typename
    id status assignedLocation {{ location {{ id }} }}
    lineItems {{ edges {{ node {{ __typename id totalQuantity remainingQuantity lineItem {{ id }} }} }} }}
  }} }} }}
"""

# Children come back in no particular order (even siblings), so they are put back in the connection's
# order, ascending id; these types' ids are selected for that alone and dropped from the result.
SORT_ONLY_ID = frozenset({"ShippingLine", "FulfillmentOrderLineItem"})
# typename of a child line → (typename of its parent, or None for an order; connection it belongs to)
CHILD_CONNECTIONS: dict[str, tuple[str | None, str]] = {
    "ShippingLine": (None, "shippingLines"),
    "LineItem": (None, "lineItems"),
    "FulfillmentOrder": (None, "fulfillmentOrders"),
    "FulfillmentOrderLineItem": ("FulfillmentOrder", "lineItems"),
}

RUN_QUERY = """
mutation BulkOrders($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION = """
query BulkOperation($id: ID!) {
  bulkOperation(id: $id) {
    id status errorCode objectCount rootObjectCount fileSize url partialDataUrl
  }
}
"""

CANCEL = """
mutation BulkCancel($id: ID!) {
  bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } }
}
"""


def bulk_orders_query(search: str, field: str) -> str:
    """The bulk query document for the orders matching ``search``, sorted on ``field``.

    Args:
        search: Shopify search syntax (e.g. `OrderWindow.search_query`), embedded as a GraphQL string.
        field: ``processed_at``, ``updated_at`` or ``created_at``.
    """
    return (
        f"{{ orders(query: {json.dumps(search)}, sortKey: {sort_key(field)}) "
        f"{{ edges {{ node {{ {_ORDER_BODY} }} }} }} }}"
    )
