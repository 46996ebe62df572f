"""GCS-like signed result URLs (V2 style, as in Airbyte's fixtures) and their checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

STORAGE_PATH = "/_sandbox/storage/bulk"
ACCESS_ID = "bulk-operations@shopify-sandbox.iam.gserviceaccount.com"


def signature(number: int, expires: int, secret: bytes) -> str:
    """The URL's signature over the operation number and the expiry."""
    digest = hmac.new(secret, f"{number}:{expires}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(base_url: str, number: int, expires_at: datetime, secret: bytes) -> str:
    """``{base}/_sandbox/storage/bulk/N.jsonl?GoogleAccessId=…&Expires=…&Signature=…&response-…``."""
    expires = int(expires_at.timestamp())
    name = f"bulk-{number}.jsonl"
    query = urlencode(
        {
            "GoogleAccessId": ACCESS_ID,
            "Expires": expires,
            "Signature": signature(number, expires, secret),
            "response-content-disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}",
            "response-content-type": "application/jsonl",
        }
    )
    return f"{base_url.rstrip('/')}{STORAGE_PATH}/{number}.jsonl?{query}"


def gcs_error(code: str, message: str, details: str = "") -> str:
    """A GCS-style XML error body (shape after GCS's XML API; exact texts unconfirmed)."""
    extra = f"<Details>{details}</Details>" if details else ""
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
        f"{extra}</Error>"
    )
