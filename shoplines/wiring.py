"""Build clients and the state store from settings — the one place configuration turns into connections."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from pydantic import ValidationError

from clients.notify import Channel, Email, JsonWebhook, Notifier, SlackWebhook, SmtpSettings, TeamsWebhook
from clients.sftp import SftpClient
from clients.shopify import ShopifyClient, ThrottleBudget
from clients.shopify_bulk_types import BulkPolicy
from clients.shopify_events import ClientEvent
from clients.xero import XeroClient
from shoplines.alerting import Alerts
from shoplines.errors import ConfigError
from shoplines.settings import Settings
from shoplines.state.store import StateStore
from shoplines.xero_tokens import build_xero_client, load_xero_settings
from tasks.accounting_config import PostingConfig

HINT = "run `shoplines sandbox up` or configure a real shop (see README, 'Connecting a real shop')"


def _require(value: object, name: str) -> None:
    if not value:
        raise ConfigError(f"SHOPLINES_{name.upper()} is not set: {HINT}")


def build_shopify(settings: Settings, budget: ThrottleBudget | None = None) -> ShopifyClient:
    """The Shopify client for the configured shop (a shared budget may be passed in). With
    SHOPLINES_SHOPIFY_SHARED_BUDGET (deployments) every request also spends the shop's Prefect rate limit."""
    _require(settings.shopify_url, "shopify_url")
    _require(settings.shopify_token, "shopify_token")
    assert settings.shopify_token is not None
    return ShopifyClient(
        settings.shopify_url,
        settings.shopify_token.get_secret_value(),
        settings.shopify_api_version,
        budget=budget or shop_budget(settings),
        timeout=settings.shopify_timeout_seconds,
        deadline=settings.shopify_deadline_seconds,
        on_event=log_client_event,
        bulk_from=timedelta(days=settings.shopify_bulk_from_days)
        if settings.shopify_bulk_from_days
        else None,
        bulk=BulkPolicy(chunk_orders=settings.shopify_bulk_part_orders),
    )


def shop_budget(settings: Settings) -> ThrottleBudget:
    """This process's view of the shop's bucket; under deployments, paced on the shop's Prefect limit too
    (checked first: a missing limit is an error, never a silent run without one)."""
    if not settings.shopify_shared_budget:
        return ThrottleBudget(time_scale=settings.shopify_time_scale)
    from shoplines.shared_budget import PLANS, PrefectBudget, check_limit, limit_name

    name = limit_name(settings.shop_domain)
    check_limit(name)
    shared = PrefectBudget(name, PLANS[settings.shopify_plan][1], timeout=settings.shopify_deadline_seconds)
    return ThrottleBudget(time_scale=settings.shopify_time_scale, shared=shared)


def run_logger(name: str = "shoplines") -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The flow or task run's logger, or a plain one outside a run (a CLI check calling a flow's `.fn`)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(name)


def log_client_event(event: ClientEvent) -> None:
    """Shopify client events (retries, throttling, API version drift) go to the run's log."""
    level = logging.WARNING if event.needs_notice else logging.INFO
    run_logger("shoplines.shopify").log(level, "Shopify: %s", event.message)


def sftp_factory(settings: Settings) -> Callable[[], SftpClient]:
    """A factory for one SFTP connection per batch, host key pinned from the known_hosts file."""
    _require(settings.sftp_host, "sftp_host")
    _require(settings.sftp_username, "sftp_username")
    _require(settings.sftp_known_hosts, "sftp_known_hosts")
    known_hosts = Path(str(settings.sftp_known_hosts))
    if not known_hosts.is_file():
        raise ConfigError(
            f"the SFTP known_hosts file {known_hosts} does not exist: pin the 3PL's host key first"
        )
    password = settings.sftp_password.get_secret_value() if settings.sftp_password else None
    return lambda: SftpClient(
        settings.sftp_host,
        settings.sftp_port,
        settings.sftp_username,
        known_hosts,
        password=password,
        key_file=settings.sftp_key_file,
        timeout=settings.sftp_timeout_seconds,
    )


