"""Shopify-looking global ids: ``gid://shopify/Type/5512345678901`` with increasing 13-digit numbers."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

GID_PATTERN = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<num>\d+)(?:\?.*)?$")

_BASES = {
    "Order": 6_100_000_000_000,
    "LineItem": 1_540_000_000_000,
    "Customer": 7_300_000_000_000,
    "Refund": 9_120_000_000_000,
    "RefundLineItem": 5_020_000_000_000,
    "RefundShippingLine": 5_030_000_000_000,
    "OrderTransaction": 6_600_000_000_000,
    "Fulfillment": 5_400_000_000_000,
    "FulfillmentLineItem": 1_180_000_000_000,
    "FulfillmentOrder": 6_800_000_000_000,
    "FulfillmentOrderLineItem": 1_420_000_000_000,
    "ShippingLine": 4_700_000_000_000,
    "Location": 7_010_000_000_000,
    "Product": 8_200_000_000_000,
    "ProductVariant": 4_450_000_000_000,
    "InventoryItem": 4_610_000_000_000,
    "InventoryAdjustmentGroup": 2_130_000_000_000,
    "MailingAddress": 9_870_000_000_000,
}


def gid(kind: str, number: int) -> str:
    """``gid://shopify/{kind}/{number}``."""
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str) -> tuple[str, int] | None:
    """``(type, number)`` of a Shopify gid, or ``None`` if it is not one."""
    match = GID_PATTERN.match(value or "")
    if not match:
        return None
    return match.group("type"), int(match.group("num"))


def legacy_id(value: str) -> str:
    """The ``legacyResourceId`` (numeric part, as a string) of a gid."""
    parsed = parse_gid(value)
    if parsed is None:
        raise ValueError(f"not a Shopify gid: {value!r}")
    return str(parsed[1])


class IdFactory:
    """Hands out increasing numeric ids per type, with seeded gaps (ids are shared by all shops)."""

    def __init__(self, rng: random.Random) -> None:
        """Create a factory drawing its gaps from ``rng``."""
        self._rng = rng
        self._last: dict[str, int] = dict(_BASES)

    def observe(self, gids: Iterable[str]) -> None:
        """Make future ids larger than every id in ``gids`` (used after loading recorded data)."""
        for value in gids:
            parsed = parse_gid(value)
            if parsed and parsed[1] > self._last.get(parsed[0], 0):
                self._last[parsed[0]] = parsed[1]

    def number(self, kind: str) -> int:
        """Next numeric id for ``kind``."""
        value = self._last.get(kind, 1_000_000_000_000) + self._rng.randint(1, 9_973)
        self._last[kind] = value
        return value

    def new(self, kind: str) -> str:
        """Next gid for ``kind``."""
        return gid(kind, self.number(kind))
