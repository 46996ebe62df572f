"""GraphQL documents the Shopify client sends (Admin API, pinned version); field names are Shopify's."""

MONEY = "fragment Money on MoneyBag { shopMoney { amount currencyCode } }"

ORDER_FIELDS = """
fragment OrderFields on Order {
  id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason closed test
  taxesIncluded currencyCode displayFinancialStatus displayFulfillmentStatus paymentGatewayNames tags
  email phone requiresShipping
  totalPriceSet { ...Money } subtotalPriceSet { ...Money } totalTaxSet { ...Money }
  totalDiscountsSet { ...Money } totalShippingPriceSet { ...Money } totalRefundedSet { ...Money }
  shippingAddress { name firstName lastName company address1 address2 city province provinceCode zip
                    country countryCodeV2 phone }
  shippingLines(first: 2) { pageInfo { hasNextPage endCursor } nodes { ...ShippingLineFields } }
  lineItems(first: 5) { pageInfo { hasNextPage endCursor } nodes { ...LineItemFields } }
  fulfillmentOrders(first: 2) {
    pageInfo { hasNextPage endCursor }
    nodes { ...FulfillmentOrderFields }
  }
}
"""

SHIPPING_LINE_FIELDS = """
fragment ShippingLineFields on ShippingLine {
  title code source originalPriceSet { ...Money } discountedPriceSet { ...Money }
  taxLines { title rate priceSet { ...Money } }
}
"""

LINE_ITEM_FIELDS = """
fragment LineItemFields on LineItem {
  id sku name quantity currentQuantity requiresShipping taxable isGiftCard
  originalUnitPriceSet { ...Money } discountedTotalSet(withCodeDiscounts: true) { ...Money }
  taxLines { title rate priceSet { ...Money } }
  discountAllocations { allocatedAmountSet { ...Money } }
}
"""

FULFILLMENT_ORDER_FIELDS = """
fragment FulfillmentOrderFields on FulfillmentOrder {
  id status assignedLocation { location { id } }
  lineItems(first: 5) { pageInfo { hasNextPage endCursor } nodes { ...FulfillmentOrderLineItemFields } }
}
"""

FULFILLMENT_ORDER_LINE_ITEM_FIELDS = """
fragment FulfillmentOrderLineItemFields on FulfillmentOrderLineItem {
  totalQuantity remainingQuantity lineItem { id }
}
"""

ORDERS_PAGE = (
    """
query OrdersPage($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}
"""
    + ORDER_FIELDS
    + SHIPPING_LINE_FIELDS
    + LINE_ITEM_FIELDS
    + FULFILLMENT_ORDER_FIELDS
    + FULFILLMENT_ORDER_LINE_ITEM_FIELDS
    + MONEY
)


def _follow_up(name: str, parent: str, connection: str, fragment: str, *fragments: str) -> str:
    """The rest of one nested connection, fetched through its parent with ``first``/``after``."""
    return f"""
query {name}($id: ID!, $first: Int!, $after: String) {{
  {parent}(id: $id) {{
    {connection}(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ ...{fragment} }}
    }}
  }}
}}
""" + "".join(fragments)


ORDER_LINE_ITEMS = _follow_up(
    "OrderLineItems", "order", "lineItems", "LineItemFields", LINE_ITEM_FIELDS, MONEY
)
ORDER_SHIPPING_LINES = _follow_up(
    "OrderShippingLines", "order", "shippingLines", "ShippingLineFields", SHIPPING_LINE_FIELDS, MONEY
)
ORDER_FULFILLMENT_ORDERS = _follow_up(
    "OrderFulfillmentOrders",
    "order",
    "fulfillmentOrders",
    "FulfillmentOrderFields",
    FULFILLMENT_ORDER_FIELDS,
    FULFILLMENT_ORDER_LINE_ITEM_FIELDS,
)
FULFILLMENT_ORDER_LINE_ITEMS = _follow_up(
    "FulfillmentOrderLineItems",
    "fulfillmentOrder",
    "lineItems",
    "FulfillmentOrderLineItemFields",
    FULFILLMENT_ORDER_LINE_ITEM_FIELDS,
)

ORDERS_COUNT = """
query OrdersCount($query: String) { ordersCount(query: $query, limit: null) { count precision } }
"""

ACCESS_SCOPES = "query AccessScopes { currentAppInstallation { accessScopes { handle } } }"
