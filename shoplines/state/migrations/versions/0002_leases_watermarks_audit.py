"""Leases, watermarks, file resolutions; `abandoned` runs, files and deliveries.

The delivery key becomes a unique index over live deliveries only (intent, delivered), so the entity
versions of a file a person marked not delivered can be planned into another file.

0001 passed plain CHECK names to `op.create_table`, where the naming convention prefixed them again
(`ck_runs_ck_runs_status`). Every CHECK this migration touches or creates is named with `op.f()`, so it
gets the name models.py implies (`ck_runs_status`); the downgrade restores 0001's names.

Revision ID: 0002_leases_watermarks_audit
Revises: 0001_initial
Create Date: 2026-11-27 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_leases_watermarks_audit"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types in models.py: a migration must not change when the models do.
SHOP_ID = sa.String(255)
LINE = sa.String(64)
SELECTOR = sa.String(32)
RUN_ID = sa.String(36)
DESTINATION = sa.String(64)
DELIVERY_KEY = ["shop_id", "line", "destination", "entity_id", "content_hash", "record_type"]
LIVE = "status IN ('intent', 'delivered')"
RECORD_TYPE = "record_type IN ('NEW', 'AMEND', 'CANCEL', 'REPLACEMENT')"
NameOf = Callable[[str, str], str]
# (table, column): the CHECK before and after this migration.
CHECKS_0001 = {
    ("runs", "status"): "status IN ('running', 'completed', 'failed')",
    ("files", "status"): "status IN ('intent', 'delivered')",
    ("deliveries", "status"): "status IN ('intent', 'delivered')",
    ("deliveries", "record_type"): RECORD_TYPE,
}
CHECKS_0002 = {
    ("runs", "status"): "status IN ('running', 'completed', 'failed', 'abandoned')",
    ("files", "status"): "status IN ('intent', 'delivered', 'abandoned')",
    ("deliveries", "status"): "status IN ('intent', 'delivered', 'abandoned')",
    ("deliveries", "record_type"): RECORD_TYPE,
}


def utc(name: str, nullable: bool = False) -> sa.Column:
    """A timezone-aware timestamp column (UTC by convention, enforced in the models)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def run_fk(table: str) -> sa.ForeignKeyConstraint:
    """The foreign key from `table.run_id` to `runs`, named as models.py names it."""
    return sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=f"fk_{table}_run_id_runs")


def name_0001(table: str, column: str) -> str:
    """The name 0001 actually gave a CHECK (the naming convention applied twice)."""
    return f"ck_{table}_ck_{table}_{column}"


def name_0002(table: str, column: str) -> str:
    """The name models.py implies for a CHECK."""
    return f"ck_{table}_{column}"


def swap_checks(checks: dict[tuple[str, str], str], old: NameOf, new: NameOf) -> None:
    """Replace each CHECK by `checks`' condition under its new name (SQLite rebuilds each table)."""
    for table in dict.fromkeys(t for t, _ in checks):
        with op.batch_alter_table(table) as batch:
            for column in [c for t, c in checks if t == table]:
                batch.drop_constraint(op.f(old(table, column)), type_="check")
                batch.create_check_constraint(op.f(new(table, column)), checks[table, column])


def upgrade() -> None:
    """Add the statuses and the live delivery key, then the four new tables."""
    swap_checks(CHECKS_0002, name_0001, name_0002)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_key", type_="unique")
    op.create_index(
        "uq_deliveries_live_key", "deliveries", DELIVERY_KEY, unique=True,
        sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE),
    )  # fmt: skip

    op.create_table(
        "leases",
        sa.Column("lease_id", sa.String(36), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        utc("window_start"),
        utc("window_end"),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("run_id", RUN_ID, nullable=True),
        utc("acquired_at"),
        utc("expires_at"),
        sa.PrimaryKeyConstraint("lease_id", name="pk_leases"),
        sa.CheckConstraint("window_start < window_end", name=op.f("ck_leases_window")),
        run_fk("leases"),
    )
    op.create_index("ix_leases_shop_line", "leases", ["shop_id", "line"])
    op.create_index("ix_leases_run_id", "leases", ["run_id"])

    op.create_table(
        "watermarks",
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("selector", SELECTOR, nullable=False),
        utc("watermark"),
        sa.Column("run_id", RUN_ID, nullable=False),
        utc("updated_at"),
        sa.PrimaryKeyConstraint("shop_id", "line", "selector", name="pk_watermarks"),
        run_fk("watermarks"),
    )
    op.create_index("ix_watermarks_run_id", "watermarks", ["run_id"])

    op.create_table(
        "watermark_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("line", LINE, nullable=False),
        sa.Column("selector", SELECTOR, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        utc("window_start"),
        utc("window_end"),
        utc("from_watermark", nullable=True),
        utc("to_watermark"),
        utc("recorded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_watermark_history"),
        run_fk("watermark_history"),
    )
    op.create_index(
        "ix_watermark_history_key", "watermark_history", ["shop_id", "line", "selector", "window_end"]
    )
    op.create_index("ix_watermark_history_run_id", "watermark_history", ["run_id"])

    op.create_table(
        "file_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", SHOP_ID, nullable=False),
        sa.Column("destination", DESTINATION, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("resolved_by", sa.String(255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("remote_path", sa.Text(), nullable=True),
        utc("resolved_at"),
        sa.PrimaryKeyConstraint("id", name="pk_file_resolutions"),
        sa.CheckConstraint("outcome IN ('delivered', 'not_delivered')", name=op.f("ck_file_resolutions_outcome")),
        sa.ForeignKeyConstraint(
            ["shop_id", "destination", "file_name"],
            ["files.shop_id", "files.destination", "files.file_name"],
            name="fk_file_resolutions_file",
        ),
        run_fk("file_resolutions"),
    )
    op.create_index("ix_file_resolutions_file", "file_resolutions", ["shop_id", "destination", "file_name"])
    op.create_index("ix_file_resolutions_run_id", "file_resolutions", ["run_id"])


def downgrade() -> None:
    """Drop the new tables and restore 0001's constraints; refused while rows use the new statuses."""
    bind = op.get_bind()
    for table in ("runs", "files", "deliveries"):
        # A table name from the constant above, not input.
        abandoned = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE status = 'abandoned'"))  # noqa: S608
        if abandoned.scalar_one():
            raise RuntimeError(
                f"cannot downgrade below 0002: {table} has rows with status 'abandoned', which 0001 cannot hold"
            )
    for table in ("file_resolutions", "watermark_history", "watermarks", "leases"):
        op.drop_table(table)
    op.drop_index("uq_deliveries_live_key", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.create_unique_constraint("uq_deliveries_key", DELIVERY_KEY)
    swap_checks(CHECKS_0001, name_0002, name_0001)
