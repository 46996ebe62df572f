"""P4: orders + refunds out of the same seeded sandbox store (Standard plan, real-time clock) by ours, Airbyte
``source-shopify`` 4.3.0 and Singer ``tap-shopify`` 3.13.0; records per second, API calls (the sandbox's
request log), and records missing / duplicated against the store's ground truth.

Ours = ``ShopifyClient.fetch_orders`` + ``fetch_money_orders`` over the same window, then our flattening and
validation (``flatten_orders`` / ``validate_orders``, ``flatten_refunds`` / ``validate_refunds``), called as
plain functions. A record that validation sets aside counts as delivered (it is reported, not lost).
The peers run in their own venvs (``bench/peer_tools.py``). Sizes: quick 200 orders, full 2,000.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from graphql import get_named_type, is_leaf_type

from bench import peer_tools
from bench.report import Figure
from clients.shopify import ShopifyClient
from clients.shopify_budget import ThrottleBudget
from clients.shopify_windows import OrderWindow
from sandbox.clock import SandboxClock, parse_instant
from sandbox.shopify.generator import generate_store
from sandbox.shopify.schema import shopify_schema
from sandbox.shopify.server import RunningShopify, start_shopify_sandbox
from tasks.transform_orders import flatten_orders
from tasks.transform_refunds import flatten_refunds
from tasks.validate_orders import validate_orders
from tasks.validate_refunds import validate_refunds

SEED = 4
START_DATE = "2026-07-01"  # before every generated order's updatedAt (the store spans ~4 months)
PEER_TIMEOUT = 900.0
TARGET_RATIO = 3.0


@dataclass
class Outcome:
    """One tool's pull: order and refund ids emitted (numeric, as strings), seconds, API calls, a note."""

    tool: str
    orders: list[str]
    refunds: list[str]
    seconds: float
    calls: int
    note: str = ""
    measured: bool = True

    @property
    def records(self) -> int:
        """Orders plus refunds emitted."""
        return len(self.orders) + len(self.refunds)

    @property
    def rate(self) -> float:
        """Records per second of wall time."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Truth:
    """The store's order and refund ids (numeric, as strings) in the window."""

    orders: frozenset[str]
    refunds: frozenset[str]


def _numeric(value: Any) -> str:
    return str(value).rsplit("/", 1)[-1]


def _truth(shop: RunningShopify, start: datetime) -> Truth:
    data = httpx.get(f"{shop.admin_url}/orders", timeout=60).json()["orders"]
    chosen = [o for o in data if parse_instant(o["updatedAt"]) >= start]
    refunds = {_numeric(r["id"]) for o in chosen for r in o.get("refunds") or []}
    return Truth(frozenset(_numeric(o["id"]) for o in chosen), frozenset(refunds))


def _calls(shop: RunningShopify) -> int:
    return len(httpx.get(f"{shop.admin_url}/requests", timeout=60).json()["requests"])


def _sandbox(orders: int) -> tuple[RunningShopify, SandboxClock]:
    clock = SandboxClock(scale=1.0)  # real time: the buckets leak at Shopify's rates
    store = generate_store(SEED, orders=orders, clock=clock)
    return start_shopify_sandbox(store, clock, plan="standard"), clock


def ours(shop: RunningShopify, clock: SandboxClock, start: datetime) -> Outcome:
    """Our pull of the window: orders (+ validation) and money orders → refunds (+ validation)."""
    window = OrderWindow(start, clock.now() + timedelta(minutes=1))
    began = time.perf_counter()
    with ShopifyClient(shop.url, shop.token, budget=ThrottleBudget(), now=clock.now) as client:
        raw = client.fetch_orders(window, field="updated_at")
        frames = validate_orders.fn(flatten_orders.fn(raw), "ZAR", {o["id"]: o for o in raw})
        money = client.fetch_money_orders(window, field="updated_at")
        refunds = validate_refunds.fn(flatten_refunds.fn(money), "ZAR")
    seconds = time.perf_counter() - began
    order_ids = [_numeric(i) for i in frames.orders["order_id"]] + [
        _numeric(r.entity_id) for r in frames.rejected if r.entity_id
    ]
    refund_ids = [_numeric(i) for i in refunds.refunds["refund_id"]] + [
        _numeric(r.entity_id) for r in refunds.rejected if r.entity_id and "/Refund/" in str(r.entity_id)
    ]
    note = f"{len(frames.rejected)} orders and {len(refunds.rejected)} refunds set aside by validation"
    return Outcome("ours", order_ids, refund_ids, seconds, _calls(shop), note)


