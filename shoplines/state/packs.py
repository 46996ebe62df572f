"""Month-end packs: each issued revision with its manifest, what it said of each order, and the baselines a
later month's adjustments are measured against (its month's latest revision plus later adjustments)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shoplines.state.models import MonthEndFigure, MonthEndPack, Posting
from shoplines.state.records import StateConflict
from shoplines.state.rows import chunks, to_record

BATCH = 2000
Figures = dict[str, list[int]]


@dataclass(frozen=True)
class PackRecord:
    """One issued revision of a month's pack."""

    id: int
    shop_id: str
    month: str
    revision: int
    run_id: str
    status: str
    fingerprint: str
    manifest: dict[str, Any]
    delivered_to: list[str]
    created_at: datetime
    delivered_at: datetime | None

    @property
    def name(self) -> str:
        return f"{self.month}-r{self.revision}"


@dataclass(frozen=True)
class PackFigure:
    """What a pack says of one order: its figures (`order`) or its change since (`adjustment`)."""

    order_id: str
    order_name: str
    kind: str
    figures: Figures


def record(session: Session, pack: MonthEndPack, figures: Iterable[PackFigure]) -> PackRecord:
    """Insert `pack` (a new revision; an existing one is a conflict) and its figures, in batches."""
    taken = session.scalars(
        select(MonthEndPack.id).where(
            MonthEndPack.shop_id == pack.shop_id,
            MonthEndPack.month == pack.month,
            MonthEndPack.revision == pack.revision,
        )
    ).first()
    if taken is not None:
        raise StateConflict(f"month-end pack {pack.month}-r{pack.revision} is already issued")
    session.add(pack)
    session.flush()
    rows = iter(figures)
    while batch := list(islice(rows, BATCH)):
        session.execute(
            insert(MonthEndFigure),
            [
                {
                    "pack_id": pack.id,
                    "order_id": f.order_id,
                    "order_name": f.order_name[:255],
                    "kind": f.kind,
                    "figures": f.figures,
                }
                for f in batch
            ],
        )
    return to_record(PackRecord, pack)


def listing(session: Session, shop_id: str, month: str | None = None) -> list[PackRecord]:
    """Packs of the shop (of one month), oldest revision first."""
    query = select(MonthEndPack).where(MonthEndPack.shop_id == shop_id)
    if month is not None:
        query = query.where(MonthEndPack.month == month)
    rows = session.scalars(query.order_by(MonthEndPack.month, MonthEndPack.revision))
    return [to_record(PackRecord, r) for r in rows]


def mark_delivered(session: Session, pack_id: int, targets: Sequence[str], now: datetime) -> PackRecord:
    row = session.get(MonthEndPack, pack_id)
    if row is None:
        raise StateConflict(f"there is no month-end pack {pack_id}")
    row.delivered_to = sorted(set(row.delivered_to) | set(targets))
    row.status, row.delivered_at = "delivered", row.delivered_at or now
    return to_record(PackRecord, row)


def figures_of(session: Session, pack_id: int, kind: str = "order") -> dict[str, tuple[str, Figures]]:
    """Order id -> (name, figures) that the pack says."""
    query = select(MonthEndFigure).where(MonthEndFigure.pack_id == pack_id, MonthEndFigure.kind == kind)
    return {f.order_id: (f.order_name, dict(f.figures)) for f in session.scalars(query)}


def baselines(
    session: Session, shop_id: str, order_ids: Sequence[str], month: str
) -> dict[str, tuple[list[Figures], str]]:
    """Per order whose month has an issued pack before `month`: the figures finance has (its month's latest
    revision, then each later month's adjustment issued after it) and the name of that revision."""
    latest: dict[str, PackRecord] = {}
    for pack in listing(session, shop_id):
        if pack.month < month:
            latest[pack.month] = pack  # listing is in revision order: the last one wins
    by_id = {p.id: p for p in latest.values()}
    found: dict[str, tuple[list[Figures], str]] = {}
    later: list[tuple[str, PackRecord, Figures]] = []
    for chunk in chunks(sorted(set(order_ids))):
        query = select(MonthEndFigure).where(
            MonthEndFigure.order_id.in_(chunk), MonthEndFigure.pack_id.in_(list(by_id))
        )
        for row in session.scalars(query):
            pack = by_id[row.pack_id]
            if row.kind == "order":
                found[row.order_id] = ([dict(row.figures)], pack.name)
            else:
                later.append((row.order_id, pack, dict(row.figures)))
    own = {oid: name for oid, (_, name) in found.items()}
    issued = {p.name: p.id for p in latest.values()}
    for oid, pack, figures in sorted(later, key=lambda x: x[1].id):
        if oid in found and pack.id > issued[own[oid]]:
            found[oid][0].append(figures)
    return found


def invoice_days(
    session: Session, shop_id: str, provider: str, first: str, last: str
) -> dict[str, tuple[int, int]]:
    """Per business day (YYYY-MM-DD) from `first` to `last`: orders in posted invoices and their amount."""
    query = select(Posting.business_date, Posting.entity_ids, Posting.amount_cents).where(
        Posting.shop_id == shop_id,
        Posting.provider == provider,
        Posting.kind == "invoice",
        Posting.status == "posted",
        Posting.business_date >= first,
        Posting.business_date <= last,
    )
    days: dict[str, tuple[int, int]] = {}
    for day, ids, cents in session.execute(query):
        orders, total = days.get(day, (0, 0))
        days[day] = (orders + len(ids or []), total + int(cents))
    return days
