"""A loopback stand-in for the Xero Accounting API (OAuth2, documents, limits, idempotency, faults)."""
