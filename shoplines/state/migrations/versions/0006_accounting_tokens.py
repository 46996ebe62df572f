"""Accounting connections: `accounting_tokens`, one row per shop and provider (Xero first) with the tenant and
the token set encrypted by the application (Fernet, key SHOPLINES_TOKEN_KEY); the clear expiry times let a
line decide when to refresh, and `version` counts every change of the token set.

Revision ID: 0006_accounting_tokens
Revises: 0005_answers_approvals
Create Date: 2026-11-30 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_accounting_tokens"
down_revision: str | Sequence[str] | None = "0005_answers_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accounting_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("tenant_name", sa.String(255), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=True),
        sa.Column("token_blob", sa.Text(), nullable=False),
        utc("access_expires_at"),
        utc("refresh_obtained_at"),
        utc("connected_at"),
        utc("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounting_tokens"),
        sa.UniqueConstraint("shop_id", "provider", name="uq_accounting_tokens_shop_id_provider"),
    )


def downgrade() -> None:
    op.drop_table("accounting_tokens")
