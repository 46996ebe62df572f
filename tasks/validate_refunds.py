"""Validate flattened refunds and transactions lazily. A refund with any failing row (its own, a line, a
shipping line or one of its transactions) is set aside whole with all its reasons; the rest go on."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pandas as pd
from prefect import task

from schemas.refunds import ShopifyRefund, ShopifyRefundLine, ShopifyRefundShipping
from schemas.transactions import GATEWAYS, MONEY_IN, ShopifyTransaction, known_gateway
from tasks import received as rd
from tasks.caching import PER_RUN
from tasks.received import COULD_NOT_CHECK, UNMAPPED_GATEWAY, Notice
from tasks.transform_orders import Rejected
from tasks.transform_refunds import RefundFrames


def _with_payments(refunds: pd.DataFrame, txns: pd.DataFrame, unknown: dict[str, str]) -> pd.DataFrame:
    """Each refund with what its order was paid and what its other, earlier refunds paid back."""
    done = txns[txns["status"] == "SUCCESS"]
    paid: list[int | None] = []
    before: list[int | None] = []
    for r in refunds.to_dict("records"):
        if r["order_id"] in unknown:
            paid.append(None)
            before.append(None)
            continue
        mine = done[done["order_id"] == r["order_id"]]
        when = r["created_at"] if isinstance(r["created_at"], datetime) else r["updated_at"]
        others = (mine["kind"] == "REFUND") & (mine["refund_id"] != r["refund_id"])
        earlier = others & (mine["created_at"] <= when)
        paid.append(int(mine.loc[mine["kind"].isin(MONEY_IN), "amount_cents"].sum()))
        before.append(int(mine.loc[earlier, "amount_cents"].sum()))
    return refunds.assign(
        paid_cents=pd.array(paid, dtype="Int64"), refunded_before_cents=pd.array(before, dtype="Int64")
    )


def _merge(into: dict[str, list[str]], found: dict[str, list[str]], prefix: str = "") -> None:
    for ident, texts in found.items():
        into[ident].extend(f"{prefix}{t}" for t in texts)


@task(name="validate-refunds", **PER_RUN)
def validate_refunds(frames: RefundFrames, currency: str) -> RefundFrames:
    """Schema and business checks. A refund with any failing row (its own, a line, a shipping line or one of
    its transactions) is rejected whole; a failing payment not tied to a refund is rejected alone."""
    tx_schema = rd.with_shop_currency(ShopifyTransaction, currency)
    _, bad_tx = rd.failures(tx_schema, frames.transactions, "transaction_id")
    txns = frames.transactions
    owners = {t: r for t, r in zip(txns.transaction_id, txns.refund_id, strict=True) if isinstance(r, str)}
    bad_refunds: dict[str, list[str]] = defaultdict(list)
    for tid, texts in bad_tx.items():
        if tid in owners:
            _merge(bad_refunds, {owners[tid]: texts}, f"transaction {rd.clip(tid)}: ")
    unknown = dict(frames.payments_unknown)
    for oid in frames.transactions.loc[frames.transactions.transaction_id.isin(bad_tx), "order_id"]:
        unknown.setdefault(oid, "a transaction of the order was set aside")
    good_tx = tx_schema.validate(frames.transactions[~frames.transactions.transaction_id.isin(bad_tx)])
    refunds = _with_payments(frames.refunds, good_tx, unknown)
    _merge(bad_refunds, rd.failures(rd.with_shop_currency(ShopifyRefund, currency), refunds, "refund_id")[1])
    _merge(bad_refunds, rd.failures(ShopifyRefundLine.to_schema(), frames.refund_lines, "refund_id")[1])
    _merge(
        bad_refunds, rd.failures(ShopifyRefundShipping.to_schema(), frames.refund_shipping, "refund_id")[1]
    )
    return _assemble(frames, refunds=refunds, good_tx=good_tx, bad_refunds=bad_refunds, bad_tx=bad_tx,
                     owners=owners, unknown=unknown)  # fmt: skip


def _assemble(
    frames: RefundFrames,
    *,
    refunds: pd.DataFrame,
    good_tx: pd.DataFrame,
    bad_refunds: dict[str, list[str]],
    bad_tx: dict[str, list[str]],
    owners: dict[str, str],
    unknown: dict[str, str],
) -> RefundFrames:
    """Good rows re-validated (coerced), the rest as `Rejected`, and the notices for what went on."""
    gone = set(bad_refunds) | {r.entity_id for r in frames.rejected if r.entity_id}
    names = dict(zip(frames.refunds.refund_id, frames.refunds.order_name, strict=True))
    names |= dict(zip(frames.transactions.transaction_id, frames.transactions.order_name, strict=True))
    rejected = list(frames.rejected) + [
        Rejected(ident, names.get(ident), "; ".join(dict.fromkeys(texts)), frames.payloads.get(ident, {}))
        for ident, texts in [*bad_refunds.items(), *((t, x) for t, x in bad_tx.items() if t not in owners)]
    ]
    keep = lambda df: df[~df["refund_id"].isin(gone)]  # noqa: E731
    kept = ShopifyRefund.validate(keep(refunds))
    transactions = ShopifyTransaction.validate(keep(good_tx))
    unchecked = [
        Notice(r["refund_id"], r["order_name"], COULD_NOT_CHECK,
               f"refund total not checked against payments: {unknown[r['order_id']]}")
        for r in kept.to_dict("records") if r["order_id"] in unknown and r["total_refunded_cents"] > 0
    ]  # fmt: skip
    expected = ", ".join(sorted(set(GATEWAYS.values())))
    unmapped = [
        Notice(t["transaction_id"], t["order_name"], UNMAPPED_GATEWAY,
               f"gateway {rd.show(t['gateway'])} is not one of {expected}")
        for t in transactions.to_dict("records") if known_gateway(t["gateway"]) is None
    ]  # fmt: skip
    return RefundFrames(
        kept,
        ShopifyRefundLine.validate(keep(frames.refund_lines)),
        ShopifyRefundShipping.validate(keep(frames.refund_shipping)),
        transactions,
        rejected,
        unchecked,
        unmapped,
        unknown,
        frames.payloads,
    )
