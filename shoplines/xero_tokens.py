"""Xero settings, the token cipher (Fernet, key SHOPLINES_TOKEN_KEY) and the state-database token vault.

Token sets are stored only encrypted: the blob is a Fernet token over JSON that also names the shop and the
tenant, so a blob copied onto another row is refused. SHOPLINES_TOKEN_KEY may hold several keys separated
by commas: the first encrypts, all decrypt (rotate by putting the new key first).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from clients import xero_auth
from clients.xero import XeroClient
from clients.xero_auth import Tenant, TokenSet, XeroAuth, XeroTokens
from clients.xero_errors import XeroNotConnected
from clients.xero_http import API_URL, XeroSession
from shoplines.errors import ConfigError
from shoplines.prefect_secrets import PrefectSecretsSource
from shoplines.settings import SandboxSettingsSource
from shoplines.state.store import StateStore
from shoplines.state.tokens import ConnectionRecord, NoConnection, TokenUpdate

PROVIDER = "xero"
KEY_HINT = (
    'set SHOPLINES_TOKEN_KEY to a Fernet key (make one with: python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())")'
)


class XeroSettings(BaseSettings):
    """Xero settings (SHOPLINES_ environment and .env), kept apart from `Settings` until merged there."""

    model_config = SettingsConfigDict(env_prefix="SHOPLINES_", env_file=".env", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # lowest first: the running sandbox's endpoints and app (`shoplines sandbox up`)
        sandbox = SandboxSettingsSource(settings_cls)
        secrets = PrefectSecretsSource(settings_cls)  # only with SHOPLINES_SECRETS_FROM_PREFECT
        return init_settings, env_settings, dotenv_settings, secrets, file_secret_settings, sandbox

    xero_client_id: str = Field("", description="The Xero app's client id (developer.xero.com → My Apps).")
    xero_client_secret: SecretStr | None = Field(None, description="The Xero app's client secret.")
    token_key: SecretStr | None = Field(
        None, description="Fernet key(s), comma-separated, encrypting stored tokens; the first encrypts."
    )
    xero_authorize_url: str = xero_auth.AUTHORIZE_URL
    xero_token_url: str = xero_auth.TOKEN_URL
    xero_connections_url: str = xero_auth.CONNECTIONS_URL
    xero_api_url: str = API_URL
    xero_scopes: str = Field(" ".join(xero_auth.DEFAULT_SCOPES), description="Space-separated OAuth scopes.")
    xero_redirect_port: int = Field(
        8754,
        ge=0,
        le=65535,
        description="Loopback port of `xero connect` (register the redirect URI; 0 = any).",
    )
    xero_redirect_path: str = "/callback"
    xero_timeout_seconds: float = Field(30.0, gt=0, description="Per Xero API request attempt.")
    xero_consent_timeout_seconds: float = Field(300.0, gt=0, description="`xero connect` waits this long.")

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes as a tuple."""
        return tuple(self.xero_scopes.split())

    def redirect_uri(self, port: int) -> str:
        """``http://127.0.0.1:{port}{path}`` (register it with the Xero app)."""
        return f"http://127.0.0.1:{port}{self.xero_redirect_path}"


def load_xero_settings(**overrides: object) -> XeroSettings:
    """Build the Xero settings once at an entry point."""
    return XeroSettings(**overrides)  # type: ignore[arg-type]


