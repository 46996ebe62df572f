"""P1: our paged order pull (`ShopifyClient.fetch_orders`) against the Shopify sandbox at real-time limits.

The figure is wall time ÷ the least time Shopify's cost model allows: every point above the initial bucket
has to be restored first, so the floor is ``max(0, Σ actual cost − bucket) ÷ restore rate``. The sandbox's
clock runs at scale 1, so its leaky bucket refills at the plan's real rate. The sandbox serves from a process
of its own (as Shopify is not inside the client's process: no shared GIL), and the two plans run at the same
time, each client in its own process too: the two floors are each ~20 minutes at full size.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

import httpx

from bench.report import Figure
from clients.shopify import ShopifyClient
from clients.shopify_budget import ThrottleBudget
from clients.shopify_events import ClientEvent
from clients.shopify_windows import OrderWindow
from sandbox.clock import SandboxClock
from sandbox.shopify.generator import generate_store
from sandbox.shopify.server import start_shopify_sandbox
from sandbox.shopify.throttle import PLANS

TARGET = 1.05
SEED = 11
FULL = {"plus": 20_000, "standard": 2_000}
QUICK = {"plus": 2_000, "standard": 400}
PROGRESS_EVERY = 30.0  # seconds between progress lines


@dataclass(frozen=True)
class Pull:
    """What one pull did, from the client's side and from the sandbox's request log."""

    plan: str
    stored: int  # orders in the sandbox store
    fetched: int  # orders `fetch_orders` returned
    wall: float  # seconds for `fetch_orders`
    actual: int  # Σ actualQueryCost the sandbox charged
    requested: int  # Σ requestedQueryCost
    requests: int  # GraphQL requests the sandbox answered
    pages: int  # OrdersPage requests answered with data
    follow_ups: int  # nested-connection requests answered with data
    throttled_sent: int  # THROTTLED replies the sandbox sent
    throttled_retried: int  # THROTTLED the client reported and retried
    slept: float  # seconds the client slept waiting for points (or backing off)

    @property
    def floor(self) -> float:
        """The cost model's least wall time: points beyond the initial bucket at the restore rate."""
        rate, bucket = PLANS[self.plan]
        return max(0.0, self.actual - bucket) / rate

    @property
    def ratio(self) -> float:
        """Wall time ÷ floor (infinite when the floor is 0 but time was spent)."""
        return self.wall / self.floor if self.floor > 0 else float("inf")


def serve(plan: str, orders: int, seed: int, pipe: Connection) -> None:
    """Child process: generate the store, serve it at ``plan`` (clock scale 1) until told to stop."""
    clock = SandboxClock(scale=1.0)
    store = generate_store(seed, orders=orders, clock=clock)
    # The store is millions of long-lived objects: without this the cyclic GC walks them all again and
    # again while pages are served (profiled at 20,000 orders: 3.5 s → 0.6 s for two pages).
    gc.freeze()
    with start_shopify_sandbox(store, clock, plan=plan, seed=seed) as shop:
        pipe.send((shop.url, shop.token, shop.admin_url, sum(1 for _ in store.orders())))
        pipe.recv()


