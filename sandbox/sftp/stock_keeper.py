"""The simulated 3PL's stock side: the book it keeps, the STOCK files it writes, the differences planted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from sandbox.clock import parse_instant
from sandbox.sftp.records import ShippedLine
from sandbox.sftp.stock import StockBook, StockLine, StockRow
from sandbox.sftp.stock_files import StockFiles


class StockKeeper:
    """Mixed into `ThreePL`: each public method takes the 3PL's lock, so it is safe beside the polling thread.

    Stock files are stamped by `clock` (default: the wall clock) truncated to whole seconds; a file holds
    every movement at or before its `as_of` and none after it.
    """

    _lock: threading.Lock  # the 3PL's; held by its polling cycle

    def _init_stock(
        self, outbound: Path, journal: Path, *, stock: Iterable[StockLine], site: str, every: float | None,
        clock: Callable[[], datetime] | None, unknown: Callable[[str], bool],
    ) -> None:  # fmt: skip
        if every is not None and every <= 0:
            raise ValueError("stock_every must be a positive number of seconds (or None for off)")
        self.stock_site, self.stock_journal, self._unknown = site, journal, unknown
        self._stock = StockBook(line for line in stock if not unknown(line.sku))
        self._stock_files = StockFiles(outbound, journal)
        self._stock_every, self._stock_clock = every, clock
        self._stock_last: float | None = None  # monotonic time of the last periodic file

    def write_stock_file(
        self, as_of: datetime | None = None, *, half: bool = False, hold: float = 0.0, bad_row: bool = False
    ) -> Path:
        """Write `STOCK_<yyyymmddTHHMMSSZ>.csv` (a repeat gets `_2`, …) to outbound/: the stock at `as_of`.

        Args:
            as_of: an aware instant (whole seconds are kept); default now by the stock clock.
            half: write it in place under its final name, only its first half; the rest follows on the
                first polling cycle at least `hold` seconds later, or on `finish_half_written()`.
            hold: see `half`.
            bad_row: spoil the first row's quantity (`<q>.5`; a row without a SKU if there is none).

        Returns:
            The file's path.
        """
        if hold < 0:
            raise ValueError("hold cannot be negative")
        with self._lock:
            return self._write_stock(as_of, half=half, hold=hold, bad_row=bad_row)

    def finish_half_written(self) -> list[Path]:
        """Write the rest of every half-written stock file now; returns the files completed."""
        with self._lock:
            return self._stock_files.finish()

    def adjust_stock(self, sku: str, site: str, delta: int) -> int:
        """Plant a difference now: `delta` units of `sku` at `site` appear (phantom stock) or vanish (a
        miscount). Returns the quantity now on hand there."""
        _require_sku(sku)
        if self._unknown(sku):
            raise ValueError(f"the 3PL does not stock {sku!r}: it rejects that SKU as unknown")
        with self._lock:
            now = self._stock_instant(None)
            self._stock.move(sku, site, delta, now)
            return next(r.quantity for r in self._stock.rows(now) if (r.sku, r.location) == (sku, site))

    def set_reorder_level(self, sku: str, level: int | None) -> None:
        """Set the reorder level of a SKU the 3PL stocks (None: no reorder level); KeyError if it does not."""
        _require_sku(sku)
        with self._lock:
            if not self._stock.knows(sku):
                raise KeyError(sku)
            self._stock.set_reorder_level(sku, level)

    def stock_on_hand(self, as_of: datetime | None = None) -> tuple[datetime, list[StockRow]]:
        """The instant (whole seconds) and the rows a stock file written for `as_of` would hold."""
        with self._lock:
            at = self._stock_instant(as_of)
            return at, self._stock.rows(at)

    def _stock_instant(self, as_of: datetime | None) -> datetime:
        at = as_of if as_of is not None else self._stock_clock() if self._stock_clock else datetime.now(UTC)
        if at.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        return at.astimezone(UTC).replace(microsecond=0)

    def _write_stock(self, as_of: datetime | None, *, half: bool, hold: float, bad_row: bool) -> Path:
        at = self._stock_instant(as_of)
        due = time.monotonic() + hold
        return self._stock_files.write(self._stock.rows(at), at, half=half, bad_row=bad_row, due=due)

    def _stock_cycle(self, now: float) -> None:
        """Part of a polling cycle (lock held): finish due half-written files, write the periodic one."""
        self._stock_files.finish(now)
        every, last = self._stock_every, self._stock_last
        if every is not None and (last is None or now - last >= every):
            self._stock_last = now
            self._write_stock(None, half=False, hold=0.0, bad_row=False)

    def _stock_shipped(self, lines: Iterable[ShippedLine]) -> None:
        """Shipped lines leave the shipping site at their `shipped_at` (SKUs the book keeps there only)."""
        for line in lines:
            if self._stock.stocks(line.sku, self.stock_site):
                self._stock.move(line.sku, self.stock_site, -line.quantity, parse_instant(line.shipped_at))


def _require_sku(sku: object) -> None:
    if not isinstance(sku, str) or not sku.strip():
        raise ValueError(f"sku must be a non-empty string, not {sku!r}")
