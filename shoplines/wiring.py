"""Build clients and the state store from settings — the one place configuration turns into connections."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from clients.sftp import SftpClient
from clients.shopify import ShopifyClient, ThrottleBudget
from shoplines.errors import ConfigError
from shoplines.settings import Settings
from shoplines.state.store import StateStore

HINT = "run `shoplines sandbox up` or configure a real shop (see README, 'Connecting a real shop')"


def _require(value: object, name: str) -> None:
    if not value:
        raise ConfigError(f"SHOPLINES_{name.upper()} is not set: {HINT}")


def build_shopify(settings: Settings, budget: ThrottleBudget | None = None) -> ShopifyClient:
    """The Shopify client for the configured shop (a shared budget may be passed in)."""
    _require(settings.shopify_url, "shopify_url")
    _require(settings.shopify_token, "shopify_token")
    assert settings.shopify_token is not None
    return ShopifyClient(
        settings.shopify_url,
        settings.shopify_token.get_secret_value(),
        settings.shopify_api_version,
        budget=budget or ThrottleBudget(time_scale=settings.shopify_time_scale),
        timeout=settings.shopify_timeout_seconds,
        deadline=settings.shopify_deadline_seconds,
    )


def sftp_factory(settings: Settings) -> Callable[[], SftpClient]:
    """A factory for one SFTP connection per batch, host key pinned from the known_hosts file."""
    _require(settings.sftp_host, "sftp_host")
    _require(settings.sftp_username, "sftp_username")
    _require(settings.sftp_known_hosts, "sftp_known_hosts")
    known_hosts = Path(str(settings.sftp_known_hosts))
    if not known_hosts.is_file():
        raise ConfigError(f"the SFTP known_hosts file {known_hosts} does not exist: pin the 3PL's host key first")
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
