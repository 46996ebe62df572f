"""Approvals: one decision per subject (an order version, a refund) that a person owes before it moves.

A run asks (`request`): the row is created pending, or the existing one is returned unchanged, so every
15-minute run asking again changes nothing. A person decides once (`decide`): approved or rejected, with
their name, reason and time. A subject that no longer needs a decision (the order changed again) is
withdrawn by the run that notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.models import Approval
from shoplines.state.records import ApprovalRecord, StateError
from shoplines.state.rows import json_document, to_record


def find(
    session: Session, shop_id: str, *, line: str, kind: str, entity_id: str, subject: str
) -> Approval | None:
    return session.scalars(
        select(Approval).where(
            Approval.shop_id == shop_id,
            Approval.line == line,
            Approval.kind == kind,
            Approval.entity_id == entity_id,
            Approval.subject == subject,
        )
    ).one_or_none()


def request(
    session: Session,
    shop_id: str,
    *,
    line: str,
    kind: str,
    entity_id: str,
    entity_name: str,
    subject: str,
    summary: str,
    detail: dict[str, Any],
    amount_cents: int | None,
    run_id: str | None,
    now: datetime,
) -> tuple[ApprovalRecord, bool]:
    """The approval for this subject, created pending if there was none; (record, created)."""
    found = find(session, shop_id, line=line, kind=kind, entity_id=entity_id, subject=subject)
    if found is not None:
        if found.status == "withdrawn":  # asked again: the subject needs a decision after all
            found.status, found.requested_at, found.run_id = "pending", now, run_id
            return to_record(ApprovalRecord, found), True
        return to_record(ApprovalRecord, found), False
    row = Approval(
        shop_id=shop_id, line=line, kind=kind, entity_id=entity_id, entity_name=entity_name,
        subject=subject, summary=summary, detail=json_document(detail), amount_cents=amount_cents,
        status="pending", requested_at=now, run_id=run_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return to_record(ApprovalRecord, row), True


def decide(
    session: Session, shop_id: str, approval_id: int, *, approve: bool, by: str, reason: str, now: datetime
) -> ApprovalRecord:
    """Record a person's decision on a pending approval.

    Raises:
        StateError: no such approval for the shop, or it is not pending (decided or withdrawn).
    """
    row = session.get(Approval, approval_id)
    if row is None or row.shop_id != shop_id:
        raise StateError(f"there is no approval {approval_id}")
    if row.status != "pending":
        raise StateError(
            f"approval {approval_id} is {row.status} already (by {row.decided_by or 'the system'})"
        )
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.reason, row.decided_at = by, reason, now
    session.flush()
    return to_record(ApprovalRecord, row)


def withdraw(session: Session, approval_ids: Sequence[int], now: datetime, reason: str) -> None:
    for row in session.scalars(select(Approval).where(Approval.id.in_(approval_ids))):
        if row.status == "pending":
            row.status, row.decided_at, row.reason, row.decided_by = "withdrawn", now, reason, None


def listing(
    session: Session, shop_id: str, *, status: str | None, line: str | None = None, kind: str | None = None
) -> list[ApprovalRecord]:
    query = select(Approval).where(Approval.shop_id == shop_id)
    if status is not None:
        query = query.where(Approval.status == status)
    if line is not None:
        query = query.where(Approval.line == line)
    if kind is not None:
        query = query.where(Approval.kind == kind)
    return [to_record(ApprovalRecord, r) for r in session.scalars(query.order_by(Approval.id))]


def get(session: Session, shop_id: str, approval_id: int) -> ApprovalRecord:
    row = session.get(Approval, approval_id)
    if row is None or row.shop_id != shop_id:
        raise StateError(f"there is no approval {approval_id}")
    return to_record(ApprovalRecord, row)


def purge_details(session: Session, older_than: datetime, *, dry_run: bool) -> int:
    """Empty the personal details of decided approvals older than `older_than`; how many."""
    rows = session.scalars(
        select(Approval).where(Approval.status != "pending", Approval.decided_at < older_than)
    ).all()
    emptied = [r for r in rows if r.detail]
    if not dry_run:
        for r in emptied:
            r.detail = {}
    return len(emptied)
