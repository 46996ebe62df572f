"""The accounting ledger: one row per write at the provider, so nothing is posted twice and nothing is lost.

A posting is recorded as `intent` (in its own transaction) before the provider is called, and marked
`posted` with the provider's id once the provider has it, or `failed` with the provider's words. An intent
left by a run that died is not a guess: the next attempt looks the document up by its key at the provider
before creating anything (the client's lookup-before-create). The same key with other content is refused:
a posted document is never edited, the caller raises an adjustment or tells finance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.models import Posting
from shoplines.state.records import PostingPlan, PostingRecord, StateConflict
from shoplines.state.rows import chunks, to_record


def _find(session: Session, shop_id: str, plan: PostingPlan) -> Posting | None:
    return session.scalars(
        select(Posting).where(
            Posting.shop_id == shop_id,
            Posting.provider == plan.provider,
            Posting.kind == plan.kind,
            Posting.key == plan.key,
        )
    ).one_or_none()


def record_intent(
    session: Session, shop_id: str, plan: PostingPlan, run_id: str, now: datetime
) -> PostingRecord:
    """The ledger row for `plan`: inserted as intent, or the existing one (a failed one is retried as intent).

    Raises:
        StateConflict: the key is recorded with other content (a posted document is never changed).
    """
    found = _find(session, shop_id, plan)
    if found is None:
        found = Posting(
            shop_id=shop_id, line=plan.line, provider=plan.provider, kind=plan.kind, key=plan.key,
            entity_ids=list(plan.entity_ids), entity_name=plan.entity_name, business_date=plan.business_date,
            content_hash=plan.content_hash, amount_cents=plan.amount_cents, status="intent", external_id=None,
            approved_by=plan.approved_by, run_id=run_id, created_at=now,
        )  # fmt: skip
        session.add(found)
        session.flush()
        return to_record(PostingRecord, found)
    if found.content_hash != plan.content_hash:
        raise StateConflict(
            f"{plan.kind} {plan.key} is already recorded ({found.status}) with other content: "
            "a posted document is never changed"
        )
    if found.status == "failed":
        found.status, found.run_id, found.message, found.approved_by = (
            "intent",
            run_id,
            None,
            plan.approved_by,
        )
    return to_record(PostingRecord, found)


def mark(
    session: Session,
    posting_id: int,
    *,
    status: str,
    external_id: str | None,
    message: str | None,
    now: datetime,
) -> PostingRecord:
    row = session.get(Posting, posting_id)
    if row is None:
        raise StateConflict(f"there is no posting {posting_id}")
    if row.status == "posted" and status != "posted":
        raise StateConflict(f"{row.kind} {row.key} is posted already; it cannot become {status}")
    row.status, row.message = status, message
    if status == "posted":
        row.external_id, row.posted_at = external_id or row.external_id, row.posted_at or now
    return to_record(PostingRecord, row)


def listing(
    session: Session,
    shop_id: str,
    *,
    provider: str,
    kind: str | None = None,
    keys: Sequence[str] | None = None,
    status: str | None = None,
    line: str | None = None,
) -> list[PostingRecord]:
    query = select(Posting).where(Posting.shop_id == shop_id, Posting.provider == provider)
    if kind is not None:
        query = query.where(Posting.kind == kind)
    if status is not None:
        query = query.where(Posting.status == status)
    if line is not None:
        query = query.where(Posting.line == line)
    if keys is None:
        return [to_record(PostingRecord, r) for r in session.scalars(query.order_by(Posting.id))]
    found: list[PostingRecord] = []
    for chunk in chunks(sorted(set(keys))):
        found += [to_record(PostingRecord, r) for r in session.scalars(query.where(Posting.key.in_(chunk)))]
    return sorted(found, key=lambda r: r.id)
