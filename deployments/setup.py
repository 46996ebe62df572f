"""`shoplines prefect setup`: the definitions put on the Prefect server, idempotently (twice is once)."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from prefect.blocks.core import Block
from prefect.blocks.notifications import MicrosoftTeamsWebhook, SlackWebhook
from prefect.blocks.system import Secret
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
    WorkPoolCreate,
)
from prefect.events.schemas.automations import AutomationCore
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker
from pydantic import SecretStr

from deployments.definitions import NOTIFY_BLOCK, WORK_POOL, WORK_POOL_TYPE, automations, shop_limit
from shoplines.errors import ConfigError
from shoplines.prefect_secrets import SECRET_SETTINGS, block_name, read_secret
from shoplines.settings import Settings


def apply(settings: Settings, secrets: dict[str, SecretStr] | None = None) -> list[str]:
    """Work pool, the shop's Shopify limit, the ops notification block and the automations; with `secrets`,
    a Secret block per secret setting. Returns what was done, one line each (never a secret's value)."""
    if not settings.shop_domain:
        raise ConfigError("SHOPLINES_SHOP_DOMAIN is not set: the shop's Shopify limit needs it")
    with get_client(sync_client=True) as client:
        said = [ensure_pool(client), ensure_limit(client, settings)]
        block = notify_block(settings)
        said.append(f"notification block {NOTIFY_BLOCK}: " + ("saved" if block else "none (no channel set)"))
        said += [ensure_automation(client, automation) for automation in automations(block)]
    for setting, value in (secrets or {}).items():
        _save(Secret(value=value.get_secret_value()), block_name(setting))
        said.append(f"Secret block {block_name(setting)}: saved")
    read_secret.cache_clear()
    return said


def secret_values(*sources: Any) -> dict[str, SecretStr]:
    """The secret settings that are set in `sources` (Settings, XeroSettings), as the blocks to save."""
    found = {}
    for source in sources:
        for name in SECRET_SETTINGS:
            value = getattr(source, name, None)
            if isinstance(value, SecretStr) and value.get_secret_value():
                found[name] = value
    return found


def ensure_pool(client: SyncPrefectClient) -> str:
    try:
        pool = client.read_work_pool(WORK_POOL)
    except ObjectNotFound:
        template = ProcessWorker.get_default_base_job_template()
        pool_spec = WorkPoolCreate(name=WORK_POOL, type=WORK_POOL_TYPE, base_job_template=template)
        client.create_work_pool(pool_spec)
        return f"work pool {WORK_POOL} ({WORK_POOL_TYPE}): created"
    if pool.type != WORK_POOL_TYPE:
        raise ConfigError(f"the work pool {WORK_POOL} is of type {pool.type}, not {WORK_POOL_TYPE}")
    return f"work pool {WORK_POOL} ({WORK_POOL_TYPE}): already there"


def ensure_limit(client: SyncPrefectClient, settings: Settings) -> str:
    name, size = shop_limit(settings)
    described = f"Shopify limit {name} ({settings.shopify_plan}: {size.limit} points, {size.decay:g}/s)"
    try:
        found = client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name=name, limit=size.limit, slot_decay_per_second=size.decay)
        )
        return f"{described}: created"
    if (found.limit, found.slot_decay_per_second, found.active) == (size.limit, size.decay, True):
        return f"{described}: already there"
    update = GlobalConcurrencyLimitUpdate(limit=size.limit, slot_decay_per_second=size.decay, active=True)
    client.update_global_concurrency_limit(name, update)
    return f"{described}: updated"


def notify_block(settings: Settings) -> UUID | None:
    """The ops channel as a Prefect notification block (Slack or Teams), for the automations' messages."""
    if settings.notify_slack_url:
        return _save(SlackWebhook(url=settings.notify_slack_url), NOTIFY_BLOCK)
    if settings.notify_teams_url:
        return _save(MicrosoftTeamsWebhook(url=settings.notify_teams_url), NOTIFY_BLOCK)
    return None


def ensure_automation(client: SyncPrefectClient, automation: AutomationCore) -> str:
    """Create the automation, or bring the one of that name up to date (extra copies are deleted)."""
    found = client.read_automations_by_name(automation.name)
    if not found:
        client.create_automation(automation)
        return f"automation {automation.name!r}: created"
    for extra in found[1:]:
        client.delete_automation(extra.id)
    wanted = _plain(automation.model_dump(mode="json"))
    if {k: v for k, v in _plain(found[0].model_dump(mode="json")).items() if k in wanted} == wanted:
        return f"automation {automation.name!r}: already there"
    client.update_automation(found[0].id, automation)
    return f"automation {automation.name!r}: updated"


def _plain(value: Any) -> Any:
    """A dump compared by content: sets (event names) come back as lists in any order."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_plain(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def _save(block: Block, name: str) -> UUID:
    return cast(UUID, block.save(name, overwrite=True))
