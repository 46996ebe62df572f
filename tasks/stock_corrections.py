"""Corrections of Shopify's `on_hand` to the warehouse's count: proposed as one batch per compared file,
applied only after a person approves it (`shoplines approvals approve ID`), compare-and-set so a sale or
receipt in between is never overwritten, once per batch (an idempotency key, and an intent recorded before
the call).

A batch whose counts moved in Shopify before it was applied is marked stale, nothing written; the next
comparison proposes a fresh one. A run killed after Shopify applied a batch finds it applied on the re-run:
Shopify replays the first answer for the same key, and if the key has expired the counts already equal the
targets.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clients.shopify import ShopifyClient
from clients.shopify_inventory import InventoryRefused, OnHandChange
from shoplines.alerting import Alerts, Problem
from shoplines.crashpoints import crash_point
from shoplines.errors import ConfigError
from shoplines.state.records import ApprovalRecord, JournalRow
from shoplines.state.store import StateStore

KIND = "stock-correction"
FIRST_VERSION = "2026-04"  # changeFromQuantity and the required idempotency key
STALE = "correction-stale:"  # + approval id
REFUSED = "correction-refused:"  # + approval id


def check_api_version(corrections: bool, api_version: str) -> None:
    """Corrections speak `inventorySetQuantities` as of API 2026-04: an older pinned version is refused."""
    if corrections and api_version < FIRST_VERSION:
        raise ConfigError(
            f"SHOPLINES_INVENTORY_CORRECTIONS needs Shopify API {FIRST_VERSION} or later (changeFromQuantity "
            f"and idempotency keys); SHOPLINES_SHOPIFY_API_VERSION is {api_version}"
        )


def changes(comparison: pd.DataFrame) -> list[dict[str, Any]]:
    """Mismatches Shopify can be corrected for: on_hand moves by what is unexplained, to the nearest count
    the in-flight units explain (never a SKU Shopify does not stock, nor one the warehouse did not count)."""
    fixable = comparison[
        (comparison["status"] == "mismatch")
        & comparison["inventory_item_id"].notna()
        & comparison["shopify_on_hand"].notna()
        & comparison["warehouse_quantity"].notna()
    ]
    return [
        {"sku": r["sku"], "inventory_item_id": r["inventory_item_id"], "location_id": r["location_id"],
         "expected": int(r["shopify_on_hand"]), "to": int(r["shopify_on_hand"]) - int(r["unexplained"]),
         "warehouse": int(r["warehouse_quantity"]), "in_flight": int(r["in_flight"])}
        for r in fixable.to_dict("records")
    ]  # fmt: skip


def propose(
    state: StateStore, batch: list[dict[str, Any]], *, shop_id: str, line: str, file_name: str, sha256: str,
    run_id: str,
) -> ApprovalRecord | None:  # fmt: skip
    """Ask a person to approve the batch; a newer batch withdraws the pending older ones."""
    pending = state.approvals(shop_id, status="pending", line=line, kind=KIND)
    older = [a.id for a in pending if a.subject != sha256[:32]]
    state.withdraw_approvals(older, f"superseded by the count in {file_name}")
    if not batch:
        return None
    listed = ", ".join(f"{c['sku']} {c['expected']}→{c['to']}" for c in batch[:5])
    summary = (
        f"set Shopify's on_hand for {len(batch)} SKU(s) to the warehouse's count in {file_name}: {listed}"
        + (f" and {len(batch) - 5} more" if len(batch) > 5 else "")
    )
    record, _ = state.request_approval(
        shop_id, line=line, kind=KIND, entity_id=f"stock:{file_name}", entity_name=file_name,
        subject=sha256[:32], summary=summary, detail={"changes": batch, "file": file_name}, run_id=run_id,
    )  # fmt: skip
    return record


def apply_approved(
    shopify: ShopifyClient, state: StateStore, alerts: Alerts, *, shop_id: str, line: str, run_id: str
) -> dict[str, int]:
    """Apply every approved batch not applied yet, each once."""
    counts = {"corrections_applied": 0, "corrections_stale": 0}
    for approval in state.approvals(shop_id, status="approved", line=line, kind=KIND):
        done = state.stock_correction(shop_id, approval.id)
        if done is not None and done.status != "intent":
            continue
        outcome = _apply(shopify, state, alerts, approval, run_id=run_id)
        counts[f"corrections_{outcome}"] = counts.get(f"corrections_{outcome}", 0) + 1
    return counts


def _apply(
    shopify: ShopifyClient, state: StateStore, alerts: Alerts, approval: ApprovalRecord, *, run_id: str
) -> str:
    batch = approval.detail["changes"]
    key = f"shoplines-stock-{approval.id}-{approval.subject[:16]}"  # unique even across state databases
    record = state.begin_stock_correction(approval.shop_id, approval.id, key=key, run_id=run_id)
    crash_point("after_correction_intent")
    wanted = [OnHandChange(c["inventory_item_id"], c["location_id"], c["to"], c["expected"]) for c in batch]
    try:
        result = shopify.set_on_hand(
            wanted, key=key, reference=f"shoplines://stock-corrections/{approval.id}"
        )
    except InventoryRefused as exc:
        state.finish_stock_correction(record.id, status="refused", group_id=None, message=str(exc))
        alerts.report(_refused(approval, str(exc)))
        return "refused"
    crash_point("after_correction_before_mark")
    if result.stale and _already(shopify, wanted):  # the key expired, but our earlier attempt got through
        result_status, group, words = (
            "applied",
            None,
            "applied by an earlier attempt (counts equal the targets)",
        )
    elif result.stale:
        result_status, group, words = "stale", None, "a count moved in Shopify first: nothing written"
    else:
        result_status, group, words = "applied", result.group_id, f"applied (adjustment {result.group_id})"
    state.finish_stock_correction(record.id, status=result_status, group_id=group, message=words)
    state.journal(approval.shop_id, approval.line, run_id, _journal(approval, batch, result_status))
    if result_status == "stale":
        alerts.report(_stale(approval))
    return result_status


def _already(shopify: ShopifyClient, wanted: list[OnHandChange]) -> bool:
    locations = sorted({c.location_id for c in wanted})
    pull = shopify.fetch_inventory_levels(location_ids=locations)
    now: dict[tuple[str, str], int] = {}
    for level in pull.levels:
        hand = [q["quantity"] for q in level.get("quantities", []) if q.get("name") == "on_hand"]
        if hand:
            now[(level["item"]["id"], level["location"]["id"])] = int(hand[0])
    return all(now.get((c.inventory_item_id, c.location_id)) == c.to for c in wanted)


def _journal(approval: ApprovalRecord, batch: list[dict[str, Any]], status: str) -> list[JournalRow]:
    who = f"approved by {approval.decided_by}"
    return [
        JournalRow(
            c["inventory_item_id"],
            c["sku"],
            f"correction-{status}",
            f"Shopify on_hand at {c['location_id']} {c['expected']} → {c['to']} ({who}; warehouse counted "
            f"{c['warehouse']}, {c['in_flight']} in flight): "
            + ("applied" if status == "applied" else "not written, a count moved in Shopify first"),
            {"approval": approval.id},
        )
        for c in batch
    ]


def _stale(approval: ApprovalRecord) -> Problem:
    return Problem(
        key=f"{STALE}{approval.id}",
        title=f"stock correction {approval.id} was not applied: Shopify's counts moved first",
        what=f"{approval.summary}. A sale, a receipt or a person changed some of these counts after the "
        "comparison, so nothing was written (no sale is ever overwritten).",
        next_step="Nothing to undo. The next comparison proposes a fresh batch: approve that one instead.",
        kind="event",
    )


def _refused(approval: ApprovalRecord, words: str) -> Problem:
    return Problem(
        key=f"{REFUSED}{approval.id}",
        title=f"Shopify refused stock correction {approval.id}",
        what=f"{approval.summary}. Shopify said: {words}. Nothing was written.",
        next_step="Check the SKUs and locations named (an item no longer stocked there?); the next "
        "comparison proposes a fresh batch.",
        kind="event",
    )
