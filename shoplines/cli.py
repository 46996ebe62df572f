"""The `shoplines` command: sandbox, runs and the demo. Errors are one sentence and a non-zero exit."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from shoplines.cli_approvals import approvals_app
from shoplines.cli_errors import explain
from shoplines.cli_prefect import prefect_app
from shoplines.cli_xero import xero_app
from shoplines.lines import WAREHOUSE_DESTINATION
from shoplines.settings import load_settings

app = typer.Typer(
    help="shoplines: Shopify orders to the warehouse and the books, exactly once.", no_args_is_help=True
)
sandbox_app = typer.Typer(
    help="The local stand-ins for Shopify and the 3PL's SFTP server.", no_args_is_help=True
)
ledger_app = typer.Typer(help="The delivery ledger: uploads that need a person.", no_args_is_help=True)
run_app = typer.Typer(help="Run an integration line now.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Orders held back because their data failed checks.", no_args_is_help=True)
check_app = typer.Typer(help="Checks that catch what no run reports: missed schedules, hanging runs.",
                        no_args_is_help=True)  # fmt: skip
contract_app = typer.Typer(help="Each line's contract: what is sent, when, and what happens on failure.",
                           no_args_is_help=True)  # fmt: skip
lease_app = typer.Typer(
    help="Which runs hold which windows of a line; free a stuck one.", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(run_app, name="run")
app.add_typer(ledger_app, name="ledger")
app.add_typer(lease_app, name="lease")
app.add_typer(contract_app, name="contract")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(check_app, name="check")
app.add_typer(approvals_app, name="approvals")
app.add_typer(xero_app, name="xero")
app.add_typer(prefect_app, name="prefect")
console = Console()

DEMO_TIME_SCALE = 20.0  # the demo shop's clock runs 20x: Standard-plan pacing in seconds, not minutes
DAY_HELP = "A day in the shop's time zone (YYYY-MM-DD)"


class By(StrEnum):
    """What --from/--to select on."""

    processed = "processed"
    updated = "updated"


class Outcome(StrEnum):
    """How a person settles an unconfirmed upload."""

    delivered = "delivered"
    not_delivered = "not-delivered"


class Plan(StrEnum):
    """Shopify plans whose API limits the sandbox can apply."""

    standard = "standard"
    advanced = "advanced"
    plus = "plus"
    enterprise = "enterprise"


def _home() -> Path:
    return load_settings().home


@sandbox_app.command("up")
def sandbox_up(
    seed: Annotated[int, typer.Option(help="Seed of the generated store.")] = 42,
    orders: Annotated[
        str,
        typer.Option(help="How many orders to generate, or a JSON Lines file of recorded orders to replay."),
    ] = "300",
    time_scale: Annotated[float, typer.Option(min=0.001, help="Sandbox clock speed (1 = real time).")] = 1.0,
    plan: Annotated[Plan, typer.Option(help="Shopify plan whose API limits apply.")] = Plan.standard,
) -> None:
    """Start the sandbox in the background and record where it listens under SHOPLINES_HOME."""
    from shoplines import sandbox_control, views

    count, orders_file = _orders_option(orders)
    options = sandbox_control.SandboxOptions(seed, count, orders_file, time_scale, plan.value)
    views.sandbox(console, sandbox_control.up(_home(), options))


def _orders_option(value: str) -> tuple[int, Path | None]:
    """`--orders 300` generates; `--orders recorded.jsonl` replays a file (which must exist)."""
    if value.isdigit():
        return int(value), None
    path = Path(value)
    if not path.is_file():
        raise typer.BadParameter(
            f"{value} is neither a number of orders nor a JSON Lines file", param_hint="--orders"
        )
    return 0, path


@sandbox_app.command("down")
def sandbox_down() -> None:
    """Stop the background sandbox."""
    from shoplines import sandbox_control

    stopped = sandbox_control.down(_home())
    console.print("sandbox stopped" if stopped else "no sandbox was running")


@sandbox_app.command("status")
def sandbox_status() -> None:
    """Show whether the sandbox runs and where."""
    from shoplines import sandbox_control, views

    running = sandbox_control.info(_home())
    if running is None:
        console.print("no sandbox is running (start one with `shoplines sandbox up`)")
        raise typer.Exit(1)
    views.sandbox(console, running)


@run_app.command("orders-to-warehouse")
def run_orders_to_warehouse(
    date_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help=DAY_HELP)],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help=f"{DAY_HELP}, inclusive.")],
    by: Annotated[By, typer.Option(help="Select by business date (processed) or change time (updated).")] = (
        By.processed
    ),
    redeliver: Annotated[
        bool,
        typer.Option(help="Also re-send versions the warehouse already has, once, as REPLACEMENT records."),
    ] = False,
) -> None:
    """Send the warehouse every eligible order version it has not had yet for the given days."""
    from shoplines import views
    from shoplines.demo_walkthrough import orders_to_warehouse_now

    if date_to < date_from:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    counts = views.with_progress(
        console,
        lambda: orders_to_warehouse_now(date_from.date(), date_to.date(), by.value, redeliver=redeliver),
    )
    views.counts(console, counts)


@run_app.command("warehouse-feedback")
def run_warehouse_feedback() -> None:
    """Read the 3PL's answers (acknowledgements, rejections, shipments) once each and archive them; alert on
    rejections and on files left unanswered."""
    from flows.warehouse_feedback import warehouse_feedback
    from shoplines import views
    from shoplines.wiring import preflight

    preflight(load_settings())
    views.counts(console, views.with_progress(console, warehouse_feedback), "the 3PL's answers")


@run_app.command("inventory")
def run_inventory(
    full: Annotated[
        bool, typer.Option("--full", help="Re-read every Shopify level, not only the changed.")
    ] = False,
) -> None:
    """Compare Shopify's stock with the warehouse's newest stock count: a mismatch report (CSV and artifact)
    naming the worst SKUs, low-stock alerts once per crossing, approved corrections applied."""
    from flows.inventory import inventory
    from shoplines import views
    from shoplines.wiring import preflight

    preflight(load_settings())
    views.counts(console, views.with_progress(console, lambda: inventory(full)), "stock")


@run_app.command("orders-to-accounting")
def run_orders_to_accounting(
    date_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help=DAY_HELP)],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help=f"{DAY_HELP}, inclusive.")],
) -> None:
    """Post the orders of the given days to Xero (an invoice per order, or a daily summary per gateway, and
    the payment into the gateway's clearing account); what the books already have is never posted again."""
    from flows.orders_to_accounting import orders_to_accounting
    from shoplines import views

    if date_to < date_from:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    counts = views.with_progress(console, lambda: orders_to_accounting(date_from.date(), date_to.date()))
    views.counts(console, counts, "orders → Xero")


@run_app.command("refunds-to-accounting")
def run_refunds_to_accounting(
    date_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help=DAY_HELP)],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help=f"{DAY_HELP}, inclusive.")],
) -> None:
    """Post the refunds created on the given days to Xero as credit notes (paid out of the gateway's clearing
    account, or allocated to the order's invoice); refunds above the threshold wait for `approvals`."""
    from flows.refunds_to_accounting import refunds_to_accounting
    from shoplines import views

    if date_to < date_from:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    counts = views.with_progress(console, lambda: refunds_to_accounting(date_from.date(), date_to.date()))
    views.counts(console, counts, "refunds → Xero")


