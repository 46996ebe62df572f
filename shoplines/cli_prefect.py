"""`shoplines prefect setup`: the work pool, the shop's Shopify limit, the automations and (asked) the Secret
blocks, put on the Prefect server that PREFECT_API_URL names; safe to run again."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from shoplines.errors import ConfigError
from shoplines.settings import load_settings

prefect_app = typer.Typer(help="The Prefect server's side of shoplines: pool, limits, automations, secrets.",
                          no_args_is_help=True)  # fmt: skip
console = Console()


@prefect_app.command("setup")
def setup(
    secrets: Annotated[
        bool,
        typer.Option(
            "--secrets",
            help="Also save this environment's secret settings as Prefect Secret blocks "
            "(shoplines-<setting>), which workers read with SHOPLINES_SECRETS_FROM_PREFECT=true.",
        ),
    ] = False,
) -> None:
    """Create or update the work pool, the shop's Shopify rate limit (sized from SHOPLINES_SHOPIFY_PLAN) and
    the automations; run it before `prefect deploy --all`, and again after changing the plan or a channel."""
    from prefect.settings import get_current_settings

    from deployments.setup import apply, secret_values
    from shoplines.xero_tokens import load_xero_settings

    api = get_current_settings().api.url
    if not api:
        raise ConfigError("PREFECT_API_URL is not set: point it at the Prefect server the workers use")
    settings = load_settings()
    values = secret_values(settings, load_xero_settings()) if secrets else None
    console.print(f"Prefect server {api}", markup=False)
    for line in apply(settings, values):
        console.print(f"  {line}", markup=False, soft_wrap=True)
