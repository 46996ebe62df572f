"""Shopify orders, refunds and stock to the warehouse and the books, exactly once."""
