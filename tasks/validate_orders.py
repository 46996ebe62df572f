"""Validate flattened orders lazily: every failing order is set aside with all its reasons, the rest go on."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pandera.pandas as pa
from prefect import task

from schemas.orders import ShopifyFulfillmentLine, ShopifyLineItem, ShopifyOrder
from tasks.caching import PER_RUN
from tasks.transform_orders import OrderFrames, Payload, Rejected


def _failures(
    model: type[pa.DataFrameModel], frame: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Validate `frame`; return it coerced and the reasons per order_id (empty when all good)."""
    reasons: dict[str, list[str]] = defaultdict(list)
    try:
        return model.validate(frame, lazy=True), reasons
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    whole_frame = cases["index"].isna()
    if whole_frame.any():  # a column-level failure (dtype, missing column) condemns every row
        problem = "; ".join(sorted({_describe(c) for _, c in cases[whole_frame].iterrows()}))
        for order_id in frame["order_id"].dropna().unique():
            reasons[str(order_id)].append(problem)
    for _, case in cases[~whole_frame].iterrows():
        order_id = frame.loc[case["index"], "order_id"] if case["index"] in frame.index else None
        reasons[str(order_id)].append(_describe(case))
    return frame, {oid: list(dict.fromkeys(texts)) for oid, texts in reasons.items()}


def _describe(case: pd.Series) -> str:
    if case["check"] == "column_in_dataframe":
        return f"column {case['failure_case']} is missing"
    if case["schema_context"] == "DataFrameSchema" and not pd.isna(case["index"]):
        return str(case["check"])  # a row-wise business check: its message says it all
    return f"{case['column']}: failed {case['check']} (value {case['failure_case']!r})"


def _currency_reasons(orders: pd.DataFrame, currency: str) -> dict[str, list[str]]:
    wrong = orders[orders["currency"] != currency]
    return {
        oid: [f"currency is {cur}, the shop's is {currency}"]
        for oid, cur in zip(wrong.order_id, wrong.currency, strict=True)
    }


@task(name="validate-orders", **PER_RUN)
def validate_orders(frames: OrderFrames, currency: str, payloads: dict[str, Payload]) -> OrderFrames:
    """Schema and business checks; orders with any failing row (header, line or fulfilment) are rejected
    whole."""
    orders, bad = _failures(ShopifyOrder, frames.orders)
    lines, bad_lines = _failures(ShopifyLineItem, frames.lines)
    fulfillment, bad_fulfillment = _failures(ShopifyFulfillmentLine, frames.fulfillment_lines)
    reasons: dict[str, list[str]] = defaultdict(list)
    for found in (bad, bad_lines, bad_fulfillment, _currency_reasons(frames.orders, currency)):
        for order_id, texts in found.items():
            reasons[order_id].extend(texts)
    names = dict(zip(frames.orders.order_id, frames.orders.order_name, strict=True))
    rejected = list(frames.rejected) + [
        Rejected(oid, names.get(oid), "; ".join(dict.fromkeys(texts)), payloads.get(oid, {}))
        for oid, texts in reasons.items()
    ]
    keep = lambda df: df[~df["order_id"].isin(reasons.keys())]  # noqa: E731
    if reasons:
        orders = ShopifyOrder.validate(keep(frames.orders))
        lines = ShopifyLineItem.validate(keep(frames.lines))
        fulfillment = ShopifyFulfillmentLine.validate(keep(frames.fulfillment_lines))
    return OrderFrames(orders, lines, fulfillment, rejected)
