"""The warehouse-feedback line's words: journal entries for support and problems for people.

Pure functions over what applying an answer file changed (`Applied`): an acknowledgement, a rejection, a
shipped parcel become journal steps `trace` tells; a rejection, an answer that breaks the line's contract,
a file we cannot read and a file left unanswered become problems, each with what to do next.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from shoplines.alerting import Problem
from shoplines.state.records import (
    AnswerRow,
    Applied,
    AwaitingAnswer,
    JournalRow,
    ShipmentRecord,
    ShipmentRow,
)
from tasks.warehouse_answers import WorkingHours

REJECTED = "rejected:"  # + order gid: one problem per rejected order
REFUSED = "answer-refused:"  # + file name: an answer file breaking the contract
UNREADABLE = "answer-unreadable"
NO_ANSWER = "no-answer:"  # + file name
FULFIL_FAILED = "fulfilment-failed:"  # + order gid


def journal_steps(applied: Applied) -> list[JournalRow]:
    """What support reads in `trace`: acknowledged, rejected (with the 3PL's reason), dispatched."""
    steps: list[JournalRow] = []
    for entity_id, name, row in applied.matched:
        if row.answer == "REJECTED":
            summary = f"the warehouse REJECTED it in {applied.file.file_name}: {row.reason}"
            stage = "rejected"
        else:
            word = "acknowledged" if row.answer == "ACCEPTED" else "acknowledged the cancellation of"
            summary = f"the warehouse {word} the {row.record_type or 'order'} in {applied.file.file_name}"
            stage = "acknowledged"
        steps.append(JournalRow(entity_id, name, stage, summary, {"answered": row.file_name}))
    parcels: dict[tuple[str, str], list[ShipmentRecord]] = defaultdict(list)
    for shipment in applied.shipments:
        parcels[(shipment.entity_id, shipment.tracking_number)].append(shipment)
    for (entity_id, tracking), lines in parcels.items():
        units = sum(s.quantity for s in lines)
        first = lines[0]
        summary = (
            f"dispatched {units} unit(s) with {first.carrier}, tracking {tracking}, "
            f"at {first.shipped_at:%Y-%m-%d %H:%M} UTC ({first.file_name})"
        )
        skus = {s.sku: s.quantity for s in lines}
        steps.append(JournalRow(entity_id, first.entity_name, "dispatched", summary, {"skus": skus}))
    return steps


def rejections(applied: Applied) -> list[Problem]:
    """One problem per order the 3PL rejected: at once, with its reason in plain words."""
    problems = []
    for entity_id, name, row in applied.matched:
        if row.answer != "REJECTED":
            continue
        problems.append(
            Problem(
                key=f"{REJECTED}{entity_id}",
                title=f"the warehouse rejected order {name}",
                what=f"{name} in {row.file_name}: {row.reason}.",
                next_step=(
                    "Fix the cause (the SKU in the 3PL's catalogue, or the order in Shopify), then send it "
                    "again with `shoplines run orders-to-warehouse --redeliver` for its day; until then the "
                    "warehouse will not ship it."
                ),
            )
        )
    return problems


def _describe(row: AnswerRow | ShipmentRow) -> str:
    if isinstance(row, ShipmentRow):
        return f"shipment of {row.quantity} x {row.sku} for {row.order_number} (row {row.row_number})"
    return f"{row.answer} for {row.order_number or 'the whole file'} ({row.file_name})"


def refused(applied: Applied) -> Problem | None:
    """Answers that break the contract's transitions: nothing changed for them; a person must look."""
    if not applied.refused:
        return None
    lines = [f"{_describe(row)}: {why}" for row, why in applied.refused[:10]]
    more = len(applied.refused) - len(lines)
    return Problem(
        key=f"{REFUSED}{applied.file.file_name}",
        title=f"the warehouse's {applied.file.file_name} does not match what we sent",
        what="; ".join(lines) + (f"; and {more} more" if more > 0 else "") + ".",
        next_step=(
            "Check these orders with the 3PL: the answer was kept (archived) but did not change our records. "
            "A parcel that left after a cancellation needs the courier or the customer contacted."
        ),
        counts={"refused": len(applied.refused)},
    )


def unreadable(files: Sequence[tuple[str, str]]) -> Problem | None:
    """Answer files we could not read (name, reason): left in place and retried every run."""
    if not files:
        return None
    return Problem(
        key=UNREADABLE,
        title=f"{len(files)} file(s) from the warehouse could not be read",
        what="; ".join(reason for _, reason in files[:10]) + ".",
        next_step=(
            "They stay in the 3PL's outbound folder and are read again every run. If the 3PL changed its "
            "format, set SHOPLINES_WAREHOUSE_ANSWER_FORMAT (README, 'Warehouse answers'); else ask the 3PL."
        ),
        counts={"files": len(files)},
    )


def overdue(
    waiting: Sequence[AwaitingAnswer], now: datetime, hours: WorkingHours, limit: timedelta
) -> list[Problem]:
    """A file with unanswered orders after `limit` of the 3PL's working time: one problem per file."""
    late = []
    for file in waiting:
        spent = hours.between(file.delivered_at, now)
        if spent < limit:
            continue
        orders = ", ".join(file.orders[:20]) + (
            f" and {len(file.orders) - 20} more" if len(file.orders) > 20 else ""
        )
        late.append(
            Problem(
                key=f"{NO_ANSWER}{file.file_name}",
                title=f"the warehouse has not answered {file.file_name}",
                what=(
                    f"Delivered {file.delivered_at:%Y-%m-%d %H:%M} UTC, no acknowledgement after "
                    f"{int(spent.total_seconds() // 60)} working minutes, for {orders}."
                ),
                next_step=(
                    "Ask the 3PL whether they received the file (it is in our archive); their answer "
                    "clears this once it arrives."
                ),
                counts={"orders": len(file.orders)},
            )
        )
    return late
