"""One typed settings object: SHOPLINES_* environment, .env, Prefect Secret blocks, a running sandbox."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shoplines.prefect_secrets import PrefectSecretsSource

DEFAULT_API_VERSION = "2026-01"
DEFAULT_HOME = Path(".shoplines")
SANDBOX_FILE = "sandbox.json"


DEFAULT_ACCOUNTS: dict[str, Any] = {  # the sandbox organisation's chart; a real one is configured
    "sales": "200",
    "shipping": "205",
    "gift_card_liability": "835",
    "refund_adjustment": "260",
    "clearing": {"PayFast": "611", "Yoco": "612", "Peach Payments": "613", "Ozow": "614"},
}


class Settings(BaseSettings):
    """Everything a run needs to know; secrets are SecretStr and never printed."""

    model_config = SettingsConfigDict(env_prefix="SHOPLINES_", env_file=".env", extra="ignore")

    home: Path = Field(DEFAULT_HOME, description="Working folder: state database, sandbox files, archive.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite under home.")

    shop_domain: str = Field("", description="The shop's myshopify domain; every state key carries it.")
    shopify_url: str = Field("", description="Admin API base, e.g. https://my-shop.myshopify.com.")
    shopify_token: SecretStr | None = Field(None, description="Custom app Admin API access token.")
    shopify_api_version: str = DEFAULT_API_VERSION
    shopify_timeout_seconds: float = 30.0
    shopify_deadline_seconds: float = 900.0
    shopify_bulk_from_days: float = Field(
        7.0,
        ge=0,
        description="Order windows longer than this are read by one bulk operation; 0: always page.",
    )
    shopify_bulk_part_orders: int = Field(
        5000,
        ge=1,
        le=50_000,
        description="A bulk read is handled this many orders at a time (memory per part, not per window).",
    )
    shopify_time_scale: float = Field(1.0, description="Sandbox fast clock only: waits are divided by it.")
    shopify_plan: Literal["standard", "advanced", "plus", "enterprise"] = Field(
        "standard",
        description="The shop's Shopify plan: sizes the shared API budget (`shoplines prefect setup`).",
    )
    shopify_shared_budget: bool = Field(
        False, description="Pace Shopify requests through the shop's Prefect rate limit (deployments set it)."
    )
    secrets_from_prefect: bool = Field(
        False,
        description="Read secrets from Prefect Secret blocks `shoplines-<setting>` (deployments set it).",
    )
    max_range_days: int = Field(
        186, ge=1, description="A run over more shop days than this is refused (a typo, not a re-run)."
    )
    shop_timezone: str = "Africa/Johannesburg"
    shop_currency: str = "ZAR"
    window_overlap_seconds: int = Field(
        300, description="Change windows start this much before the watermark."
    )
    run_lease_seconds: int = Field(
        60, ge=3, description="A run's lease on its window; renewed while it lives, so a killed run frees it."
    )
    run_lease_wait_seconds: float = Field(
        120.0,
        ge=0,
        description="PostgreSQL: wait this long for an overlapping run to finish (SQLite refuses).",
    )

    warehouse_location_id: str | None = Field(None, description="gid of the location the 3PL ships from.")
    warehouse_max_lines_per_file: int = Field(5000, ge=1)
    warehouse_file_prefix: str = "ORD"

    sftp_host: str = ""
    sftp_port: int = 22
    sftp_username: str = ""
    sftp_password: SecretStr | None = None
    sftp_key_file: Path | None = None
    sftp_known_hosts: Path | None = None
    sftp_inbound_dir: str = Field(
        "inbound", description="The 3PL's inbound folder: files are delivered here."
    )
    sftp_archive_dir: str | None = Field(
        "archive", description="Our copy of every delivered file (optional)."
    )
    sftp_processed_dir: str | None = Field("processed", description="Where the 3PL moves files it took.")
    sftp_outbound_dir: str | None = Field("outbound", description="Where the 3PL writes ACK_/ERR_ answers.")
    sftp_timeout_seconds: float = 30.0
    warehouse_answer_format: dict[str, Any] = Field(
        default_factory=dict,
        description="The 3PL's answer files, if not ACK_/ERR_/SHIP_ with our column names (JSON).",
    )
    warehouse_ack_minutes: float = Field(
        120, gt=0, description="Alert when a delivered file has no answer after this many working minutes."
    )
    warehouse_working_hours: str = Field("08:00-17:00", description="The 3PL's working hours, shop time.")
    warehouse_working_days: str = Field("Mon-Fri", description="The 3PL's working days, e.g. Mon-Sat.")
    shopify_push_fulfilments: bool = Field(
        False, description="Create Shopify fulfilments with tracking from the 3PL's shipment files."
    )

    warehouse_stock_format: dict[str, Any] = Field(
        default_factory=dict,
        description="The 3PL's stock-on-hand files, if not STOCK_*.csv with our column names (JSON).",
    )
    warehouse_stock_sites: dict[str, str] = Field(
        default_factory=dict,
        description="The 3PL's site codes → Shopify location gids (JSON); empty: one site, the warehouse.",
    )
    inventory_tolerance: int = Field(0, ge=0, description="Unexplained stock differences up to this are ok.")
    inventory_in_flight_days: int = Field(
        55,
        ge=1,
        le=365,
        description="Unfulfilled orders processed this many days back may be in flight "
        "(beyond 60 days Shopify needs the read_all_orders scope).",
    )
    low_stock_file: Path | None = Field(None, description="CSV sku,threshold (`*` = every other SKU).")
    low_stock_default: int | None = Field(
        None, ge=0, description="Threshold for SKUs with none in the file or the stock file."
    )
    inventory_count_max_age_hours: float = Field(
        26, gt=0, description="Alert when the warehouse has sent no stock count for this long."
    )
    inventory_corrections: bool = Field(
        False, description="Propose Shopify on_hand corrections to the warehouse's counts, for approval."
    )

    accounting_mode: Literal["per-order", "daily-summary"] = Field(
        "per-order", description="One invoice per order, or one per shop day and gateway (A2X-style)."
    )
    accounting_prefix: str = Field("ZA-", max_length=20, description="Document numbers: ZA-1001, ZA-R-…")
    accounting_contact: str = Field("Shopify Sales", description="The one Xero contact documents go to.")
    accounting_accounts: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_ACCOUNTS),
        description="Xero account codes (JSON): sales, shipping, gift cards, refunds, clearing per gateway.",
    )
    accounting_taxes: dict[str, Any] = Field(
        default_factory=dict,
        description="Tax-type rules (JSON); default OUTPUT3 / ZERORATEDOUTPUT / ZERORATED.",
    )
    shopify_admin_url: str | None = Field(
        None, description="Shopify admin base for order links in documents."
    )
    refund_approval_threshold: Decimal = Field(
        Decimal("5000.00"), ge=0, description="Refunds above this (ZAR) wait for a person's approval."
    )
    notify_slack_url: SecretStr | None = Field(
        None, description="Slack (or compatible) incoming webhook URL."
    )
    notify_teams_url: SecretStr | None = Field(
        None, description="Teams channel: Power Automate Workflows URL."
    )
    notify_webhook_url: SecretStr | None = Field(None, description="Any endpoint taking the notice as JSON.")
    notify_email_to: list[str] = Field(default_factory=list, description="Recipients, as a JSON list.")
    notify_email_from: str = "shoplines@localhost"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    notify_reminder_hours: float = Field(24.0, gt=0, description="Remind of a problem still open after this.")
    ui_url: str | None = Field(None, description="Prefect UI base for run links (default: PREFECT_UI_URL).")
    retention_days: int = Field(
        90, ge=1, description="Quarantined payloads (once resolved) and archived files are purged after this."
    )
    results_retention_days: int = Field(
        2, ge=1, description="Prefect's persisted task results are purged after this."
    )
    freshness_intervals: int = Field(
        3, ge=1, description="Alert when a scheduled line has had no successful run for this many intervals."
    )
    month_end_sftp_dir: str | None = Field(
        None, description="Finance's folder for month-end packs on the SFTP server above; unset: not sent."
    )
    month_end_email_to: list[str] = Field(
        default_factory=list,
        description="Finance: month-end packs as attachments, and their failures (JSON).",
    )
    month_end_dir: Path | None = Field(None, description="Issued packs kept here; default HOME/month-end.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sandbox = SandboxSettingsSource(settings_cls)
        secrets = PrefectSecretsSource(settings_cls)  # only with SHOPLINES_SECRETS_FROM_PREFECT
        return init_settings, env_settings, dotenv_settings, secrets, file_secret_settings, sandbox

    @property
    def state_url(self) -> str:
        """The state database URL (SQLite under home unless configured)."""
        return self.database_url or f"sqlite:///{(self.home / 'state.db').resolve()}"


SANDBOX_KEY_FILE = "sandbox-token.key"  # encrypts the sandbox's Xero tokens (made by `sandbox up`)


class SandboxSettingsSource(PydanticBaseSettingsSource):
    """Lowest-priority source: endpoints recorded by `shoplines sandbox up` under SHOPLINES_HOME."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        home = Path(self.current_state.get("home") or os.environ.get("SHOPLINES_HOME") or DEFAULT_HOME)
        path = home / SANDBOX_FILE
        if not path.is_file():
            return {}
        try:
            info = json.loads(path.read_text())
            key = home / SANDBOX_KEY_FILE
            if key.is_file():
                info["token_key"] = key.read_text().strip()
            return sandbox_settings(info)
        except (OSError, ValueError, KeyError):
            return {}


