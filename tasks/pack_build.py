"""Build a month's CSVs from Shopify's pages, streaming: orders and their lines are written a chunk at a time;
refunds, adjustments, exceptions and the per-day reconciliation follow; the Summary is written last from the
totals. Each order's figures go to `figures.jsonl` for the state database when the pack is issued."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from schemas.month_end import ADJUSTMENTS, EXCEPTIONS, LINES, ORDERS, REFUNDS, SUMMARY
from shoplines.errors import ShoplinesError
from tasks.pack_adjust import Baseline, adjustments, is_candidate
from tasks.pack_cells import SheetWriter, Written, free_text, safe, write_sheet
from tasks.pack_figures import Figures, to_json
from tasks.pack_orders import PackOrder, Payload
from tasks.pack_read import Shop, chunks, read_orders, read_refunds, touched_in
from tasks.pack_reconcile import Days, reconciliation_rows
from tasks.pack_refunds import RefundPart, refund_rows
from tasks.pack_totals import Totals, summary_rows
from tasks.transform_orders import Rejected

FIGURES = "figures.jsonl"
Ids = Sequence[str]


@dataclass(frozen=True)
class Sources:
    """Shopify's pages: orders processed in the month (in processedAt order), orders processed before it and
    changed since it began, and the money side (refunds) of orders changed since it began."""

    orders: Iterable[list[Payload]]
    changed: Iterable[list[Payload]]
    money: Iterable[list[Payload]]


@dataclass(frozen=True)
class Books:
    """What the state knows: issued figures, what the warehouse has, what the books hold, what waits."""

    baselines: Callable[[Ids], Mapping[str, Baseline]] = lambda _ids: {}
    warehouse: Callable[[Ids], set[str]] = lambda _ids: set()
    accounting: Mapping[date, tuple[int, int]] = field(default_factory=dict)  # day -> (orders, cents)
    exceptions: list[list[str]] = field(default_factory=list)  # Exceptions rows, already safe


@dataclass(frozen=True)
class Built:
    """A built (not yet checked) pack's CSVs, totals, and what could not be read."""

    folder: Path
    files: dict[str, Written]
    totals: Totals
    rejected: list[Rejected]


class RepeatedOrder(ShoplinesError):
    """Shopify returned an order twice while the month was read: it changed meanwhile; run again."""


def figure_line(order: PackOrder, kind: str, figures: Figures) -> str:
    """A line of `figures.jsonl`: what the pack says of an order (`order`) or of its change (`adjustment`)."""
    return json.dumps(
        {"order_id": order.order_id, "name": order.name, "kind": kind, "figures": to_json(figures)}
    )


def _once(orders: list[PackOrder], seen: set[str]) -> None:
    for o in orders:
        if o.order_id in seen:
            raise RepeatedOrder(f"order {o.name} changed while the month was read: run the month again")
        seen.add(o.order_id)


def _orders(
    sources: Sources, shop: Shop, books: Books, out: Path, *, wanted: set[str], keep: dict[str, PackOrder]
) -> tuple[dict[str, Written], Totals, Days, list[Rejected]]:
    """The month's orders and their lines, written a chunk at a time; orders a refund needs are kept."""
    totals, days, rejected, seen = Totals(), Days(shop.period), [], set[str]()
    with (SheetWriter(out, ORDERS) as orders, SheetWriter(out, LINES) as lines,
          (out / FIGURES).open("w", encoding="utf-8") as figures):  # fmt: skip
        for chunk in chunks(sources.orders):
            good, bad = read_orders(chunk, shop)
            rejected += bad
            _once(good, seen)
            month = [o for o in good if shop.period.contains(o.processed_at)]
            keep.update({o.order_id: _slim(o) for o in month if o.order_id in wanted})
            totals.tests += sum(1 for o in month if o.test)
            month = [o for o in month if not o.test]
            orders.write(o.order_row for o in month)
            lines.write(row for o in month for row in o.line_rows)
            for o in month:
                totals.sale(safe(o.gateway), o.figures, cancelled=bool(o.order_row[5]), rows=len(o.line_rows))
                figures.write(figure_line(o, "order", o.figures) + "\n")
            days.add(month, books.warehouse([o.order_id for o in month]))
        return {ORDERS.file: orders.close(), LINES.file: lines.close()}, totals, days, rejected


