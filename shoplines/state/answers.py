"""The 3PL's answers in the ledger: acknowledgements, rejections and shipped lines, each file applied once.

A delivered order version is *sent* until the 3PL answers it: ACCEPTED or CANCELLED (acknowledged) or
REJECTED. Shipped lines are rows of `shipments`; an order with any is *dispatched*. An answer file is
recorded in the transaction that applies it, keyed by name and content, so a run that dies before
archiving the file never applies it twice. What breaks those rules (an answer for a file or order we never
sent, a second answer that contradicts the first, a shipment for an order we never sent) is refused: the
caller quarantines and alerts, nothing in the ledger changes for that row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.models import AnswerFile, Delivery, File, Shipment
from shoplines.state.records import (
    AnswerFileRecord,
    AnswerRow,
    Applied,
    AwaitingAnswer,
    ShipmentRecord,
    ShipmentRow,
)
from shoplines.state.rows import chunks, to_record

WHOLE_FILE = ""  # an ERR row without an order number rejects every order of the file


def find_answer_file(
    session: Session, shop_id: str, destination: str, file_name: str, sha256: str
) -> AnswerFile | None:
    return session.scalars(
        select(AnswerFile).where(
            AnswerFile.shop_id == shop_id,
            AnswerFile.destination == destination,
            AnswerFile.file_name == file_name,
            AnswerFile.sha256 == sha256,
        )
    ).one_or_none()


def record_file(
    session: Session,
    shop_id: str,
    destination: str,
    file_name: str,
    sha256: str,
    *,
    size: int,
    kind: str,
    rows: int,
    status: str,
    reason: str | None,
    run_id: str,
    now: datetime,
) -> AnswerFile:
    """Insert (or turn a quarantined row into) the record of one answer file."""
    found = find_answer_file(session, shop_id, destination, file_name, sha256)
    if found is None:
        found = AnswerFile(
            shop_id=shop_id, destination=destination, file_name=file_name, sha256=sha256, size=size,
            kind=kind, rows=rows, status=status, reason=reason, run_id=run_id, read_at=now,
        )  # fmt: skip
        session.add(found)
    else:
        found.kind, found.rows, found.status, found.reason = kind, rows, status, reason
        found.run_id, found.read_at = run_id, now
    session.flush()
    return found


def _sent(session: Session, shop_id: str, destination: str, file_name: str) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery)
            .where(
                Delivery.shop_id == shop_id,
                Delivery.destination == destination,
                Delivery.file_name == file_name,
                Delivery.status == "delivered",
            )
            .order_by(Delivery.id)
        )
    )


def _answer(delivery: Delivery, row: AnswerRow, now: datetime) -> str | None:
    """Move one delivery to the 3PL's answer; the reason it is refused, or None."""
    if row.record_type and row.record_type != delivery.record_type:
        return f"the 3PL answered a {row.record_type} record but we sent {delivery.record_type}"
    if delivery.answer is None:
        delivery.answer, delivery.answer_reason, delivery.answered_at = row.answer, row.reason, now
        return None
    if delivery.answer == row.answer:
        if row.reason and row.reason not in (delivery.answer_reason or ""):
            delivery.answer_reason = "; ".join(filter(None, [delivery.answer_reason, row.reason]))
        return None
    return f"the 3PL already answered {delivery.answer} for this order in this file, now {row.answer}"


def apply_answers(
    session: Session, shop_id: str, destination: str, rows: Sequence[AnswerRow], now: datetime
) -> tuple[list[tuple[str, str, AnswerRow]], list[tuple[AnswerRow | ShipmentRow, str]]]:
    """Apply ACK/ERR rows to the deliveries they name: the (entity_id, name, row) matched and the refused."""
    matched: list[tuple[str, str, AnswerRow]] = []
    refused: list[tuple[AnswerRow | ShipmentRow, str]] = []
    for row in rows:
        sent = _sent(session, shop_id, destination, row.file_name)
        if not sent:
            refused.append((row, f"an answer for {row.file_name}, a file we never delivered"))
            continue
        targets = sent if row.order_number == WHOLE_FILE else [
            d for d in sent if d.entity_name == row.order_number
        ]  # fmt: skip
        if not targets:
            refused.append(
                (row, f"an answer for order {row.order_number}, which {row.file_name} did not carry")
            )
            continue
        for delivery in targets:
            why = _answer(delivery, row, now)
            if why is None:
                matched.append((delivery.entity_id, delivery.entity_name, row))
            else:
                refused.append((row, why))
    return matched, refused


def _latest_by_name(session: Session, shop_id: str, destination: str, name: str) -> Delivery | None:
    return session.scalars(
        select(Delivery)
        .where(
            Delivery.shop_id == shop_id,
            Delivery.destination == destination,
            Delivery.entity_name == name,
            Delivery.status == "delivered",
        )
        .order_by(Delivery.sequence.desc(), Delivery.id.desc())
        .limit(1)
    ).one_or_none()


