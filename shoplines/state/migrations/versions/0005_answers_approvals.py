"""The 3PL's answers and people's decisions: `answer_files`, `shipments`, `approvals`, and on `deliveries`
the ship-to hash and the 3PL's answer (ACCEPTED, CANCELLED, REJECTED) with its reason and time.

A delivered order version moves sent → acknowledged (ACCEPTED/CANCELLED) or rejected; shipped lines are
rows of `shipments`. An answer file is recorded in the transaction that applies it (unique per name and
content), so it is applied once even if the run dies before archiving it. An approval is one decision per
subject (an order version, a refund), pending until a person approves or rejects it.

Revision ID: 0005_answers_approvals
Revises: 0004_alerts_journal
Create Date: 2026-11-27 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005_answers_approvals"
down_revision: str | Sequence[str] | None = "0004_alerts_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)
LINE = sa.String(64)
JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
ANSWER_CHECK = "answer IS NULL OR answer IN ('ACCEPTED', 'CANCELLED', 'REJECTED')"


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("address_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("answer", sa.String(16), nullable=True))
        batch.add_column(sa.Column("answer_reason", sa.Text(), nullable=True))
        batch.add_column(utc("answered_at", nullable=True))
        batch.create_check_constraint(op.f("ck_deliveries_answer"), ANSWER_CHECK)

    op.create_table(
        "answer_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        utc("read_at"),
        sa.Column("archived_as", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_answer_files"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_answer_files_run_id_runs"),
        sa.UniqueConstraint(
            "shop_id", "destination", "file_name", "sha256",
            name="uq_answer_files_shop_id_destination_file_name_sha256",
        ),  # fmt: skip
        sa.CheckConstraint("kind IN ('ACK', 'ERR', 'SHIP', 'UNKNOWN')", name=op.f("ck_answer_files_kind")),
        sa.CheckConstraint("status IN ('applied', 'quarantined')", name=op.f("ck_answer_files_status")),
    )
    op.create_index("ix_answer_files_run_id", "answer_files", ["run_id"])

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("answer_file_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_name", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(255), nullable=False),
        sa.Column("tracking_number", sa.String(255), nullable=False),
        utc("shipped_at"),
        sa.Column("fulfillment_id", sa.String(255), nullable=True),
        utc("fulfilled_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
        sa.ForeignKeyConstraint(
            ["answer_file_id"], ["answer_files.id"], name="fk_shipments_answer_file_id_answer_files"
        ),
        sa.UniqueConstraint("answer_file_id", "row_number", name="uq_shipments_answer_file_id_row_number"),
    )
    op.create_index("ix_shipments_answer_file_id", "shipments", ["answer_file_id"])
    op.create_index("ix_shipments_entity", "shipments", ["shop_id", "entity_id"])

    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_name", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        utc("requested_at"),
        sa.Column("run_id", sa.String(36), nullable=True),
        utc("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("policy", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.UniqueConstraint(
            "shop_id", "line", "kind", "entity_id", "subject",
            name="uq_approvals_shop_id_line_kind_entity_id_subject",
        ),  # fmt: skip
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f("ck_approvals_status")
        ),
    )
    op.create_index("ix_approvals_shop_status", "approvals", ["shop_id", "status"])


def downgrade() -> None:
    op.drop_table("approvals")
    op.drop_table("shipments")
    op.drop_table("answer_files")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_answer"), type_="check")
        for column in ("answered_at", "answer_reason", "answer", "address_hash"):
            batch.drop_column(column)