class TokenCipher:
    """Encrypts token sets for one shop's row; refuses to exist without a key."""

    def __init__(self, key: SecretStr | None) -> None:
        raw = key.get_secret_value().strip() if key is not None else ""
        if not raw:
            raise ConfigError(
                f"SHOPLINES_TOKEN_KEY is not set, and tokens are never stored in clear: {KEY_HINT}"
            )
        try:
            self._fernet = MultiFernet(
                [Fernet(part.strip().encode()) for part in raw.split(",") if part.strip()]
            )
        except ValueError as exc:
            raise ConfigError(f"SHOPLINES_TOKEN_KEY is not a valid Fernet key: {KEY_HINT}") from exc

    def seal(self, tokens: TokenSet, *, shop_id: str, tenant_id: str) -> TokenUpdate:
        """The encrypted blob and clear expiry times to store."""
        document = {
            "shop_id": shop_id,
            "tenant_id": tenant_id,
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "scope": tokens.scope,
        }
        blob = self._fernet.encrypt(json.dumps(document, sort_keys=True).encode()).decode("ascii")
        return TokenUpdate(blob, tokens.access_expires_at, tokens.refresh_obtained_at)

    def open(self, record: ConnectionRecord) -> TokenSet:
        """The token set of a stored connection.

        Raises:
            ConfigError: the key cannot decrypt it, or it belongs to another shop or tenant.
        """
        try:
            document = json.loads(self._fernet.decrypt(record.token_blob.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise ConfigError(
                "the stored Xero tokens cannot be decrypted with SHOPLINES_TOKEN_KEY (was the key changed?): "
                "restore the old key or run shoplines xero connect again"
            ) from exc
        if (document.get("shop_id"), document.get("tenant_id")) != (record.shop_id, record.tenant_id):
            raise ConfigError("the stored Xero tokens belong to another shop or organisation: reconnect")
        return TokenSet(
            access_token=document["access_token"],
            refresh_token=document["refresh_token"],
            access_expires_at=record.access_expires_at,
            refresh_obtained_at=record.refresh_obtained_at,
            scope=document.get("scope", ""),
        )


class StateTokenVault:
    """The `TokenVault` of one shop's Xero connection, in the state database."""

    def __init__(
        self, store: StateStore, cipher: TokenCipher, shop_id: str, provider: str = PROVIDER
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.shop_id = shop_id
        self.provider = provider

    def connection(self) -> ConnectionRecord:
        """The stored row (tenant, expiry times, ciphertext)."""
        record = self.store.accounting_connection(self.shop_id, self.provider)
        if record is None:
            raise XeroNotConnected(f"{self.shop_id} is not connected to Xero: run shoplines xero connect")
        return record

    def load(self) -> TokenSet:
        """The stored token set."""
        return self.cipher.open(self.connection())

    def refresh_locked(self, decide: Callable[[TokenSet], TokenSet | None]) -> TokenSet:
        """Re-read the row under its lock and store what ``decide`` returns (see `XeroTokens`)."""

        def update(record: ConnectionRecord) -> TokenUpdate | None:
            fresh = decide(self.cipher.open(record))
            return (
                None
                if fresh is None
                else self.cipher.seal(fresh, shop_id=self.shop_id, tenant_id=record.tenant_id)
            )

        try:
            return self.cipher.open(self.store.update_accounting_tokens(self.shop_id, self.provider, update))
        except NoConnection as exc:
            raise XeroNotConnected(
                f"{self.shop_id} is not connected to Xero: run shoplines xero connect"
            ) from exc

    def save(self, tenant: Tenant, tokens: TokenSet) -> ConnectionRecord:
        """Store a new connection (encrypted), replacing any earlier one."""
        return self.store.save_accounting_connection(
            self.shop_id, self.provider, tenant_id=tenant.tenant_id, tenant_name=tenant.tenant_name,
            connection_id=tenant.connection_id,
            update=self.cipher.seal(tokens, shop_id=self.shop_id, tenant_id=tenant.tenant_id),
        )  # fmt: skip


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def build_xero_auth(
    settings: XeroSettings,
    *,
    now: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
) -> XeroAuth:
    """The app's identity client (needs SHOPLINES_XERO_CLIENT_ID and _SECRET)."""
    if not settings.xero_client_id or settings.xero_client_secret is None:
        raise ConfigError(
            "SHOPLINES_XERO_CLIENT_ID and SHOPLINES_XERO_CLIENT_SECRET must be set (the Xero app's "
            "credentials from developer.xero.com)"
        )
    return XeroAuth(
        settings.xero_client_id, settings.xero_client_secret.get_secret_value(),
        authorize_url=settings.xero_authorize_url, token_url=settings.xero_token_url,
        connections_url=settings.xero_connections_url, now=now, sleep=sleep,
    )  # fmt: skip


def build_xero_client(
    settings: XeroSettings,
    store: StateStore,
    shop_id: str,
    *,
    now: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> XeroClient:
    """The accounting client for the shop's stored Xero connection (tokens refreshed as needed)."""
    vault = StateTokenVault(store, TokenCipher(settings.token_key), shop_id)
    tenant_id = vault.connection().tenant_id
    tokens = XeroTokens(build_xero_auth(settings, now=now, sleep=sleep or time.sleep), vault, now=now)
    session = XeroSession(
        settings.xero_api_url, tenant_id, tokens, timeout=settings.xero_timeout_seconds, now=now,
        on_retry=on_retry, sleep=sleep or time.sleep,
    )  # fmt: skip
    return XeroClient(session)