def sandbox_settings(info: dict[str, Any]) -> dict[str, Any]:
    """Map the sandbox's own description of itself onto our setting names."""
    shopify, sftp = info.get("shopify") or {}, info.get("sftp") or {}
    values: dict[str, Any] = {}
    if shopify:
        values |= {
            "shop_domain": shopify["shop"],
            "shopify_url": shopify["url"],
            "shopify_token": shopify["token"],
            "shopify_time_scale": shopify.get("time_scale", 1.0),
            "shopify_plan": shopify.get("plan"),
            "warehouse_location_id": shopify.get("warehouse_location_id"),
        }
    if sftp:
        values |= {
            "sftp_host": sftp["host"],
            "sftp_port": sftp["port"],
            "sftp_username": sftp["username"],
            "sftp_password": sftp["password"],
            "sftp_known_hosts": sftp["known_hosts"],
            "sftp_inbound_dir": sftp.get("inbound", "inbound"),
            "sftp_archive_dir": sftp.get("archive"),
            "sftp_processed_dir": sftp.get("processed"),
            "sftp_outbound_dir": sftp.get("outbound"),
            # the sandbox's 3PL writes stock files atomically: no need to wait a minute for them to settle
            "warehouse_stock_format": {"settle_seconds": 1} if sftp.get("stock") else None,
            "month_end_sftp_dir": "finance/month-end",  # the sandbox's stand-in for finance's folder
        }
    xero = info.get("xero") or {}
    if xero:
        values |= {
            "xero_client_id": xero["client_id"],
            "xero_client_secret": xero["client_secret"],
            "xero_authorize_url": xero["authorize_url"],
            "xero_token_url": xero["token_url"],
            "xero_connections_url": xero["connections_url"],
            "xero_api_url": xero["api_url"],
            "token_key": info.get("token_key"),  # the sandbox's own, for its throwaway tokens only
        }
    return {k: v for k, v in values.items() if v is not None}


def load_settings(**overrides: Any) -> Settings:
    """Build settings once at an entry point (CLI or flow)."""
    return Settings(**overrides)
