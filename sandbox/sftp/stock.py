"""The simulated 3PL's stock book: stock on hand per (sku, site) at any instant, reorder levels per SKU."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

DEFAULT_SITE = "JHB-DC1"
Key = tuple[str, str]  # (sku, site)


@dataclass(frozen=True)
class StockLine:
    """Opening stock of one SKU at one site; `reorder_level` is per SKU (the last one given wins)."""

    sku: str
    quantity: int
    site: str = DEFAULT_SITE
    reorder_level: int | None = None


@dataclass(frozen=True)
class StockRow:
    """One row of a stock file: what is on hand at a site at the file's `as_of`."""

    sku: str
    location: str
    quantity: int
    reorder_level: int | None


class StockBook:
    """Opening stock plus dated movements, so the stock at any instant can be told.

    Movements are kept with their instant (a shipment's `shipped_at`, an adjustment's moment), which is
    what lets a stock file leave out shipments after its `as_of`. Floors are not enforced: a stand-in 3PL
    still ships what it is told to, and its stock may go negative.
    """

    def __init__(self, opening: Iterable[StockLine] = ()) -> None:
        self._opening: dict[Key, int] = {}
        self._keys: set[Key] = set()
        self._reorder: dict[str, int] = {}
        self._moves: list[tuple[datetime, Key, int]] = []
        for line in opening:
            key = (_text(line.sku, "sku"), _text(line.site, "site"))
            self._keys.add(key)
            self._opening[key] = self._opening.get(key, 0) + _integer(line.quantity, "quantity")
            if line.reorder_level is not None:
                self.set_reorder_level(line.sku, line.reorder_level)

    def stocks(self, sku: str, site: str) -> bool:
        """Whether the book keeps `sku` at `site` (opening stock, or an adjustment made it appear)."""
        return (sku, site) in self._keys

    def knows(self, sku: str) -> bool:
        """Whether the book keeps `sku` at any site."""
        return any(key[0] == sku for key in self._keys)

    def move(self, sku: str, site: str, delta: int, at: datetime) -> None:
        """Record a movement of `delta` units of `sku` at `site` happening at instant `at`."""
        key = (_text(sku, "sku"), _text(site, "site"))
        self._moves.append((at, key, _integer(delta, "delta")))
        self._keys.add(key)

    def set_reorder_level(self, sku: str, level: int | None) -> None:
        """Set (or with None clear) the reorder level of `sku`."""
        if level is None:
            self._reorder.pop(sku, None)
        elif _integer(level, "reorder level") < 0:
            raise ValueError(f"a reorder level cannot be negative: {level}")
        else:
            self._reorder[sku] = level

    def rows(self, as_of: datetime) -> list[StockRow]:
        """Stock on hand at `as_of` (movements at or before it), one row per (sku, site), sorted."""
        totals = dict(self._opening)
        for at, key, delta in self._moves:
            if at <= as_of:
                totals[key] = totals.get(key, 0) + delta
        return [
            StockRow(sku, site, qty, self._reorder.get(sku)) for (sku, site), qty in sorted(totals.items())
        ]


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return value
