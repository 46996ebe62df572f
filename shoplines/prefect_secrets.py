"""Secrets from Prefect Secret blocks `shoplines-<setting>`, read when a run starts (never job variables)."""

from __future__ import annotations

import functools
import os
from typing import Any, cast

from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

# the settings (of `Settings` and `XeroSettings`) that are secrets; each may come from its own block
SECRET_SETTINGS = (
    "shopify_token",
    "sftp_password",
    "xero_client_secret",
    "token_key",
    "smtp_password",
    "notify_slack_url",
    "notify_teams_url",
    "notify_webhook_url",
)
SWITCH = "SHOPLINES_SECRETS_FROM_PREFECT"


def block_name(setting: str) -> str:
    """The Secret block holding a setting: `shopify_token` → `shoplines-shopify-token`."""
    return "shoplines-" + setting.replace("_", "-")


def enabled(state: dict[str, Any]) -> bool:
    """Whether secrets come from Prefect (the setting, from the environment or .env)."""
    raw = state.get("secrets_from_prefect", os.environ.get(SWITCH, "false"))
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


@functools.cache
def read_secret(name: str) -> str | None:
    """A Secret block's value, or None when there is no such block (read once per process: once per run)."""
    from prefect.blocks.system import Secret

    try:
        block = cast("Secret[Any]", Secret.load(name))
    except ValueError:  # "Unable to find block document named ..."
        return None
    value = block.get()
    return value if isinstance(value, str) else str(value)


class PrefectSecretsSource(PydanticBaseSettingsSource):
    """Below the environment and .env, above the sandbox: each secret the environment left unset, from its
    Secret block, when SHOPLINES_SECRETS_FROM_PREFECT is on. A missing block leaves the setting unset, so
    the usual "SHOPLINES_X is not set" error names it."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not enabled(self.current_state):
            return {}
        wanted = [
            name
            for name in SECRET_SETTINGS
            if name in self.settings_cls.model_fields and self.current_state.get(name) is None
        ]
        return {name: value for name in wanted if (value := read_secret(block_name(name))) is not None}
