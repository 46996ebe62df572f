"""GraphQL documents for the money and stock lines: orders with their refunds and transactions, and inventory
levels per location (Admin API, pinned version; field names are Shopify's)."""

from clients.shopify_queries import MONEY

TRANSACTION_FIELDS = """
fragment TransactionFields on OrderTransaction {
  id kind status gateway formattedGateway amountSet { ...Money } createdAt processedAt test
  parentTransaction { id } errorCode
}
"""

REFUND_LINE_ITEM_FIELDS = """
fragment RefundLineItemFields on RefundLineItem {
  id quantity restockType restocked lineItem { id sku quantity } location { id }
  priceSet { ...Money } subtotalSet { ...Money } totalTaxSet { ...Money }
}
"""

REFUND_SHIPPING_LINE_FIELDS = """
fragment RefundShippingLineFields on RefundShippingLine {
  id shippingLine { id title } subtotalAmountSet { ...Money } taxAmountSet { ...Money }
}
"""

# Order.refunds and Order.transactions are plain lists: asked for without `first` so none is cut off
# unseen. A refund's own connections carry pageInfo; the transform refuses a refund whose page was cut.
REFUND_FIELDS = """
fragment RefundFields on Refund {
  id legacyResourceId createdAt updatedAt note totalRefundedSet { ...Money }
  refundLineItems(first: 5) { pageInfo { hasNextPage endCursor } nodes { ...RefundLineItemFields } }
  refundShippingLines(first: 1) { pageInfo { hasNextPage endCursor } nodes { ...RefundShippingLineFields } }
  transactions(first: 2) { pageInfo { hasNextPage endCursor } nodes { ...TransactionFields } }
}
"""

ORDER_MONEY_FIELDS = """
fragment OrderMoneyFields on Order {
  id name updatedAt currencyCode
  refunds { ...RefundFields }
  transactions { ...TransactionFields }
}
"""

ORDERS_MONEY_PAGE = (
    """
query OrdersMoneyPage($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderMoneyFields }
  }
}
"""
    + ORDER_MONEY_FIELDS
    + REFUND_FIELDS
    + REFUND_LINE_ITEM_FIELDS
    + REFUND_SHIPPING_LINE_FIELDS
    + TRANSACTION_FIELDS
    + MONEY
)

# every name Shopify keeps per level; `safety_stock` is stock set aside, not a reorder threshold
INVENTORY_QUANTITY_NAMES = (
    "available", "on_hand", "committed", "incoming", "reserved", "damaged", "quality_control", "safety_stock",
)  # fmt: skip

_NAMES = ", ".join(f'"{name}"' for name in INVENTORY_QUANTITY_NAMES)
INVENTORY_LEVEL_FIELDS = f"""
fragment InventoryLevelFields on InventoryLevel {{
  id updatedAt location {{ id }} item {{ id sku }}
  quantities(names: [{_NAMES}]) {{ name quantity }}
}}
"""

LOCATIONS_PAGE = """
query LocationsPage($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true, includeLegacy: true) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId name isActive fulfillsOnlineOrders }
  }
}
"""

LOCATION_INVENTORY_LEVELS = (
    """
query LocationInventoryLevels($id: ID!, $first: Int!, $after: String, $query: String) {
  location(id: $id) {
    id
    inventoryLevels(first: $first, after: $after, query: $query) {
      pageInfo { hasNextPage endCursor }
      nodes { ...InventoryLevelFields }
    }
  }
}
"""
    + INVENTORY_LEVEL_FIELDS
)
