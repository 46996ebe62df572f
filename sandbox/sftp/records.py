"""The rows the simulated 3PL writes back: ACK, ERR and SHIP file lines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ack:
    """An ACK file row."""

    order_number: str
    record_type: str
    status: str  # ACCEPTED | CANCELLED


@dataclass(frozen=True)
class Rejection:
    """An ERR file row."""

    order_number: str
    line_number: str
    sku: str
    reason: str


@dataclass(frozen=True)
class ShippedLine:
    """A SHIP file row."""

    order_number: str
    sku: str
    quantity: int
    carrier: str
    tracking_number: str
    shipped_at: str
