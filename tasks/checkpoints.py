"""Human checkpoints on the orders → warehouse line: a ship-to address changed after the 3PL acknowledged
the order (or shipped from it) is never re-sent on its own. A person approves (the change goes as an AMEND)
or rejects (the warehouse keeps its version); until then the order is HELD.

Pure: the planned frame, what was delivered and the decisions so far in; the planned frame with its
checkpoints applied and the approvals to ask for out.
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from clients.sftp import SftpClient, SftpError
from shoplines.state.records import ApprovalRecord, DeliveredVersion
from shoplines.state.store import StateStore
from tasks.deliver import Target

ADDRESS_CHANGE = "address-change"
ADDRESS_FIELDS = [f"ship_to_{p}" for p in ("name", "company", "address1", "address2", "city", "province",
                                           "postal_code", "country")]  # fmt: skip
AWAITING = "the ship-to address changed after the warehouse acknowledged it; waiting for a person"


@dataclass(frozen=True)
class AddressCheck:
    """One order that needs (or has) a person's decision on its new address."""

    entity_id: str
    entity_name: str
    subject: str  # the new version's content hash: one decision per version
    file_name: str  # the file that carried the version the warehouse acknowledged


def needs_decision(
    planned: pd.DataFrame, delivered: Mapping[str, DeliveredVersion], known: Collection[str]
) -> list[AddressCheck]:
    """AMENDs whose ship-to differs from what the warehouse has, for orders the 3PL has acknowledged or
    shipped from (`known`: any version, not only the latest: an AMEND not answered yet does not make the
    order new to the warehouse)."""
    if planned.empty or "address_hash" not in planned.columns:
        return []
    checks = []
    for row in planned[planned["action"] == "AMEND"].itertuples():
        last = delivered.get(str(row.order_id))
        if last is None or last.address_hash is None or last.address_hash == row.address_hash:
            continue
        if last.answer == "ACCEPTED" or str(row.order_id) in known:
            checks.append(AddressCheck(str(row.order_id), str(row.order_name), str(row.content_hash),
                                       last.file_name))  # fmt: skip
    return checks


def apply_decisions(
    planned: pd.DataFrame, checks: list[AddressCheck], decisions: Mapping[tuple[str, str], ApprovalRecord]
) -> pd.DataFrame:
    """Approved: the AMEND goes. Rejected: UNCHANGED (the warehouse keeps its version). Otherwise: HELD
    with the approval's number in the reason (the approval must have been requested already)."""
    if not checks:
        return planned
    planned = planned.copy()
    if "approval" not in planned.columns:
        planned["approval"] = pd.array([pd.NA] * len(planned), dtype="Int64")
    by_id = {c.entity_id: c for c in checks}
    for index, order_id in planned["order_id"].items():
        check = by_id.get(str(order_id))
        if check is None:
            continue
        decision = decisions.get((check.entity_id, check.subject))
        if decision is None:
            raise ValueError(f"no approval was requested for {check.entity_name}")
        planned.at[index, "approval"] = decision.id
        if decision.status == "approved":
            planned.at[index, "reason"] = (
                f"new address approved by {decision.decided_by} (approval {decision.id})"
            )
        elif decision.status == "rejected":
            planned.at[index, "action"] = "UNCHANGED"
            planned.at[index, "reason"] = (
                f"new address rejected by {decision.decided_by} (approval {decision.id}); "
                "the warehouse keeps the address it has"
            )
        else:
            planned.at[index, "action"] = "HELD"
            planned.at[index, "reason"] = f"{AWAITING} (approval {decision.id})"
    return planned


def address_lines(rows: list[dict[str, str]]) -> str:
    """A warehouse row's ship-to as one line (for a person's eyes only: the approval's detail)."""
    if not rows:
        return "(not in our archive copy)"
    row = rows[0]
    parts = [row.get(f, "") for f in ADDRESS_FIELDS]
    return ", ".join(p for p in parts if p)


def _archived_addresses(
    connect: Callable[[], SftpClient], target: Target, checks: Sequence[AddressCheck]
) -> dict[str, str]:
    """Per order, the ship-to our archive copy of its acknowledged file holds (one connection, each file
    read once); an unreadable copy says so rather than stopping the checkpoint."""
    wanted: dict[str, list[AddressCheck]] = {}
    for check in checks:
        wanted.setdefault(check.file_name, []).append(check)
    found = {c.entity_id: address_lines([]) for c in checks}
    if not target.archive or not checks:
        return found
    try:
        with connect() as sftp:
            for file_name, in_file in wanted.items():
                try:
                    data = sftp.read_bytes(posixpath.join(target.archive, file_name))
                except SftpError:
                    continue  # this copy is gone (purged?): the person sees "(not in our archive copy)"
                text = data.decode("utf-8-sig", errors="replace")
                rows = list(csv.DictReader(io.StringIO(text, newline="")))
                for check in in_file:
                    mine = [r for r in rows if r.get("order_number") == check.entity_name]
                    found[check.entity_id] = address_lines(mine)
    except SftpError:
        pass  # no connection: the person still sees Shopify's new address and decides
    return found


def hold_address_changes(
    state: StateStore,
    connect: Callable[[], SftpClient],
    target: Target,
    planned: pd.DataFrame,
    delivered: Mapping[str, DeliveredVersion],
    *,
    run_id: str,
) -> pd.DataFrame:
    """Ask for (or apply) a person's decision on each address changed after acknowledgement."""
    entity_ids = [str(o) for o in planned.get("order_id", ())]
    known: set[str] = set()
    if entity_ids:
        known = {s.entity_id for s in state.shipments(target.shop_id, entity_ids)}
        known |= state.acknowledged(target.shop_id, target.line, target.destination, entity_ids)
    checks = needs_decision(planned, delivered, known)
    pending = state.approvals(target.shop_id, status="pending", line=target.line, kind=ADDRESS_CHANGE)
    wanted = {(c.entity_id, c.subject) for c in checks}
    in_plan = set(entity_ids)
    stale = [a.id for a in pending if a.entity_id in in_plan and (a.entity_id, a.subject) not in wanted]
    state.withdraw_approvals(stale, "the order changed again; a newer version needs the decision")
    decisions: dict[tuple[str, str], ApprovalRecord] = {}
    old_addresses = _archived_addresses(connect, target, checks)
    rows = planned.set_index(planned["order_id"].astype(str))
    for check in checks:
        current = rows.loc[check.entity_id]
        new_line = ", ".join(
            str(current[f])
            for f in ADDRESS_FIELDS
            if f in current.index and pd.notna(current[f]) and str(current[f])
        )
        old_line = old_addresses[check.entity_id]
        record, _ = state.request_approval(
            target.shop_id, line=target.line, kind=ADDRESS_CHANGE, entity_id=check.entity_id,
            entity_name=check.entity_name, subject=check.subject,
            summary=f"{check.entity_name}: the ship-to address changed after the warehouse acknowledged it",
            detail={"warehouse_has": old_line, "shopify_now": new_line, "acknowledged_file": check.file_name},
            run_id=run_id,
        )  # fmt: skip
        decisions[(check.entity_id, check.subject)] = record
    return apply_decisions(planned, checks, decisions)