def _slim(order: PackOrder) -> PackOrder:
    return replace(order, order_row=[], line_rows=[])


def _changed(
    sources: Sources, shop: Shop, books: Books, wanted: set[str], keep: dict[str, PackOrder]
) -> tuple[dict[str, PackOrder], list[Rejected]]:
    """Orders of earlier months: kept when a refund of the month needs them, or when they changed in it."""
    candidates: dict[str, PackOrder] = {}
    rejected: dict[str, Rejected] = {}
    for chunk in chunks(sources.changed):
        good, bad = read_orders(chunk, shop)
        rejected |= {
            str(r.entity_id): r for r in bad if touched_in(r.payload, shop.period) or r.entity_id in wanted
        }
        for o in (o for o in good if o.processed_at < shop.period.start):
            rejected.pop(o.order_id, None)
            if o.order_id in wanted and (
                o.order_id not in keep or keep[o.order_id].updated_at <= o.updated_at
            ):
                keep[o.order_id] = _slim(o)
            known = candidates.get(o.order_id)
            if known is not None and known.updated_at > o.updated_at:
                continue  # an older copy met later in the paging
            if is_candidate(o, shop.period):
                candidates[o.order_id] = _slim(o)
            else:  # changed again after the month: that change belongs to a later month
                candidates.pop(o.order_id, None)
    return candidates, list(rejected.values())


def _refunds(parts: list[RefundPart], keep: dict[str, PackOrder], timezone: str, totals: Totals,
             rejected: list[Rejected]) -> list[list[str]]:  # fmt: skip
    """The Refunds rows of the month's refunds (test orders' left out); a refund whose order was not read is
    rejected."""
    rows = []
    for part in parts:
        order = keep.get(part.order_id)
        if order is None:
            rejected.append(Rejected(part.refund_id, None, "its order could not be read", {}))
        elif not order.test:
            found, more = refund_rows(part, order, timezone)
            totals.refund(
                safe(order.gateway), [(c.vat_class, c.amount, c.vat) for c in found], part.paid_cents
            )
            rows += more
    return rows


def build_sheets(sources: Sources, shop: Shop, books: Books, out: Path) -> Built:
    """Write every sheet's CSV of the month into `out` (which must exist and be empty)."""
    parts, rejected = read_refunds(sources.money, shop)
    wanted = {p.order_id for p in parts}
    keep: dict[str, PackOrder] = {}
    files, totals, days, bad = _orders(sources, shop, books, out, wanted=wanted, keep=keep)
    candidates, also = _changed(sources, shop, books, wanted, keep)
    rejected += bad + also
    files[REFUNDS.file] = write_sheet(
        out, REFUNDS, _refunds(parts, keep, shop.period.timezone, totals, rejected)
    )
    files |= _adjustments(list(candidates.values()), shop, books, out, totals)
    unreadable = [["unreadable", "month-end", safe(r.entity_name or r.entity_id or "?"), free_text(r.reason),
                   "", "", "this run"] for r in rejected]  # fmt: skip
    files[EXCEPTIONS.file] = write_sheet(out, EXCEPTIONS, [*books.exceptions, *unreadable])
    files |= reconciliation_rows(days, books.accounting, out)
    files[SUMMARY.file] = write_sheet(out, SUMMARY, summary_rows(totals))
    return Built(out, files, totals, rejected)


def _adjustments(
    candidates: list[PackOrder], shop: Shop, books: Books, out: Path, totals: Totals
) -> dict[str, Written]:
    baselines: dict[str, Baseline] = {}
    for start in range(0, len(candidates), 500):
        baselines |= books.baselines([o.order_id for o in candidates[start : start + 500]])
    rows: list[list[str]] = []
    with (out / FIGURES).open("a", encoding="utf-8") as figures:
        for order, changed, found in adjustments(candidates, baselines, shop.period):
            totals.adjustment(safe(order.gateway), changed)
            rows += found
            figures.write(figure_line(order, "adjustment", changed) + "\n")
    return {ADJUSTMENTS.file: write_sheet(out, ADJUSTMENTS, rows)}