@run_app.command("month-end")
def run_month_end(
    month: Annotated[
        str | None, typer.Option(help="The month, YYYY-MM, in shop time (default: last month).")
    ] = None,
    revise: Annotated[
        bool, typer.Option(help="Re-issue a month whose data changed as a new revision.")
    ] = False,
) -> None:
    """Make the month-end finance pack (workbook, CSVs, manifest), check that it ties out to the cent and to
    Shopify, and deliver it to finance's SFTP folder and/or email."""
    from flows.month_end import month_end
    from shoplines import views
    from shoplines.month_end_view import month_end as show
    from tasks.pack_period import parse_month

    try:
        parse_month(month or "2000-01")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--month") from None
    show(console, views.with_progress(console, lambda: month_end(month, revise)))


@run_app.command("reconcile")
def run_reconcile(
    date_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help=DAY_HELP)],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help=f"{DAY_HELP}, inclusive.")],
) -> None:
    """Check that the warehouse has the current version of every order Shopify says it should, and (when
    connected to Xero) that the books hold every order and refund of the given days once (reads only). Exit 1
    when either does not tie out; the mismatch is announced."""
    from flows.reconcile import reconcile
    from shoplines.wiring import preflight

    if date_to < date_from:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    preflight(load_settings())
    result = reconcile(date_from.date(), date_to.date())
    console.print(result.sentence(), markup=False, soft_wrap=True)
    listed = {"never sent": result.missing, "older version at the warehouse": result.stale,
              "not withdrawn": result.not_withdrawn, "in flight": result.in_flight}  # fmt: skip
    for label, names in listed.items():
        if names:
            console.print(f"  {label}: {', '.join(names)}", markup=False, soft_wrap=True)
    from flows.reconcile import reconcile_books_flow

    books = reconcile_books_flow(date_from.date(), date_to.date())
    if books is None:
        console.print("books: not connected to Xero (shoplines xero connect), not reconciled", markup=False)
    else:
        console.print(books.sentence(), markup=False, soft_wrap=True)
        listed = {"not in Xero": books.missing_invoices + books.missing_credit_notes,
                  "in Xero more than once": books.doubled,
                  "sent to the warehouse, not in the books": books.not_in_books}  # fmt: skip
        for label, names in listed.items():
            if names:
                console.print(f"  {label}: {', '.join(names)}", markup=False, soft_wrap=True)
    if not result.ties_out or (books is not None and not books.ties_out):
        raise typer.Exit(1)