def open_state(settings: Settings) -> StateStore:
    """Open (and migrate) the state database."""
    if settings.database_url is None:
        settings.home.mkdir(parents=True, exist_ok=True)
    return StateStore.open(settings.state_url)


def warehouse_location(settings: Settings) -> str:
    """The Shopify location the 3PL ships from."""
    _require(settings.warehouse_location_id, "warehouse_location_id")
    assert settings.warehouse_location_id is not None
    return settings.warehouse_location_id


def preflight(settings: Settings) -> None:
    """Fail before any run starts when the shop, the warehouse location or the SFTP server is not
    configured."""
    _require(settings.shop_domain, "shop_domain")
    _require(settings.shopify_url, "shopify_url")
    _require(settings.shopify_token, "shopify_token")
    warehouse_location(settings)
    if settings.sftp_password is None and settings.sftp_key_file is None:
        raise ConfigError(
            f"set SHOPLINES_SFTP_PASSWORD or SHOPLINES_SFTP_KEY_FILE for the 3PL's SFTP server: {HINT}"
        )
    sftp_factory(settings)
    build_notifier(settings)


def build_notifier(settings: Settings) -> Notifier:
    """Every configured channel; none configured means the run log and Prefect events only."""
    channels: list[Channel] = []
    if settings.notify_slack_url:
        channels.append(SlackWebhook(settings.notify_slack_url.get_secret_value()))
    if settings.notify_teams_url:
        channels.append(TeamsWebhook(settings.notify_teams_url.get_secret_value()))
    if settings.notify_webhook_url:
        channels.append(JsonWebhook(settings.notify_webhook_url.get_secret_value()))
    if settings.notify_email_to:
        if not settings.smtp_host:
            raise ConfigError("SHOPLINES_NOTIFY_EMAIL_TO is set but SHOPLINES_SMTP_HOST is not")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        smtp = SmtpSettings(settings.smtp_host, settings.smtp_port, settings.notify_email_from,
                            tuple(settings.notify_email_to), settings.smtp_username, password,
                            settings.smtp_security)  # fmt: skip
        channels.append(Email(smtp))
    return Notifier(channels)


def run_link(settings: Settings, flow_run_id: str | None) -> str | None:
    """The Prefect UI page of a flow run, when the UI's address is known."""
    base = settings.ui_url or os.environ.get("PREFECT_UI_URL")
    if not base or not flow_run_id:
        return None
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}"


def build_alerts(settings: Settings, state: StateStore, line: str, window: str | None) -> Alerts:
    """The alerts of one line for the current run, with a link to it when the Prefect UI is known."""
    try:
        from prefect.runtime import flow_run

        flow_run_id: str | None = flow_run.id
    except Exception:  # outside a flow run
        flow_run_id = None
    return Alerts(state, build_notifier(settings), settings.shop_domain, line, window=window,
                  link=run_link(settings, flow_run_id),
                  reminder_after=timedelta(hours=settings.notify_reminder_hours))  # fmt: skip


def posting_config(settings: Settings) -> PostingConfig:
    """The posting recipe's configuration (ConfigError naming the setting when it is not valid)."""
    handle = settings.shop_domain.removesuffix(".myshopify.com")
    raw = {
        "prefix": settings.accounting_prefix,
        "contact_key": settings.accounting_contact,
        "currency": settings.shop_currency,
        "timezone": settings.shop_timezone,
        "admin_url": settings.shopify_admin_url or f"https://admin.shopify.com/store/{handle}",
        "accounts": settings.accounting_accounts,
    }
    if settings.accounting_taxes:
        raw["taxes"] = settings.accounting_taxes
    try:
        return PostingConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"accounting setting {where}: {first['msg']} (SHOPLINES_ACCOUNTING_*)") from exc


def build_accounting(settings: Settings, state: StateStore) -> XeroClient:
    """The Xero client for the shop's stored connection (`shoplines xero connect` makes it)."""
    return build_xero_client(load_xero_settings(), state, settings.shop_domain, on_retry=_log_xero_retry)


def _log_xero_retry(message: str) -> None:
    run_logger().warning("Xero: %s", message)
