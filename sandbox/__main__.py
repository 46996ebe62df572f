"""`python -m sandbox serve --home DIR`: the Shopify, SFTP (+ simulated 3PL) and Xero stand-ins.

Shopify, Xero and the 3PL's stock files run on one ``SandboxClock``. Writes ``DIR/sandbox.json`` (mode
600, atomically, once everything listens) describing where each part listens: ``shopify`` (URL,
token...), ``store``, ``sftp`` (unless ``--no-sftp``; ``sftp.stock`` is the 3PL's stock ground truth) and
``xero`` (unless ``--no-xero``: ``url``, ``api_url``, ``authorize_url``, ``token_url``,
``connections_url``, ``admin_url``, ``client_id``, ``client_secret``, ``tenant_id``, ``tenant_name``,
``redirect_uri``, ``tier``). The Xero app accepts ``redirect_uri`` and the same URI on any other loopback
port, so a connect flow may listen on a free port. The Shopify admin also serves the 3PL's
``/_sandbox/warehouse/...`` routes (sandbox/sftp/README.md). Then serves until SIGTERM or SIGINT.
Nothing here imports shoplines code: the sandbox is a stand-in for the outside world, and shared code
would hide shared bugs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.clock import SandboxClock, iso, parse_instant
from sandbox.sftp.faults import SftpFaults
from sandbox.sftp.files import write_atomic
from sandbox.sftp.server import start_sftp_sandbox
from sandbox.sftp.threepl import ThreePL
from sandbox.shopify.access import DEFAULT_SCOPES
from sandbox.shopify.generator import generate_store, open_or_generate
from sandbox.shopify.loader import load_orders_jsonl
from sandbox.shopify.server import start_shopify_sandbox
from sandbox.shopify.store import Store
from sandbox.shopify.throttle import PLANS
from sandbox.warehouse_admin import WarehouseAdmin
from sandbox.warehouse_stock import opening_stock
from sandbox.xero.server import RunningXero, start_xero_sandbox

DESCRIPTION_FILE = "sandbox.json"
API_VERSION = "2026-01"
SERVED_SCOPES = DEFAULT_SCOPES | {"write_assigned_fulfillment_orders", "write_inventory"}
# what `shoplines xero connect` uses by default; the sandbox app takes it on any loopback port
XERO_REDIRECT_URI = "http://127.0.0.1:8754/callback"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve until SIGTERM")
    serve.add_argument("--home", type=Path, required=True, help="folder for sandbox.json and the SFTP root")
    serve.add_argument("--seed", type=int, default=42)
    source = serve.add_mutually_exclusive_group()
    source.add_argument("--orders", type=int, default=300, help="orders to generate")
    source.add_argument("--orders-file", type=Path, action="append", help="JSON Lines of orders (repeatable)")
    serve.add_argument(
        "--disk", type=Path, help="keep the generated orders in this SQLite file (reused if seed/size match)"
    )
    serve.add_argument("--days", type=int, default=30, help="days before the start the orders spread over")
    serve.add_argument("--start", type=parse_instant, help="sandbox clock start (UTC ISO instant)")
    serve.add_argument("--time-scale", type=float, default=1.0, help="sandbox seconds per real second")
    serve.add_argument("--plan", choices=sorted(PLANS), default="standard")
    serve.add_argument("--shopify-port", type=int, default=0)
    serve.add_argument("--sftp-port", type=int, default=0)
    serve.add_argument("--no-sftp", action="store_true", help="no SFTP server and no 3PL")
    serve.add_argument("--xero-port", type=int, default=0)
    serve.add_argument("--xero-tier", choices=("standard", "starter"), default="standard")
    serve.add_argument("--no-xero", action="store_true", help="no Xero sandbox")
    serve.add_argument(
        "--ship-delay", type=float, default=5.0, help="3PL: seconds from acceptance to shipment"
    )
    serve.add_argument("--pickup-delay", type=float, default=0.0, help="3PL: seconds before it takes a file")
    serve.add_argument(
        "--pickup-jitter", type=float, default=0.0, help="3PL: up to this many seeded random seconds more"
    )
    serve.add_argument("--answer-delay", type=float, default=0.0, help="3PL: seconds from pickup to ACK/ERR")
    serve.add_argument(
        "--hide-taken", action="store_true", help="3PL: move taken files out of SFTP sight (HOME/sftp/taken)"
    )
    serve.add_argument(
        "--stock-every", type=float, help="3PL: write a stock file every S seconds (default: only on request)"
    )
    serve.add_argument(
        "--stock-mismatches", type=int, default=2, help="3PL: SKUs whose count is off Shopify's on_hand"
    )
    serve.add_argument(
        "--sftp-faults", type=_sftp_faults, default=SftpFaults(),
        help='connection drops, e.g. "drop_write=0.1,drop_before_rename=0.05,drop_after_rename=0.05"',
    )  # fmt: skip
    return parser.parse_args(argv)


def _sftp_faults(text: str) -> SftpFaults:
    try:
        return SftpFaults.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_store(args: argparse.Namespace) -> tuple[Store, SandboxClock]:
    """A generated store (in memory, or in ``--disk``'s file, reused when it holds this very generation),
    or one loaded from recorded orders with the clock just after its last event."""
    if args.orders_file and args.disk:
        raise ValueError("--disk holds generated orders; it does not go with --orders-file")
    if args.orders_file:
        store = load_orders_jsonl(args.orders_file, seed=args.seed)
        start = args.start or _after_last_event(store)
        return store, SandboxClock(start, scale=args.time_scale)
    clock = SandboxClock(args.start, scale=args.time_scale)
    if args.disk:
        return open_or_generate(args.disk, args.seed, args.orders, clock, days=args.days), clock
    return generate_store(args.seed, orders=args.orders, clock=clock, days=args.days), clock


def _after_last_event(store: Store) -> datetime | None:
    stamps = [parse_instant(o["updatedAt"]) for o in store.orders() if o.get("updatedAt")]
    return max(stamps) + timedelta(hours=1) if stamps else None


def store_summary(store: Store) -> dict[str, Any]:
    """How many orders, and the first and last business day (processedAt in shop time)."""
    zone = str(store.shop.get("ianaTimezone") or "Africa/Johannesburg")
    span = store.time_span("processedAt")
    days = [moment.astimezone(ZoneInfo(zone)).date().isoformat() for moment in span or ()]
    return {
        "orders": store.order_count(),
        "first_day": days[0] if days else None,
        "last_day": days[-1] if days else None,
        "timezone": zone,
        "currency": store.shop.get("currencyCode"),
    }


def serve(args: argparse.Namespace) -> int:
    home: Path = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    store, clock = build_store(args)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with ExitStack() as running:
        running.callback(store.close)
        threepl, stock = (None, None) if args.no_sftp else build_threepl(args, home / "sftp", store, clock)
        shopify = start_shopify_sandbox(
            store, clock, port=args.shopify_port, plan=args.plan, seed=args.seed,
            extra_admin_routes=WarehouseAdmin(threepl).routes() if threepl is not None else (),
        )  # fmt: skip
        running.callback(shopify.stop)
        description: dict[str, Any] = {
            "pid": os.getpid(),
            "started_at": iso(clock.now()),
            "seed": args.seed,
            "shopify": {
                "url": shopify.url,
                "admin_url": shopify.admin_url,
                "shop": shopify.shop,
                # the merchant's app: the default reads (read_inventory among them) plus writing fulfilments
                # (tracking from the 3PL) and stock (correcting Shopify to the 3PL's counts)
                "token": shopify.state.new_token(SERVED_SCOPES),
                "api_version": API_VERSION,
                "plan": args.plan,
                "time_scale": args.time_scale,
                "clock_start": iso(clock.start),
                "warehouse_location_id": store.warehouse_location_id,
            },
            "store": store_summary(store),
        }
        if threepl is not None:
            description["sftp"] = start_sftp(args, home / "sftp", threepl, running) | {"stock": stock}
        if not args.no_xero:
            xero = start_xero_sandbox(
                clock,
                port=args.xero_port,
                seed=args.seed,
                tier=args.xero_tier,
                redirect_uris=[XERO_REDIRECT_URI],
            )
            running.callback(xero.stop)
            description["xero"] = xero_description(xero, args.xero_tier)
        write_atomic(home / DESCRIPTION_FILE, json.dumps(description, indent=2).encode(), mode=0o600)
        print(f"sandbox ready: {home / DESCRIPTION_FILE}", flush=True)
        for line in _listening(description):
            print(line, flush=True)
        stop.wait()
    print("sandbox stopped", flush=True)
    return 0


def build_threepl(
    args: argparse.Namespace, sftp_dir: Path, store: Store, clock: SandboxClock
) -> tuple[ThreePL, dict[str, Any]]:
    """The 3PL (not polling yet), its opening stock the store's warehouse levels, and its stock truth."""
    stock = opening_stock(store, seed=args.seed, mismatches=args.stock_mismatches)
    threepl = ThreePL(
        sftp_dir / "root", ship_delay=args.ship_delay, pickup_delay=args.pickup_delay,
        pickup_jitter=args.pickup_jitter, answer_delay=args.answer_delay, seed=args.seed,
        taken_dir=sftp_dir / "taken" if args.hide_taken else None, journal_dir=sftp_dir,
        stock=stock.lines, stock_site=stock.site, stock_every=args.stock_every, stock_clock=clock.now,
    )  # fmt: skip
    return threepl, stock.truth(args.stock_every)


def start_sftp(
    args: argparse.Namespace, sftp_dir: Path, threepl: ThreePL, running: ExitStack
) -> dict[str, Any]:
    """Start the SFTP server and the 3PL's polling; the ``sftp`` section of ``sandbox.json``."""
    sftp = start_sftp_sandbox(
        sftp_dir / "root",
        port=args.sftp_port,
        host_key_path=sftp_dir / "ssh_host_ed25519_key",
        known_hosts_path=sftp_dir / "known_hosts",
        faults=args.sftp_faults,
        seed=args.seed,
    )
    running.callback(sftp.stop)
    threepl.start()
    running.callback(threepl.stop)
    return {
        "host": sftp.host,
        "port": sftp.port,
        "username": sftp.username,
        "password": sftp.password,
        "known_hosts": str(sftp.known_hosts),
        "root": str(sftp.root),
        "inbound": "inbound",
        "outbound": "outbound",
        "processed": "processed",
        "archive": "archive",
        "faults": asdict(args.sftp_faults),
    }


def xero_description(xero: RunningXero, tier: str) -> dict[str, Any]:
    """The ``xero`` section of ``sandbox.json``: endpoints, the app's credentials and the organisation."""
    return {
        "url": xero.url,
        "api_url": xero.api_url,
        "authorize_url": xero.identity_url,
        "token_url": xero.token_url,
        "connections_url": xero.connections_url,
        "admin_url": xero.admin_url,
        "client_id": xero.client_id,
        "client_secret": xero.client_secret,
        "tenant_id": xero.tenant_id,
        "tenant_name": xero.tenant_name,
        # registered; the same URI on any other 127.0.0.1 port is accepted too
        "redirect_uri": xero.redirect_uris[0],
        "tier": tier,
    }


def _listening(description: dict[str, Any]) -> Iterator[str]:
    yield f"  shopify  {description['shopify']['url']}  ({description['shopify']['shop']})"
    if "sftp" in description:
        sftp = description["sftp"]
        yield f"  sftp     {sftp['host']}:{sftp['port']}  {sftp['root']}"
    if "xero" in description:
        yield f"  xero     {description['xero']['url']}  ({description['xero']['tenant_name']})"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return serve(args)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # RuntimeError: a server failed to start
        cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
        print(f"sandbox: {exc}{cause}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