def singer_fields() -> dict[str, set[str]]:
    """The Order / Refund fields Singer may select here: scalars, enums and money bags the sandbox serves.

    Singer's full selection asks for fields the sandbox's schema lacks (``LineItem.customAttributes``,
    ``Refund.orderAdjustments``, ``MailingAddress.coordinatesValidated``, ``Order.shippingLine``, discount
    application fragments…) and fails, so its records here are lighter than Airbyte's and ours.
    """
    schema = shopify_schema()

    def simple(name: str) -> set[str]:
        fields = schema.get_type(name).fields  # type: ignore[union-attr]
        return {
            n
            for n, f in fields.items()
            if is_leaf_type(get_named_type(f.type)) or get_named_type(f.type).name == "MoneyBag"
        }

    return {"orders": simple("Order"), "order_refunds": simple("Refund")}


def _peer(tool: str, run: Callable[..., peer_tools.PeerRun], shop: RunningShopify, workdir: Path) -> Outcome:
    options: dict[str, Any] = {"served": singer_fields()} if tool == "singer" else {}
    try:
        result = run(shop.url, shop.token, START_DATE, workdir, timeout=PEER_TIMEOUT, **options)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return Outcome(tool, [], [], 0.0, _calls(shop), f"not measured: {exc}", measured=False)
    orders = [_numeric(i) for i in result.ids.get("orders", [])]
    refunds = [_numeric(i) for i in result.ids.get("order_refunds", [])]
    note = f"exit {result.returncode}" + (f"; {result.stderr_tail[-200:]!r}" if result.returncode else "")
    return Outcome(tool, orders, refunds, result.seconds, _calls(shop), note, measured=result.returncode == 0)


def measure(
    orders: int, tools: tuple[str, ...] = ("ours", "airbyte", "singer")
) -> tuple[Truth, list[Outcome]]:
    """Each tool against a fresh sandbox holding the same seeded store; the truth and the outcomes."""
    start = datetime.fromisoformat(START_DATE).replace(tzinfo=UTC)
    outcomes: list[Outcome] = []
    truth = Truth(frozenset(), frozenset())
    runners = {"airbyte": peer_tools.airbyte_read, "singer": peer_tools.singer_sync}
    with tempfile.TemporaryDirectory(prefix="p4-") as scratch:
        for tool in tools:
            shop, clock = _sandbox(orders)
            with shop:
                truth = _truth(shop, start)
                httpx.delete(f"{shop.admin_url}/requests", timeout=60)
                if tool == "ours":
                    outcomes.append(ours(shop, clock, start))
                else:
                    outcomes.append(_peer(tool, runners[tool], shop, Path(scratch) / tool))
    return truth, outcomes


def _missing(outcome: Outcome, truth: Truth) -> tuple[int, int]:
    missing = len(truth.orders - set(outcome.orders)) + len(truth.refunds - set(outcome.refunds))
    duplicated = outcome.records - len(set(outcome.orders)) - len(set(outcome.refunds))
    return missing, duplicated


def figures(truth: Truth, outcomes: list[Outcome], size: int) -> list[Figure]:
    """The P4 rows: per tool rate, calls, missing/duplicated; ours ÷ each peer against the 3× target."""
    rows: list[Figure] = []
    expected = len(truth.orders) + len(truth.refunds)
    mine = next((o for o in outcomes if o.tool == "ours"), None)
    for index, out in enumerate(outcomes):
        key = f"P4{'abc'[index]}"
        if not out.measured and not out.records:
            rows.append(Figure(key, f"{out.tool}: orders + refunds", "not measured", note=out.note[:300]))
            continue
        missing, duplicated = _missing(out, truth)
        how = (
            f"{size} orders seeded, {expected} records (orders {len(truth.orders)} + refunds "
            f"{len(truth.refunds)}); {out.seconds:.1f} s wall; {out.note}"
        )
        rows += [
            Figure(key, f"{out.tool}: records/s (orders + refunds)", f"{out.rate:,.1f}", note=how),
            Figure(key, f"{out.tool}: API calls", f"{out.calls}", note="sandbox request log"),
            Figure(
                key,
                f"{out.tool}: missing / duplicated",
                f"{missing} / {duplicated}",
                "0 missing",
                missing == 0,
            ),
        ]
        if mine is not None and out is not mine and out.rate > 0:
            ratio = mine.rate / out.rate
            rows.append(
                Figure(
                    key, f"ours ÷ {out.tool} records/s", f"{ratio:.2g}×", target=f"≥ {TARGET_RATIO:.0f}×",
                    met=ratio >= TARGET_RATIO and _missing(mine, truth)[0] == 0,
                )
            )  # fmt: skip
    return rows


def run(quick: bool) -> list[Figure]:
    """P4 at 200 (quick) or 2,000 orders."""
    size = 200 if quick else 2_000
    truth, outcomes = measure(size)
    return figures(truth, outcomes, size)
