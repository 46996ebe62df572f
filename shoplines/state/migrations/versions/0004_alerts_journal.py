"""`alerts` (problems people were told about) and `journal` (the support journal behind `trace`).

An alert is open until its problem clears; the unique index over open alerts keeps one per (shop, line,
key), so a problem seen by every 15-minute run is announced once. The journal is append-only.

Revision ID: 0004_alerts_journal
Revises: 0003_delivery_sequence
Create Date: 2026-11-27 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004_alerts_journal"
down_revision: str | Sequence[str] | None = "0003_delivery_sequence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)
LINE = sa.String(64)
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
OPEN = "status = 'open'"


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("window", sa.Text(), nullable=True),
        sa.Column("counts", JSON_DOCUMENT, nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        utc("opened_at"),
        utc("last_seen_at"),
        utc("resolved_at", nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        utc("notified_at", nullable=True),
        utc("resolution_notified_at", nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_alerts_status")),
        sa.CheckConstraint("kind IN ('problem', 'event')", name=op.f("ck_alerts_kind")),
    )
    op.create_index(
        "uq_alerts_open_key", "alerts", ["shop_id", "line", "key"], unique=True,
        sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
    )  # fmt: skip
    op.create_index("ix_alerts_shop_status", "alerts", ["shop_id", "status"])

    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=True),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_name", sa.String(255), nullable=True),
        utc("at"),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_journal"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_journal_run_id_runs"),
    )
    op.create_index("ix_journal_entity", "journal", ["shop_id", "entity_id"])
    op.create_index("ix_journal_name", "journal", ["shop_id", "entity_name"])
    op.create_index("ix_journal_run_id", "journal", ["run_id"])


def downgrade() -> None:
    op.drop_table("journal")
    op.drop_table("alerts")