@ledger_app.command("unresolved")
def ledger_unresolved() -> None:
    """Uploads an earlier run recorded but never confirmed, which a person has to settle."""
    from shoplines import views
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        pending = state.unresolved_files(settings.shop_domain, WAREHOUSE_DESTINATION)
    views.unresolved(console, pending)
    if pending:
        raise typer.Exit(1)


@ledger_app.command("resolve")
def ledger_resolve(
    file_name: Annotated[str, typer.Argument(help="The file, as `shoplines ledger unresolved` lists it.")],
    outcome: Annotated[Outcome, typer.Option(help="What the 3PL says: it has the file, or it never got it.")],
    note: Annotated[str, typer.Option(help="Who confirmed it and how (kept in the audit trail).")],
    by: Annotated[str, typer.Option(help="Your name.")] = os.environ.get("USER", "ops"),
) -> None:
    """Settle an unconfirmed upload: `delivered` confirms it; `not-delivered` sends its orders again."""
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        names = {f.file_name for f in state.unresolved_files(settings.shop_domain, WAREHOUSE_DESTINATION)}
        if file_name not in names:
            raise typer.BadParameter(f"{file_name} is not an unresolved upload", param_hint="FILE_NAME")
        state.resolve_file(settings.shop_domain, WAREHOUSE_DESTINATION, file_name,
                           outcome="delivered" if outcome is Outcome.delivered else "not_delivered",
                           resolved_by=by, note=note)  # fmt: skip
    console.print(f"{file_name}: recorded as {outcome.value} by {by}")


@lease_app.command("list")
def lease_list(
    line: Annotated[str, typer.Option(help="The integration line.")] = "orders-to-warehouse",
) -> None:
    """The live leases of a line: which run works on which window, and until when."""
    from shoplines import views
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        held = state.leases(settings.shop_domain, line)
    views.leases(console, line, held)


@lease_app.command("release")
def lease_release(
    lease_id: Annotated[str, typer.Argument(help="The lease, as `shoplines lease list` shows it.")],
    note: Annotated[str, typer.Option(help="Why: e.g. the worker is hung (kept on the run).")],
    by: Annotated[str, typer.Option(help="Your name.")] = os.environ.get("USER", "ops"),
) -> None:
    """Free a window held by a run that is stuck. Its run is marked abandoned; if it wakes it stops before
    any further upload. Deliveries it left unconfirmed are settled by the next run, or listed by
    `shoplines ledger unresolved`."""
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        lease = state.break_lease(settings.shop_domain, lease_id, by=by, note=note)
    console.print(
        f"released {lease.line} [{lease.window_start:%Y-%m-%d %H:%M}, {lease.window_end:%Y-%m-%d %H:%M}) UTC "
        f"held by {lease.holder} (run {lease.run_id or '-'})",
        highlight=False,
        soft_wrap=True,
    )


