"""The served 3PL's `/_sandbox/warehouse/...` admin routes, served (loopback only) by the Shopify sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from sandbox.clock import iso, parse_instant
from sandbox.sftp.stock import StockRow
from sandbox.sftp.threepl import ThreePL
from sandbox.shopify.admin import admin, body
from sandbox.shopify.state import SandboxState


class WarehouseAdmin:
    """Lets the product's tests and the demo ask the running 3PL for stock files and plant differences."""

    def __init__(self, threepl: ThreePL) -> None:
        self._threepl = threepl

    def routes(self) -> list[BaseRoute]:
        """The routes, each wrapped in the Shopify sandbox's loopback check and error mapping."""
        return [
            Route("/_sandbox/warehouse/stock", admin(self.stock), methods=["GET"]),
            Route("/_sandbox/warehouse/stock-file", admin(self.stock_file), methods=["POST"]),
            Route("/_sandbox/warehouse/adjust", admin(self.adjust), methods=["POST"]),
            Route("/_sandbox/warehouse/reorder-level", admin(self.reorder_level), methods=["POST"]),
        ]

    async def stock(self, request: Request, _: SandboxState) -> dict[str, Any]:
        """`GET /_sandbox/warehouse/stock[?as_of=ISO]`: what a stock file for that instant would hold."""
        as_of = request.query_params.get("as_of")
        at, rows = await asyncio.to_thread(
            self._threepl.stock_on_hand, parse_instant(as_of) if as_of else None
        )
        return {"as_of": iso(at), "site": self._threepl.stock_site, "stock": [_row(r) for r in rows]}

    async def stock_file(self, request: Request, _: SandboxState) -> dict[str, Any]:
        """`POST /_sandbox/warehouse/stock-file` `{as_of?, half?, hold_seconds?, bad_row?}`: `{file_name}`."""
        data = await body(request)
        as_of = data.get("as_of")
        if as_of is not None and not isinstance(as_of, str):
            raise ValueError("as_of must be an ISO-8601 instant")
        hold = data.get("hold_seconds", 0)
        if isinstance(hold, bool) or not isinstance(hold, int | float):
            raise ValueError("hold_seconds must be a number")
        path = await asyncio.to_thread(
            self._threepl.write_stock_file, parse_instant(as_of) if as_of else None,
            half=_flag(data, "half"), hold=float(hold), bad_row=_flag(data, "bad_row"),
        )  # fmt: skip
        return {"file_name": path.name}

    async def adjust(self, request: Request, _: SandboxState) -> dict[str, Any]:
        """`POST /_sandbox/warehouse/adjust` `{sku, delta, site?}` → `{sku, location, quantity}` (now)."""
        data = await body(request)
        sku: Any = data.get("sku")  # checked by the 3PL: a bad value is a 400
        site: Any = data.get("site", self._threepl.stock_site)
        delta: Any = data.get("delta")
        quantity = await asyncio.to_thread(self._threepl.adjust_stock, sku, site, delta)
        return {"sku": sku, "location": site, "quantity": quantity}

    async def reorder_level(self, request: Request, _: SandboxState) -> dict[str, Any]:
        """`POST /_sandbox/warehouse/reorder-level` `{sku, level}` (level null: none); 404 if not stocked."""
        data = await body(request)
        if "level" not in data:
            raise ValueError("level is required (null for none)")
        sku: Any = data.get("sku")
        await asyncio.to_thread(self._threepl.set_reorder_level, sku, data["level"])
        return {"sku": sku, "reorder_level": data["level"]}


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _row(row: StockRow) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "location": row.location,
        "quantity": row.quantity,
        "reorder_level": row.reorder_level,
    }
