"""`month_end_packs` and `month_end_figures`: every issued revision of a month-end pack with its manifest and
fingerprint, and what it said of each order (or of an order's later change), per VAT class in cents, so a
change to an order of a closed month becomes an adjustment in the month it happened.

Revision ID: 0009_month_end_packs
Revises: 0008_inventory
Create Date: 2026-11-27 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009_month_end_packs"
down_revision: str | Sequence[str] | None = "0008_inventory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "month_end_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("manifest", JSON_DOCUMENT, nullable=False),
        sa.Column("delivered_to", JSON_DOCUMENT, nullable=False),
        utc("created_at"),
        utc("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_month_end_packs"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_month_end_packs_run_id_runs"),
        sa.UniqueConstraint(
            "shop_id", "month", "revision", name="uq_month_end_packs_shop_id_month_revision"
        ),
        sa.CheckConstraint("status IN ('issued', 'delivered')", name=op.f("ck_month_end_packs_status")),
    )
    op.create_table(
        "month_end_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(255), nullable=False),
        sa.Column("order_name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("figures", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_month_end_figures"),
        sa.ForeignKeyConstraint(
            ["pack_id"], ["month_end_packs.id"], name="fk_month_end_figures_pack_id_month_end_packs"
        ),
    )
    op.create_index("ix_month_end_figures_order_id", "month_end_figures", ["order_id"])
    op.create_index("ix_month_end_figures_pack_id", "month_end_figures", ["pack_id"])


def downgrade() -> None:
    op.drop_table("month_end_figures")
    op.drop_table("month_end_packs")