def pull(plan: str, orders: int, seed: int = SEED) -> Pull:
    """Serve ``orders`` generated orders at ``plan``'s limits from a child process and pull them all.

    Args:
        plan: Sandbox throttle plan (``plus``, ``standard``…).
        orders: Orders in the generated store.
        seed: Store generator seed.

    Returns:
        The measurements of the pull.
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(plan, orders, seed, theirs), name=f"sandbox-{plan}")
    server.start()
    try:
        url, token, admin_url, stored = ours.recv()
        clock = SandboxClock(scale=1.0)  # the same default start as the sandbox's, for the 60-day check
        window = OrderWindow(clock.start - timedelta(days=3 * 365), clock.start + timedelta(days=1))
        events: list[ClientEvent] = []
        label, last = f"P1 {plan} {orders:,}", [time.monotonic()]
        started = time.monotonic()

        def progress(done: int, _cost: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                print(f"  {label}: {done:,}/{stored:,} orders after {now - started:.0f} s", flush=True)

        slept = [0.0]

        def sleep(seconds: float) -> None:  # the budget's real sleep, added up
            slept[0] += seconds
            time.sleep(seconds)

        budget = ThrottleBudget(sleep=sleep)  # time_scale 1: the sandbox clock runs in real time
        # P1 measures paging: a window this long would otherwise be read by one bulk operation
        with ShopifyClient(
            url, token, budget=budget, on_event=events.append, now=clock.now, bulk_from=None
        ) as client:
            started = time.monotonic()
            fetched = client.fetch_orders(window, on_page=progress)
            wall = time.monotonic() - started
        log: list[dict[str, Any]] = httpx.get(f"{admin_url}/requests", timeout=60).json()["requests"]
    finally:
        ours.send("stop")
        server.join(30)
        if server.is_alive():
            server.terminate()
    answered = [r for r in log if r["status"] == 200 and not r["errors"]]
    return Pull(
        plan=plan,
        stored=stored,
        fetched=len(fetched),
        wall=wall,
        actual=sum(r["actual_cost"] or 0 for r in log),
        requested=sum(r["requested_cost"] or 0 for r in log),
        requests=len(log),
        pages=sum(1 for r in answered if r["operation_name"] == "OrdersPage"),
        follow_ups=sum(1 for r in answered if r["operation_name"] not in ("OrdersPage", "AccessScopes")),
        throttled_sent=sum(1 for r in log if "THROTTLED" in r["errors"]),
        throttled_retried=sum(1 for e in events if e.kind == "throttled"),
        slept=slept[0],
    )


def _pull_into(plan: str, orders: int, results: Any) -> None:
    results.put(pull(plan, orders))


def figure(key: str, result: Pull) -> Figure:
    """The P1 figure of one pull: met when within target, complete and every THROTTLED retried."""
    unhandled = max(0, result.throttled_sent - result.throttled_retried)
    complete = result.fetched == result.stored
    rate, bucket = PLANS[result.plan]
    note = (
        f"{result.fetched:,}/{result.stored:,} orders at {result.plan} ({rate:,.0f} points/s, bucket "
        f"{bucket:,.0f}), sandbox clock scale 1: wall {result.wall:.1f} s ÷ floor {result.floor:.1f} s = "
        f"(Σ actual {result.actual:,} − {bucket:,.0f}) ÷ {rate:,.0f}; "
        f"{result.actual / max(result.fetched, 1):.1f} actual points/order "
        f"(requested {result.requested / max(result.fetched, 1):.1f}); {result.pages:,} pages, "
        f"{result.follow_ups:,} nested follow-ups, {result.requests:,} requests; THROTTLED sent "
        f"{result.throttled_sent}, unhandled {unhandled}; the client slept {result.slept:.0f} s for points, "
        f"the other {result.wall - result.slept:.0f} s went on requests: the sandbox (graphql-core, "
        "its own process on the same machine) answering them is inside the wall time."
    )
    return Figure(
        key,
        f"paged pull, {result.plan}: wall ÷ cost-model floor",
        f"{result.ratio:.3f}",
        f"≤ {TARGET}",
        result.ratio <= TARGET and complete and unhandled == 0,
        note,
    )


def sizes(quick: bool) -> dict[str, int]:
    """Orders per plan; ``BENCH_P1_PLUS`` / ``BENCH_P1_STANDARD`` override."""
    chosen = dict(QUICK if quick else FULL)
    for plan in chosen:
        override = os.environ.get(f"BENCH_P1_{plan.upper()}")
        if override:
            chosen[plan] = int(override)
    return chosen


def run(quick: bool) -> list[Figure]:
    """P1a (Plus) and P1b (Standard), pulled at the same time in two processes."""
    plans = sizes(quick)
    for plan, orders in plans.items():
        rate, bucket = PLANS[plan]
        print(f"  P1 {plan}: {orders:,} orders at {rate:,.0f} points/s, bucket {bucket:,.0f}", flush=True)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_pull_into, args=(plan, orders, queue), name=f"pull-{plan}")
               for plan, orders in plans.items()]  # fmt: skip
    for worker in workers:
        worker.start()
    found = [queue.get() for _ in workers]  # a worker that dies leaves this waiting: see its traceback
    for worker in workers:
        worker.join()
    results = {result.plan: result for result in found}
    figures = []
    for key, plan in zip(("P1a", "P1b"), plans, strict=True):
        result = results[plan]
        print(
            f"  P1 {plan}: {result.wall:.1f} s, floor {result.floor:.1f} s, ratio {result.ratio:.3f}",
            flush=True,
        )
        figures.append(figure(key, result))
    return figures
