"""Reading Shopify's pages for month-end a chunk at a time, so memory does not grow with the month: orders
into `PackOrder`s, refunds created in the month into `RefundPart`s; what cannot be read is `Rejected`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tasks import received as rd
from tasks.pack_orders import PackOrder, Payload, read_order
from tasks.pack_period import Period
from tasks.pack_refunds import RefundPart, refunds_in
from tasks.transform_orders import Rejected
from tasks.transform_refunds import flatten_refunds
from tasks.validate_refunds import validate_refunds

CHUNK = 2000  # orders per chunk: big enough for pandas, small enough to keep memory flat


@dataclass(frozen=True)
class Shop:
    """What reading needs besides the data: the month, the shop's country and currency."""

    period: Period
    country: str
    currency: str


def chunks(pages: Iterable[list[Payload]], size: int = CHUNK) -> Iterator[list[Payload]]:
    """Pages regrouped into lists of about `size` orders."""
    held: list[Payload] = []
    for page in pages:
        held.extend(page)
        if len(held) >= size:
            yield held
            held = []
    if held:
        yield held


def _who(o: object) -> tuple[str | None, str | None]:
    if not isinstance(o, dict):
        return None, None
    ident, name = o.get("id"), o.get("name")
    return (str(ident) if ident is not None else None), (str(name) if name is not None else None)


def read_orders(payloads: list[Payload], shop: Shop) -> tuple[list[PackOrder], list[Rejected]]:
    """Each order read whole, or rejected whole with the reason."""
    good, bad = [], []
    for o in payloads:
        try:
            if not isinstance(o, dict):
                raise ValueError("order is not an object")
            good.append(read_order(o, shop.period, shop.country, shop.currency))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ident, name = _who(o)
            bad.append(Rejected(ident, name, rd.reason_of(exc), o if isinstance(o, dict) else {"raw": o}))
    return good, bad


def touched_in(o: object, period: Period) -> bool:
    """Whether an order's `updatedAt` is in the month, or unreadable (then it may matter: say so)."""
    try:
        moment = rd.timestamp(o.get("updatedAt") if isinstance(o, dict) else None, "updatedAt")
    except ValueError:
        return True
    return moment is not None and period.contains(moment)


def _created_in(r: Rejected, period: Period) -> bool:
    refund = r.payload.get("refund")
    if not isinstance(refund, dict):
        return False  # a payment, not a refund: month-end reads refunds only
    try:
        moment = rd.timestamp(refund.get("createdAt"), "createdAt")
    except ValueError:
        return True
    return moment is None or period.contains(moment)


def read_refunds(pages: Iterable[list[Payload]], shop: Shop) -> tuple[list[RefundPart], list[Rejected]]:
    """The refunds created in the month, each once (the newest copy when paging met an order twice), and the
    refunds of the month that failed their checks."""
    found: dict[str, RefundPart] = {}
    bad: dict[str, Rejected] = {}
    for chunk in chunks(pages):
        frames = validate_refunds.fn(flatten_refunds.fn(chunk), shop.currency)
        for part in refunds_in(frames, shop.period):
            found[part.refund_id] = part
            bad.pop(part.refund_id, None)
        for r in frames.rejected:
            if _created_in(r, shop.period) and r.entity_id not in found:
                bad[str(r.entity_id)] = r
    parts = sorted(found.values(), key=lambda p: (p.created_at, int(p.legacy_id), p.refund_id))
    return parts, list(bad.values())