@app.command("trace")
def trace(
    order: Annotated[str, typer.Argument(help='The order: name ("#1001"), number, legacy id or gid.')],
) -> None:
    """What happened to an order, across every line, oldest first: what arrived, what it was mapped to,
    what the warehouse got, and what a person decided."""
    from shoplines import views
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        steps = state.trace(settings.shop_domain, order.strip())
    views.trace(console, order, steps)
    if not steps:
        raise typer.Exit(1)


@app.command("problems")
def problems(
    every: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
) -> None:
    """The problems people were told about and which are still open."""
    from shoplines import views
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        found = state.alerts(settings.shop_domain, status=None if every else "open")
    views.alerts(console, found)


@quarantine_app.command("list")
def quarantine_list(
    line: Annotated[str, typer.Option(help="The integration line.")] = "orders-to-warehouse",
) -> None:
    """Orders waiting in quarantine, with why."""
    from shoplines import views
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        rows = state.open_quarantine(settings.shop_domain, line)
    views.quarantine_list(console, line, rows)


@quarantine_app.command("show")
def quarantine_show(
    quarantine_id: Annotated[int, typer.Argument(help="The id `quarantine list` shows.")],
) -> None:
    """One quarantined order: every reason, and the fields we received (personal data masked)."""
    from shoplines import views
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        row = state.quarantined(settings.shop_domain, quarantine_id)
    views.quarantine_show(console, row)


@quarantine_app.command("retry")
def quarantine_retry(
    quarantine_id: Annotated[int, typer.Argument(help="The id `quarantine list` shows.")],
) -> None:
    """After a fix (in Shopify or in our settings), run the order's day again: if it passes its checks now
    it is delivered once and its quarantine entry is closed; if not, it stays with the new reason."""
    from shoplines.dates import business_day
    from shoplines.demo_walkthrough import orders_to_warehouse_now
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        row = state.quarantined(settings.shop_domain, quarantine_id)
    day = business_day(row.payload.get("processedAt"), settings.shop_timezone)
    if day is None:
        raise typer.BadParameter(
            f"quarantined record {quarantine_id} has no readable processedAt: run its day with "
            "`shoplines run orders-to-warehouse --from DAY --to DAY`",
            param_hint="QUARANTINE_ID",
        )
    counts = orders_to_warehouse_now(day, day, "processed")
    with open_state(settings) as state:
        after = state.quarantined(settings.shop_domain, quarantine_id)
    from shoplines import views

    views.counts(console, counts)
    if after.resolved_at is None:
        console.print(
            f"{after.entity_name or after.entity_id}: still in quarantine: {after.reason}", markup=False
        )
        raise typer.Exit(1)
    console.print(f"{after.entity_name or after.entity_id}: {after.resolution}", markup=False)


@app.command("purge")
def purge(
    older_than: Annotated[
        int | None, typer.Option("--older-than", min=1, help="Days; default SHOPLINES_RETENTION_DAYS (90).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only count what would be purged.")] = False,
) -> None:
    """Delete personal data past its retention: resolved quarantined payloads, Prefect's persisted results
    (after SHOPLINES_RESULTS_RETENTION_DAYS) and our archive copies on the SFTP server."""
    from datetime import timedelta

    from shoplines import retention
    from shoplines.wiring import open_state, sftp_factory

    settings = load_settings()
    connect = sftp_factory(settings) if settings.sftp_host and settings.sftp_archive_dir else None
    with open_state(settings) as state:
        report = retention.purge(
            state, connect, settings.sftp_archive_dir,
            retention=timedelta(days=older_than or settings.retention_days),
            results_retention=timedelta(days=settings.results_retention_days), dry_run=dry_run,
        )  # fmt: skip
    console.print(report.sentence())


