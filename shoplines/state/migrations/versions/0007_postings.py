"""`postings`: the accounting ledger. One row per write at the provider (an invoice, a credit note, a payment,
an allocation), unique per (shop, provider, kind, key) where the key is what the provider keeps unique (the
document number; for payments and allocations the numbers they settle). A row is `intent` before the call,
`posted` with the provider's id after it, `failed` with the provider's words when it refused.

Revision ID: 0007_postings
Revises: 0006_accounting_tokens
Create Date: 2026-11-27 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007_postings"
down_revision: str | Sequence[str] | None = "0006_accounting_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("entity_ids", JSON_DOCUMENT, nullable=False),
        sa.Column("entity_name", sa.String(255), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        utc("created_at"),
        utc("posted_at", nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_postings"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_postings_run_id_runs"),
        sa.UniqueConstraint("shop_id", "provider", "kind", "key", name="uq_postings_shop_id_provider_kind_key"),
        sa.CheckConstraint("status IN ('intent', 'posted', 'failed')", name=op.f("ck_postings_status")),
        sa.CheckConstraint(
            "kind IN ('invoice', 'credit_note', 'payment', 'allocation')", name=op.f("ck_postings_kind")
        ),
    )
    op.create_index("ix_postings_run_id", "postings", ["run_id"])
    op.create_index("ix_postings_shop_line_status", "postings", ["shop_id", "line", "status"])


def downgrade() -> None:
    op.drop_table("postings")
