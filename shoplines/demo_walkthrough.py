"""`shoplines demo`: what ops and support see, on the sandbox. The warehouse's answers come back (one order
rejected, the rest shipped, tracking into Shopify); with `--problems`, the failures the product exists for are
planted, with Shopify faults switched on during the runs, and each leaves an alert and a `trace` story."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from rich.console import Console

from shoplines import demo_problems, views
from shoplines.dates import Selector
from shoplines.lines import WAREHOUSE_DESTINATION
from shoplines.settings import load_settings
from shoplines.wiring import open_state, preflight

LINE = "orders-to-warehouse"


def orders_to_warehouse_now(
    first: date, last: date, by: Selector = "processed", *, redeliver: bool = False
) -> dict[str, int]:
    """Check the settings (one sentence if something is missing), then run orders → warehouse for the days."""
    from flows.orders_to_warehouse import orders_to_warehouse

    preflight(load_settings())
    return orders_to_warehouse(first, last, by, redeliver=redeliver)


def feedback(console: Console, running: dict[str, Any], rejected: str, *, push: bool = True) -> None:
    """The 3PL's answers back: acknowledgements, the rejection, shipments and (with `push`) tracking into
    Shopify."""
    from flows.warehouse_feedback import warehouse_feedback

    os.environ["SHOPLINES_SHOPIFY_PUSH_FULFILMENTS"] = "true" if push else "false"
    also = "; tracking into Shopify" if push else "; tracking into Shopify after the problems"
    console.print(f"\nReading the 3PL's answers (warehouse-feedback{also})", markup=False)
    views.counts(console, views.with_progress(console, warehouse_feedback), "the 3PL's answers")
    settings = load_settings()
    with open_state(settings) as state, demo_problems.Admin(running["shopify"]["admin_url"]) as admin:
        unfulfilled = state.unfulfilled_shipments(settings.shop_domain, WAREHOUSE_DESTINATION)
        waiting = sorted({s.entity_name for s in unfulfilled})
        ids = [o["id"] for o in admin.orders()]
        shown = sorted({s.entity_name for s in state.shipments(settings.shop_domain, ids)})[:3]
        for name, numbers in demo_problems.tracking(admin, shown).items():
            console.print(f"  Shopify now shows {name} with tracking {', '.join(numbers) or '(none)'}",
                          markup=False)  # fmt: skip
        for name in [rejected, *shown[:1]]:
            console.print()
            views.trace(console, name, state.trace(settings.shop_domain, name))
    if waiting:
        console.print(f"Not yet in Shopify (tried again next run): {', '.join(waiting)}", markup=False)


def problems(console: Console, running: dict[str, Any], first: date, last: date) -> None:
    """Plant a bad row, a held change, an address changed after acknowledgement, a cancel after delivery, an
    unsent change and a missed schedule; run with Shopify faults on; show the alerts and each story."""
    from flows.freshness import freshness_check
    from flows.reconcile import reconcile

    settings = load_settings()
    with demo_problems.Admin(running["shopify"]["admin_url"]) as admin, open_state(settings) as state:
        ids = {o["id"]: o["name"] for o in admin.orders()}
        sent = state.delivered_versions(settings.shop_domain, LINE, WAREHOUSE_DESTINATION, ids)
        planted = demo_problems.plant(admin, {ids[i] for i in sent})
        console.print(f"\nPlanted: {planted.bad} in US dollars, {planted.held} changed then held, "
                      f"{planted.cancelled} cancelled, {planted.moved} moved house after the warehouse "
                      "acknowledged it", markup=False)  # fmt: skip
        demo_problems.faults_on(admin, times=2)
        console.print("Shopify faults on: the next two order pages fail with 503 (retried)", markup=False)
        views.counts(console, orders_to_warehouse_now(first, last))
        demo_problems.plant_unsent(admin, planted)
        demo_problems.faults_on(admin, times=None)
        console.print(f"{planted.unsent} changed; Shopify now fails every order page: running the line",
                      markup=False)  # fmt: skip
        try:
            orders_to_warehouse_now(first, last)
        except Exception as exc:  # the failure is the point: it is announced, with what to do
            console.print(f"The run failed as it should: {type(exc).__name__}", markup=False)
        demo_problems.faults_off(admin)
    console.print("Faults off; reconciling the days", markup=False)
    console.print(reconcile(first, last).sentence(), markup=False, soft_wrap=True)
    console.print("Checking freshness (no scheduled run has ever completed here)", markup=False)
    freshness_check.fn()
    with open_state(settings) as state:
        views.alerts(console, state.alerts(settings.shop_domain))
        for approval in state.approvals(settings.shop_domain):
            console.print(f"Waiting for a person: approval {approval.id}, {approval.summary} "
                          f"(shoplines approvals show {approval.id})", markup=False)  # fmt: skip
        for name in planted.names():
            console.print()
            views.trace(console, name, state.trace(settings.shop_domain, name))


def accounting(console: Console, running: dict[str, Any], first: date, last: date) -> None:
    """Connect the shop to the sandbox's Xero (it consents at once), post the orders and refunds of the days,
    and show a posted order's story. Refunds above the threshold wait for `shoplines approvals`."""
    import httpx

    from flows.orders_to_accounting import orders_to_accounting
    from flows.refunds_to_accounting import refunds_to_accounting
    from shoplines.xero_connect import connect
    from shoplines.xero_tokens import PROVIDER, load_xero_settings

    if "xero" not in running:
        console.print("The sandbox serves no Xero: accounting skipped", markup=False)
        return
    settings = load_settings()
    with open_state(settings) as state:
        if state.accounting_connection(settings.shop_domain, PROVIDER) is None:

            def browser(url: str) -> None:  # the merchant's consent: the sandbox grants it at once
                httpx.get(url, follow_redirects=True, timeout=30).raise_for_status()

            done = connect(load_xero_settings(), state, settings.shop_domain, open_url=browser, port=0)
            console.print(f"\nConnected to the Xero organisation {done.tenant.tenant_name} (sandbox)",
                          markup=False)  # fmt: skip
    console.print("Posting the orders to Xero (orders-to-accounting)", markup=False)
    views.counts(
        console, views.with_progress(console, lambda: orders_to_accounting(first, last)), "orders → Xero"
    )
    console.print("Posting the refunds to Xero (refunds-to-accounting)", markup=False)
    views.counts(
        console, views.with_progress(console, lambda: refunds_to_accounting(first, last)), "refunds → Xero"
    )
    with open_state(settings) as state:
        invoices = state.postings(settings.shop_domain, kind="invoice", status="posted")
        waiting = state.approvals(settings.shop_domain, status="pending")
        lines = ("orders-to-accounting", "refunds-to-accounting")
        views.alerts(console, [a for a in state.alerts(settings.shop_domain) if a.line in lines])
        if invoices:
            name = invoices[0].entity_name
            console.print()
            views.trace(console, name, state.trace(settings.shop_domain, name))
    for approval in (a for a in waiting if a.kind == "refund-over-threshold"):
        console.print(f"Waiting for a person: approval {approval.id}, {approval.summary} "
                      f"(shoplines approvals show {approval.id})", markup=False)  # fmt: skip


def month_end(console: Console, running: dict[str, Any]) -> None:
    """Make the finance pack of the last whole month before the sandbox's clock started, deliver it to the
    sandbox's finance folder, and say where it is."""
    from datetime import datetime
    from pathlib import Path

    from flows.month_end import month_end as month_end_flow
    from shoplines.month_end_view import month_end as show
    from tasks.pack_period import previous_month

    settings = load_settings()
    started = datetime.fromisoformat(str(running["shopify"]["clock_start"]).replace("Z", "+00:00"))
    month = previous_month(started, settings.shop_timezone)
    console.print(f"\nMaking the month-end pack for {month} (month-end)", markup=False)
    result = views.with_progress(console, lambda: month_end_flow(month))
    show(console, result)
    if result.pack and settings.month_end_sftp_dir and "sftp" in running:
        where = Path(running["sftp"]["root"]) / settings.month_end_sftp_dir / result.pack
        console.print(f"Finance's copy (the sandbox's SFTP folder): {where}", markup=False, soft_wrap=True)