@quarantine_app.command("resolve")
def quarantine_resolve(
    quarantine_id: Annotated[int, typer.Argument(help="The id `quarantine list` shows.")],
    note: Annotated[str, typer.Option(help="Why it needs nothing more (e.g. deleted in Shopify).")],
    by: Annotated[str, typer.Option(help="Your name.")] = os.environ.get("USER", "ops"),
) -> None:
    """Close a quarantine entry that will never pass (an order deleted in Shopify, a duplicate, a test); it
    is not sent. The note and your name are kept on the entry."""
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        state.resolve_quarantine(settings.shop_domain, quarantine_id, f"closed by {by}: {note}")
        row = state.quarantined(settings.shop_domain, quarantine_id)
    console.print(f"{row.entity_name or row.entity_id or quarantine_id}: {row.resolution}", markup=False)


@check_app.command("freshness")
def check_freshness() -> None:
    """Whether the scheduled line ran recently and no run hangs; problems are announced like any other."""
    from flows.freshness import freshness_check

    found = freshness_check.fn()
    if found:
        for text in found:
            console.print(text, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print("the scheduled line ran on time and no run hangs")


@contract_app.command("show")
def contract_show(
    line: Annotated[str, typer.Argument(help="The line, e.g. orders-to-warehouse.")] = "orders-to-warehouse",
) -> None:
    """Print a line's contract in plain words (the code enforces the same file)."""
    from shoplines.lines import contract, describe

    for text in describe(contract(line)):
        console.print(text, highlight=False, soft_wrap=True, markup=False)


@app.command("demo")
def demo(
    orders: Annotated[int, typer.Option(min=1, help="Orders in the demo store.")] = 300,
    problems: Annotated[
        bool, typer.Option("--problems", help="Then plant failures in the shop and show what support sees.")
    ] = False,
) -> None:
    """Start the sandbox, run orders → warehouse over the seeded days, read the 3PL's answers back (one order
    rejected, the rest shipped, tracking into Shopify), post to Xero, compare the 3PL's stock count with
    Shopify, make last month's finance pack, and show each story."""
    from shoplines import demo_problems, demo_stock, demo_walkthrough, sandbox_control, views
    from shoplines.demo_walkthrough import orders_to_warehouse_now

    home = _home()
    options = sandbox_control.SandboxOptions(orders=orders, time_scale=DEMO_TIME_SCALE)
    running = sandbox_control.up(home, options)
    sandbox_control.use_only_the_sandbox(running)
    views.sandbox(console, running)
    first, last = (date.fromisoformat(running["store"][k]) for k in ("first_day", "last_day"))
    with demo_problems.Admin(running["shopify"]["admin_url"]) as admin:
        unknown = demo_problems.plant_unknown_sku(admin)
    console.print(f"Planted {unknown}: a SKU the 3PL's catalogue does not have", markup=False)
    counts = views.with_progress(console, lambda: orders_to_warehouse_now(first, last, "processed"))
    views.counts(console, counts)
    root = Path(running["sftp"]["root"])
    sandbox_control.wait_for_answers(root, counts["files"])
    sandbox_control.wait_for_shipments(root)
    views.delivered_files(console, root)
    demo_walkthrough.feedback(console, running, unknown, push=not problems)
    demo_walkthrough.accounting(console, running, first, last)
    demo_stock.stock(console, running)
    demo_walkthrough.month_end(console, running)
    if problems:  # planted on orders the 3PL has shipped but Shopify does not show as fulfilled yet
        demo_walkthrough.problems(console, running, first, last)
        demo_walkthrough.feedback(console, running, unknown)
    console.print(
        "The sandbox keeps running: `shoplines sandbox status`, `shoplines sandbox down` to stop it."
    )


PREFECT_DEFAULTS = {
    # A first run creates the local Prefect database, which takes longer than Prefect's 20 s default.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every failure into one sentence and an exit code."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    try:
        code: Any = app(args=argv, standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print("stopped")
        sys.exit(130)
    except typer.TyperException as bad_usage:  # typer's own click: usage errors print as usage errors
        show = getattr(bad_usage, "show", None)
        if callable(show):
            show()
        else:
            Console(stderr=True).print(f"error: {bad_usage}", highlight=False)
        sys.exit(int(getattr(bad_usage, "exit_code", 2)))
    except Exception as exc:  # the one place a traceback becomes a sentence
        if os.environ.get("SHOPLINES_DEBUG"):
            raise
        message, exit_code = explain(exc)
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False)
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
