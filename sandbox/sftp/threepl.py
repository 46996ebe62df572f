"""A simulated 3PL: picks up complete order files from inbound/, answers in outbound/, ships later."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sandbox.sftp.fulfilment import OrderBook
from sandbox.sftp.orders_csv import FileRejected, OrderFile, parse_order_file
from sandbox.sftp.outbound import (
    append_jsonl,
    count_lines,
    received_entry,
    write_ack,
    write_errors,
    write_shipments,
)
from sandbox.sftp.records import Ack, Rejection
from sandbox.sftp.stock import DEFAULT_SITE, StockLine
from sandbox.sftp.stock_keeper import StockKeeper

log = logging.getLogger(__name__)


class ThreePL(StockKeeper):
    """Behaves like a WMS-backed 3PL polling its SFTP inbox (see sandbox/sftp/README.md for the rules).

    It works on the server's folder directly. `start()` polls in a daemon thread every `poll_interval`
    seconds; tests may instead call `process_once()` for deterministic steps. Files are picked up
    `pickup_delay` seconds after first being seen, plus a seeded random `0..pickup_jitter` seconds per
    file (so files are taken at unpredictable moments), and moved to `processed/` (or to `taken_dir`, out of
    the SFTP user's sight); answers follow `answer_delay` seconds later, shipments `ship_delay` seconds
    after acceptance. It keeps stock on hand per (sku, site), starting from `stock`: shipments leave
    `stock_site`; `write_stock_file()` (or every `stock_every` seconds) reports it in outbound/. Journals
    `received.jsonl`, `shipments.jsonl`, `stock.jsonl` are written to `journal_dir` (default: next to root).
    """

    def __init__(
        self,
        root: Path,
        *,
        pickup_delay: float = 0.0,
        pickup_jitter: float = 0.0,
        answer_delay: float = 0.0,
        taken_dir: Path | None = None,
        ship_delay: float = 2.0,
        poll_interval: float = 0.2,
        unknown_skus: Collection[str] = (),
        unknown_sku_prefix: str | None = "UNKNOWN-",
        partial_rate: float = 0.25,
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
        journal_dir: Path | None = None,
        stock: Iterable[StockLine] = (),
        stock_site: str = DEFAULT_SITE,
        stock_every: float | None = None,
        stock_clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.inbound, self.outbound = root / "inbound", root / "outbound"
        self.processed = taken_dir or root / "processed"
        for folder in (self.inbound, self.outbound, self.processed):
            folder.mkdir(parents=True, exist_ok=True)
        self.received_journal = (journal_dir or root.parent) / "received.jsonl"
        self.shipments_journal = (journal_dir or root.parent) / "shipments.jsonl"
        self._pickup_delay, self._ship_delay, self._poll_interval = pickup_delay, ship_delay, poll_interval
        self._pickup_jitter, self._pickup_rng = pickup_jitter, random.Random(f"pickup:{seed}")
        self._answer_delay, self._answers = answer_delay, list[tuple[float, Callable[[], object]]]()
        self._book = OrderBook(
            seed=seed, unknown_skus=unknown_skus, unknown_sku_prefix=unknown_sku_prefix,
            partial_rate=partial_rate, clock=clock,
        )  # fmt: skip
        self._ship_seq = count_lines(self.shipments_journal)  # SHIP numbering survives restarts
        self._init_stock(
            self.outbound, (journal_dir or root.parent) / "stock.jsonl", stock=stock, site=stock_site,
            every=stock_every, clock=stock_clock or clock, unknown=self._book.is_unknown_sku,
        )  # fmt: skip
        self._due: dict[str, float] = {}  # name -> monotonic time it may be picked up
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling in a background daemon thread."""
        if self._thread is not None:
            raise RuntimeError("the 3PL is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._poll, name="threepl", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the current cycle to finish."""
        if self._thread is not None:
            self._stopping.set()
            self._thread.join()
            self._thread = None

    def process_once(self, *, ship_everything: bool = False) -> list[str]:
        """One polling cycle: pick up ready files, answer them, send due shipments, then stock files.

        Args:
            ship_everything: ship every pending shipment now (a partial one queues its remainder).

        Returns:
            The names of the files picked up, in processing order.
        """
        with self._lock:
            now = time.monotonic()
            picked = [path.name for path in self._ready(now) if self._receive(path, now)]
            self._send_answers(now)
            self._send_shipments(now, ship_everything)
            self._stock_cycle(now)
            return picked

    def _poll(self) -> None:
        while True:
            try:
                self.process_once()
            except Exception:
                log.exception("3PL polling cycle failed; retrying next cycle")  # a real 3PL keeps polling
            if self._stopping.wait(self._poll_interval):
                return

    def _ready(self, now: float) -> list[Path]:
        names = sorted(e.name for e in os.scandir(self.inbound) if e.is_file() and _is_order_file(e.name))
        self._due = {name: self._due[name] if name in self._due else self._first_seen(now) for name in names}
        return [self.inbound / name for name in names if now >= self._due[name]]

    def _first_seen(self, now: float) -> float:
        jitter = self._pickup_rng.uniform(0.0, self._pickup_jitter) if self._pickup_jitter > 0 else 0.0
        return now + self._pickup_delay + jitter

    def _receive(self, path: Path, now: float) -> bool:
        target = _free_name(self.processed, path.name)
        try:
            os.rename(path, target)  # the pickup: the uploader's file disappears from inbound/
        except FileNotFoundError:
            return False
        data = target.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        parsed, acks, error = self._answer(path.name, data, sha256, now)
        entry = received_entry(path.name, target.name, data, sha256, parsed=parsed, acks=acks, error=error)
        append_jsonl(self.received_journal, entry)
        return True

    def _answer(
        self, name: str, data: bytes, sha256: str, now: float
    ) -> tuple[OrderFile | None, list[Ack], str | None]:
        """Decide on one received file now; its ACK and/or ERR file follow `answer_delay` seconds later."""
        try:
            parsed = parse_order_file(data)
        except FileRejected as exc:
            reason = exc.reason
            self._later(now, lambda: write_errors(self.outbound, name, [Rejection("", "", "", reason)]))
            return None, [], reason
        acks, rejections = self._book.receive(parsed.orders(), sha256, now + self._ship_delay)
        self._later(now, lambda: write_ack(self.outbound, name, acks))
        if rejections:
            self._later(now, lambda: write_errors(self.outbound, name, rejections))
        return parsed, acks, None

    def _later(self, now: float, write: Callable[[], object]) -> None:
        self._answers.append((now + self._answer_delay, write))
        self._send_answers(now)

    def _send_answers(self, now: float) -> None:
        due = [write for at, write in self._answers if at <= now]
        self._answers = [(at, write) for at, write in self._answers if at > now]
        for write in due:
            write()

    def _send_shipments(self, now: float, everything: bool) -> None:
        shipped = self._book.ship(now, self._ship_delay, everything=everything)
        if shipped:
            self._stock_shipped(shipped)
            self._ship_seq += 1
            path = write_shipments(self.outbound, self._ship_seq, shipped)
            lines = [asdict(line) for line in shipped]
            append_jsonl(
                self.shipments_journal, {"seq": self._ship_seq, "file_name": path.name, "lines": lines}
            )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _is_order_file(name: str) -> bool:
    """Complete uploads only: `*.csv`, never `.part` temp names or dotfiles."""
    return name.lower().endswith(".csv") and not name.startswith(".")


def _free_name(folder: Path, name: str) -> Path:
    path, copy = folder / name, 1
    while path.exists():
        copy += 1
        path = folder / f"{Path(name).stem}_{copy}{Path(name).suffix}"
    return path
