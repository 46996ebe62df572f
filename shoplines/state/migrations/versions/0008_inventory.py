"""Inventory: our copy of Shopify's levels (`inventory_levels`), the 3PL's stock files read
(`stock_files`, each once, by name and SHA-256) and the application of approved on_hand corrections
(`stock_corrections`, one per approval: intent before the call, then applied, stale or refused).

Revision ID: 0008_inventory
Revises: 0007_postings
Create Date: 2026-11-27 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008_inventory"
down_revision: str | Sequence[str] | None = "0007_postings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inventory_levels",
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("inventory_item_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(255), nullable=True),
        sa.Column("quantities", JSON_DOCUMENT, nullable=False),
        utc("updated_at"),
        utc("read_at"),
        sa.PrimaryKeyConstraint("shop_id", "location_id", "inventory_item_id", name="pk_inventory_levels"),
    )
    op.create_table(
        "stock_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        utc("as_of", nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("set_aside", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        utc("read_at"),
        sa.Column("archived_as", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_files"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_stock_files_run_id_runs"),
        sa.UniqueConstraint("shop_id", "file_name", "sha256", name="uq_stock_files_shop_id_file_name_sha256"),
        sa.CheckConstraint(
            "status IN ('compared', 'superseded', 'unreadable')", name=op.f("ck_stock_files_status")
        ),
    )
    op.create_index("ix_stock_files_run_id", "stock_files", ["run_id"])
    op.create_table(
        "stock_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("group_id", sa.String(255), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        utc("created_at"),
        utc("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_corrections"),
        sa.ForeignKeyConstraint(["approval_id"], ["approvals.id"], name="fk_stock_corrections_approval_id_approvals"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_stock_corrections_run_id_runs"),
        sa.UniqueConstraint("shop_id", "approval_id", name="uq_stock_corrections_shop_id_approval_id"),
        sa.CheckConstraint(
            "status IN ('intent', 'applied', 'stale', 'refused')", name=op.f("ck_stock_corrections_status")
        ),
    )
    op.create_index("ix_stock_corrections_run_id", "stock_corrections", ["run_id"])


def downgrade() -> None:
    op.drop_table("stock_corrections")
    op.drop_table("stock_files")
    op.drop_table("inventory_levels")
