"""Shopify Admin GraphQL stand-in: a real HTTP server on loopback (see README.md)."""
