"""The `shoplines` command: sandbox, runs and the demo. Errors are one sentence and a non-zero exit."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console

from shoplines.cli_errors import explain
from shoplines.settings import load_settings

app = typer.Typer(help="shoplines: Shopify orders to the warehouse and the books, exactly once.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The local stand-ins for Shopify and the 3PL's SFTP server.", no_args_is_help=True)
run_app = typer.Typer(help="Run an integration line now.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(run_app, name="run")
console = Console()

Day = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="A day in the shop's time zone (YYYY-MM-DD).")]


def _home() -> Path:
    return load_settings().home


@sandbox_app.command("up")
def sandbox_up(
    seed: int = typer.Option(42, help="Seed of the generated store."),
    orders: int = typer.Option(300, min=0, help="Number of generated orders."),
    orders_file: Path | None = typer.Option(None, exists=True, dir_okay=False, help="Load orders from JSON Lines."),
    time_scale: float = typer.Option(1.0, min=0.001, help="Sandbox clock speed (1 = real time)."),
    plan: str = typer.Option("standard", help="Shopify plan whose API limits apply."),
) -> None:
    """Start the sandbox in the background and record where it listens under SHOPLINES_HOME."""
    from shoplines import sandbox_control, views

    options = sandbox_control.SandboxOptions(seed, orders, orders_file, time_scale, plan)
    views.sandbox(console, sandbox_control.up(_home(), options))


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
    date_from: Day = typer.Option(..., "--from"),
    date_to: Day = typer.Option(..., "--to", help="Last day, inclusive, in the shop's time zone (YYYY-MM-DD)."),
    by: str = typer.Option("processed", "--by", click_type=click.Choice(["processed", "updated"]),
                           help="Select by business date (processed) or by change time (updated)."),
) -> None:  # fmt: skip
    """Send the warehouse every eligible order version it has not had yet for the given days."""
    from shoplines import views

    counts = views.with_progress(console, lambda: _orders_to_warehouse(date_from.date(), date_to.date(), by))
    views.counts(console, counts)


def _orders_to_warehouse(date_from: date, date_to: date, by: str) -> dict[str, int]:
    from flows.orders_to_warehouse import orders_to_warehouse

    result: dict[str, int] = orders_to_warehouse(date_from, date_to, by)  # type: ignore[arg-type]
    return result


@app.command("demo")
def demo(orders: int = typer.Option(300, min=1, help="Orders in the demo store.")) -> None:
    """Start the sandbox, run orders → warehouse over the seeded days and show what was delivered where."""
    from shoplines import sandbox_control, views

    home = _home()
    running = sandbox_control.up(home, sandbox_control.SandboxOptions(orders=orders))
    views.sandbox(console, running)
    first, last = (date.fromisoformat(running["store"][k]) for k in ("first_day", "last_day"))
    counts = views.with_progress(console, lambda: _orders_to_warehouse(first, last, "processed"))
    views.counts(console, counts)
    views.delivered_files(console, Path(running["sftp"]["root"]))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every failure into one sentence and an exit code."""
    try:
        code: Any = app(args=argv, standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as bad_usage:
        bad_usage.show()
        sys.exit(bad_usage.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        console.print("stopped")
        sys.exit(130)
    except Exception as exc:  # the one place a traceback becomes a sentence
        if os.environ.get("SHOPLINES_DEBUG"):
            raise
        message, exit_code = explain(exc)
        Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
