"""Initial state schema: runs, files, deliveries, quarantine.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SHOP_ID = sa.String(255)
LINE = sa.String(64)
DESTINATION = sa.String(64)
FILE_STATUS = "status IN ('intent', 'delivered')"


def utc(name: str, nullable: bool = False) -> sa.Column:
    """A timezone-aware timestamp column (UTC by convention, enforced in the models)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("selector", sa.String(32), nullable=False),
        utc("window_start"),
        utc("window_end"),
        sa.Column("params", JSON_DOC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", JSON_DOC, nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        utc("started_at"),
        utc("finished_at", nullable=True),
        sa.Column("prefect_flow_run_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name="ck_runs_status"),
    )
    op.create_index("ix_runs_shop_line_started", "runs", ["shop_id", "line", "started_at"])

    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("destination", DESTINATION, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("batch_id", sa.String(128), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("remote_path", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        utc("created_at"),
        utc("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.UniqueConstraint("shop_id", "destination", "file_name", name="uq_files_name"),
        sa.CheckConstraint(FILE_STATUS, name="ck_files_status"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_files_run_id_runs"),
    )
    op.create_index("ix_files_run_id", "files", ["run_id"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("destination", DESTINATION, nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_name", sa.String(255), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("record_type", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        utc("created_at"),
        utc("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "shop_id",
            "line",
            "destination",
            "entity_id",
            "content_hash",
            "record_type",
            name="uq_deliveries_key",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "destination", "file_name"],
            ["files.shop_id", "files.destination", "files.file_name"],
            name="fk_deliveries_file",
        ),
        sa.CheckConstraint(FILE_STATUS, name="ck_deliveries_status"),
        sa.CheckConstraint(
            "record_type IN ('NEW', 'AMEND', 'CANCEL', 'REPLACEMENT')", name="ck_deliveries_record_type"
        ),
    )
    op.create_index("ix_deliveries_file", "deliveries", ["shop_id", "destination", "file_name"])

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=True),
        sa.Column("entity_name", sa.String(255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        utc("created_at"),
        utc("resolved_at", nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_quarantine_run_id_runs"),
    )
    op.create_index("ix_quarantine_run_id", "quarantine", ["run_id"])
    op.create_index("ix_quarantine_open", "quarantine", ["shop_id", "line", "resolved_at"])


def downgrade() -> None:
    """Drop the four tables."""
    op.drop_table("quarantine")
    op.drop_table("deliveries")
    op.drop_table("files")
    op.drop_table("runs")
