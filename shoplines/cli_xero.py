"""`shoplines xero`: connect the shop to a Xero organisation, see the connection, disconnect it."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from clients.xero_auth import RECONNECT_WARNING, REFRESH_TOKEN_LIFETIME
from shoplines.settings import load_settings
from shoplines.xero_tokens import PROVIDER, StateTokenVault, TokenCipher, build_xero_auth, load_xero_settings

xero_app = typer.Typer(help="The Xero connection: connect, status, disconnect.", no_args_is_help=True)
console = Console()


def _opener(ctx: typer.Context, no_browser: bool) -> Callable[[str], None]:
    """How the authorise URL reaches the merchant (``ctx.obj["open_url"]``: a test follows it in-process)."""
    injected = ctx.obj.get("open_url") if isinstance(ctx.obj, dict) else None
    if callable(injected):
        return injected

    def show(url: str) -> None:
        console.print("Open this address, sign in to Xero and allow access:", markup=False, soft_wrap=True)
        console.print(url, markup=False, highlight=False, soft_wrap=True)
        if not no_browser:
            webbrowser.open(url)

    return show


@xero_app.command("connect")
def xero_connect(
    ctx: typer.Context,
    tenant: Annotated[
        str | None, typer.Option(help="Organisation name (or id) if several are connected.")
    ] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Only print the address to open.")] = False,
    port: Annotated[
        int | None, typer.Option(help="Loopback port for Xero's redirect (0 = any free port).")
    ] = None,
) -> None:
    """Connect this shop to Xero: consent in the browser, then the tokens are stored encrypted."""
    from shoplines.wiring import open_state
    from shoplines.xero_connect import connect

    settings, xero = load_settings(), load_xero_settings()
    TokenCipher(xero.token_key)  # refuse at once, before anything is opened
    with open_state(settings) as state:
        done = connect(
            xero, state, settings.shop_domain, open_url=_opener(ctx, no_browser), tenant=tenant, port=port
        )
    console.print(
        f"{settings.shop_domain} is connected to the Xero organisation {done.tenant.tenant_name} "
        f"({done.tenant.tenant_id}); tokens stored encrypted.",
        markup=False,
        soft_wrap=True,
    )


@xero_app.command("status")
def xero_status(
    check: Annotated[
        bool, typer.Option("--check", help="Also call Xero (refreshing the token if due).")
    ] = False,
) -> None:
    """The stored connection: organisation, token times, and whether to reconnect soon."""
    from shoplines.wiring import open_state
    from shoplines.xero_tokens import build_xero_client

    settings, xero = load_settings(), load_xero_settings()
    with open_state(settings) as state:
        record = state.accounting_connection(settings.shop_domain, PROVIDER)
        if record is None:
            console.print(
                f"{settings.shop_domain} is not connected to Xero (run shoplines xero connect)",
                soft_wrap=True,
            )
            raise typer.Exit(1)
        now = datetime.now(UTC)
        age = now - record.refresh_obtained_at
        console.print(
            f"organisation: {record.tenant_name} ({record.tenant_id})", markup=False, soft_wrap=True
        )
        console.print(f"connected: {record.connected_at:%Y-%m-%d %H:%M} UTC", markup=False, soft_wrap=True)
        console.print(
            f"access token valid until: {record.access_expires_at:%Y-%m-%d %H:%M} UTC", markup=False
        )
        left = (REFRESH_TOKEN_LIFETIME - age).days
        console.print(
            f"refresh token: {age.days} day(s) old, expires unused in {left} day(s)",
            markup=False,
            soft_wrap=True,
        )
        if age >= RECONNECT_WARNING:
            console.print(
                "run shoplines xero connect soon: the refresh token is near its 60-day limit", soft_wrap=True
            )
        if check:
            with build_xero_client(xero, state, settings.shop_domain) as client:
                rates = client.tax_rates()
            console.print(f"Xero answered: {len(rates)} tax rates.", markup=False, soft_wrap=True)


@xero_app.command("disconnect")
def xero_disconnect(
    local_only: Annotated[
        bool, typer.Option("--local-only", help="Forget the tokens without telling Xero.")
    ] = False,
) -> None:
    """Disconnect the organisation at Xero and forget the stored tokens."""
    from clients.xero_auth import XeroTokens
    from shoplines.wiring import open_state

    settings, xero = load_settings(), load_xero_settings()
    with open_state(settings) as state:
        record = state.accounting_connection(settings.shop_domain, PROVIDER)
        if record is None:
            console.print(f"{settings.shop_domain} is not connected to Xero")
            return
        if not local_only and record.connection_id:
            vault = StateTokenVault(state, TokenCipher(xero.token_key), settings.shop_domain)
            auth = build_xero_auth(xero)
            try:
                auth.disconnect(XeroTokens(auth, vault).access_token(), record.connection_id)
            finally:
                auth.close()
        state.delete_accounting_connection(settings.shop_domain, PROVIDER)
    console.print(
        f"{settings.shop_domain} is disconnected from {record.tenant_name}.", markup=False, soft_wrap=True
    )