def apply_shipments(
    session: Session, file: AnswerFile, rows: Sequence[ShipmentRow]
) -> tuple[list[ShipmentRecord], list[tuple[AnswerRow | ShipmentRow, str]]]:
    """Store SHIP rows against the orders they name: the shipments stored and the rows refused.

    A shipment for an order whose latest delivery was a CANCEL, or that the 3PL rejected, is stored (the
    parcel left; that is a fact) and also refused, so people hear of it.
    """
    stored: list[Shipment] = []
    refused: list[tuple[AnswerRow | ShipmentRow, str]] = []
    for row in rows:
        latest = _latest_by_name(session, file.shop_id, file.destination, row.order_number)
        if latest is None:
            refused.append((row, f"a shipment for order {row.order_number}, which we never sent"))
            continue
        shipment = Shipment(
            shop_id=file.shop_id, destination=file.destination, answer_file_id=file.id,
            row_number=row.row_number, entity_id=latest.entity_id, entity_name=latest.entity_name,
            sku=row.sku, quantity=row.quantity, carrier=row.carrier, tracking_number=row.tracking_number,
            shipped_at=row.shipped_at,
        )  # fmt: skip
        session.add(shipment)
        stored.append(shipment)
        if latest.record_type == "CANCEL" or latest.answer == "REJECTED":
            what = "cancelled" if latest.record_type == "CANCEL" else "rejected"
            refused.append((row, f"order {row.order_number} shipped although it was {what}"))
    session.flush()
    return [_shipment_record(s, file.file_name) for s in stored], refused


def _shipment_record(row: Shipment, file_name: str) -> ShipmentRecord:
    return ShipmentRecord(
        id=row.id, entity_id=row.entity_id, entity_name=row.entity_name, sku=row.sku,
        quantity=row.quantity, carrier=row.carrier, tracking_number=row.tracking_number,
        shipped_at=row.shipped_at, file_name=file_name, fulfillment_id=row.fulfillment_id,
        fulfilled_at=row.fulfilled_at,
    )  # fmt: skip


def file_record(row: AnswerFile) -> AnswerFileRecord:
    return to_record(AnswerFileRecord, row)


def applied(file: AnswerFile, *, already: bool = False) -> Applied:
    return Applied(file=file_record(file), already=already)


def awaiting(session: Session, shop_id: str, destination: str, line: str) -> list[AwaitingAnswer]:
    """Delivered files with orders the 3PL has not answered, oldest first."""
    query = (
        select(File.file_name, File.delivered_at, Delivery.entity_name)
        .join(
            Delivery,
            (Delivery.shop_id == File.shop_id)
            & (Delivery.destination == File.destination)
            & (Delivery.file_name == File.file_name),
        )
        .where(
            File.shop_id == shop_id,
            File.destination == destination,
            File.line == line,
            File.status == "delivered",
            Delivery.answer.is_(None),
        )
        .order_by(File.delivered_at, File.file_name, Delivery.entity_name)
    )
    found: dict[str, AwaitingAnswer] = {}
    for file_name, delivered_at, name in session.execute(query):
        at = delivered_at or datetime.min.replace(tzinfo=UTC)  # a delivered file always has its time
        entry = found.setdefault(file_name, AwaitingAnswer(file_name, at, []))
        entry.orders.append(name)
    return list(found.values())


def unfulfilled(session: Session, shop_id: str, destination: str) -> list[ShipmentRecord]:
    """Shipped lines Shopify does not have a fulfilment for yet, oldest first."""
    query = (
        select(Shipment, AnswerFile.file_name)
        .join(AnswerFile, AnswerFile.id == Shipment.answer_file_id)
        .where(
            Shipment.shop_id == shop_id,
            Shipment.destination == destination,
            Shipment.fulfillment_id.is_(None),
        )
        .order_by(Shipment.shipped_at, Shipment.id)
    )
    return [_shipment_record(s, name) for s, name in session.execute(query)]


def mark_fulfilled(session: Session, shipment_ids: Sequence[int], fulfillment_id: str, now: datetime) -> None:
    for row in session.scalars(select(Shipment).where(Shipment.id.in_(shipment_ids))):
        row.fulfillment_id, row.fulfilled_at = fulfillment_id, now


def shipments_of(session: Session, shop_id: str, entity_ids: Sequence[str]) -> list[ShipmentRecord]:
    query = (
        select(Shipment, AnswerFile.file_name)
        .join(AnswerFile, AnswerFile.id == Shipment.answer_file_id)
        .where(Shipment.shop_id == shop_id, Shipment.entity_id.in_(entity_ids))
        .order_by(Shipment.shipped_at, Shipment.id)
    )
    return [_shipment_record(s, name) for s, name in session.execute(query)]


def shipped_since(session: Session, shop_id: str, destination: str, since: datetime) -> list[ShipmentRecord]:
    query = (
        select(Shipment, AnswerFile.file_name)
        .join(AnswerFile, AnswerFile.id == Shipment.answer_file_id)
        .where(Shipment.shop_id == shop_id, Shipment.destination == destination, Shipment.shipped_at > since)
        .order_by(Shipment.shipped_at, Shipment.id)
    )
    return [_shipment_record(s, name) for s, name in session.execute(query)]


def quarantined_files(session: Session, shop_id: str, destination: str) -> list[AnswerFileRecord]:
    query = select(AnswerFile).where(
        AnswerFile.shop_id == shop_id,
        AnswerFile.destination == destination,
        AnswerFile.status == "quarantined",
    )
    return [file_record(f) for f in session.scalars(query.order_by(AnswerFile.id))]


def mark_archived(session: Session, file_id: int, archived_as: str) -> None:
    row = session.get(AnswerFile, file_id)
    if row is not None:
        row.archived_as = archived_as


def acknowledged_entities(
    session: Session, shop_id: str, line: str, destination: str, entity_ids: Sequence[str]
) -> set[str]:
    """The entities the 3PL has accepted any delivered version of."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(entity_ids))):
        query = select(Delivery.entity_id).where(
            Delivery.shop_id == shop_id, Delivery.line == line, Delivery.destination == destination,
            Delivery.status == "delivered", Delivery.answer == "ACCEPTED", Delivery.entity_id.in_(chunk),
        )  # fmt: skip
        found |= set(session.scalars(query))
    return found
