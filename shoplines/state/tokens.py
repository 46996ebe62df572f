"""Accounting connections (`accounting_tokens`): one row per shop and provider holding the tenant and the
token set as an opaque, already-encrypted blob (this module never sees a token in clear).

A refresh happens inside `update_locked`: the transaction takes the row's lock (a PostgreSQL advisory lock;
on SQLite the database write lock every writer takes at BEGIN), re-reads the row and only then lets the
caller decide whether to refresh, so two workers never spend the same refresh token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state.locks import TOKENS, serialise
from shoplines.state.models import AccountingToken
from shoplines.state.records import StateError
from shoplines.state.rows import to_record


class NoConnection(StateError):
    """No accounting connection is stored for this shop and provider."""


@dataclass(frozen=True)
class ConnectionRecord:
    """A stored connection; `token_blob` is ciphertext."""

    shop_id: str
    provider: str
    tenant_id: str
    tenant_name: str
    connection_id: str | None
    token_blob: str
    access_expires_at: datetime
    refresh_obtained_at: datetime
    connected_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class TokenUpdate:
    """A new token set (ciphertext) and its clear expiry times."""

    token_blob: str
    access_expires_at: datetime
    refresh_obtained_at: datetime


def _row(session: Session, shop_id: str, provider: str) -> AccountingToken | None:
    wanted = select(AccountingToken).where(
        AccountingToken.shop_id == shop_id, AccountingToken.provider == provider
    )
    return session.scalars(wanted).one_or_none()


def get(session: Session, shop_id: str, provider: str) -> ConnectionRecord | None:
    """The stored connection, or None."""
    row = _row(session, shop_id, provider)
    return None if row is None else to_record(ConnectionRecord, row)


def save(
    session: Session,
    shop_id: str,
    provider: str,
    *,
    tenant_id: str,
    tenant_name: str,
    connection_id: str | None,
    update: TokenUpdate,
    now: datetime,
) -> ConnectionRecord:
    """Store a new connection (replacing any earlier one for the shop and provider)."""
    serialise(session, TOKENS, shop_id, provider)
    row = _row(session, shop_id, provider)
    if row is None:
        row = AccountingToken(shop_id=shop_id, provider=provider)
        session.add(row)
    row.tenant_id, row.tenant_name, row.connection_id = tenant_id, tenant_name, connection_id
    row.connected_at = now
    _apply(row, update, now)
    session.flush()
    return to_record(ConnectionRecord, row)


def update_locked(
    session: Session,
    shop_id: str,
    provider: str,
    decide: Callable[[ConnectionRecord], TokenUpdate | None],
    now: Callable[[], datetime],
) -> ConnectionRecord:
    """Under the row's lock: re-read it, ask ``decide``, store its update (None keeps the row).

    Raises:
        NoConnection: nothing is stored.
    """
    serialise(session, TOKENS, shop_id, provider)
    row = _row(session, shop_id, provider)
    if row is None:
        raise NoConnection(f"no {provider} connection is stored for {shop_id}")
    update = decide(to_record(ConnectionRecord, row))
    if update is not None:
        _apply(row, update, now())
        session.flush()
    return to_record(ConnectionRecord, row)


def delete(session: Session, shop_id: str, provider: str) -> bool:
    """Forget the connection; True if there was one."""
    row = _row(session, shop_id, provider)
    if row is None:
        return False
    session.delete(row)
    return True


def _apply(row: AccountingToken, update: TokenUpdate, now: datetime) -> None:
    row.token_blob = update.token_blob
    row.access_expires_at = update.access_expires_at
    row.refresh_obtained_at = update.refresh_obtained_at
    row.updated_at = now  # `version` is bumped (and checked) by the ORM: see the model
