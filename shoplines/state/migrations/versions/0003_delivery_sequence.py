"""`deliveries.sequence`: the place of a delivery in its entity's history; the live key uses it.

0002's key over live deliveries held (entity, content_hash, record_type), so an order that went back to
a version the warehouse already had (A, B, A, B) could not be delivered again: the fourth delivery, an
AMEND to B, had the second one's key. The key becomes (entity, sequence): one live delivery per place in
an entity's history at a destination, whatever its content, so two runs planning the same next delivery
still cannot both record it.

Existing rows are numbered per entity: delivered rows in the order the ledger read them as latest
(delivered_at, id), then the rest (intents, abandoned) by created_at, id. The latest delivered row gets
the highest delivered sequence, so the next plan continues from it; live rows never share a number.

The downgrade is refused while an entity has two live deliveries of one version with one record type,
which 0002's key cannot hold.

Revision ID: 0003_delivery_sequence
Revises: 0002_leases_watermarks_audit
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_delivery_sequence"
down_revision: str | Sequence[str] | None = "0002_leases_watermarks_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITY = ["shop_id", "line", "destination", "entity_id"]
KEY_0002 = [*ENTITY, "content_hash", "record_type"]
KEY_0003 = [*ENTITY, "sequence"]
LIVE = "status IN ('intent', 'delivered')"
INDEX = "uq_deliveries_live_key"
CHECK = "ck_deliveries_sequence"
NUMBERED = f"""
SELECT id, ROW_NUMBER() OVER (
    PARTITION BY {", ".join(ENTITY)}
    ORDER BY CASE WHEN status = 'delivered' THEN 0 ELSE 1 END, COALESCE(delivered_at, created_at), id
) AS n
FROM deliveries
"""  # noqa: S608 - constants only
# PostgreSQL would run a correlated subquery's window once per row; SQLite computes it once, and only
# has UPDATE ... FROM since 3.33. Window functions need SQLite >= 3.25.
NUMBER_ROWS = {
    "postgresql": f"UPDATE deliveries SET sequence = numbered.n FROM ({NUMBERED}) AS numbered "
    "WHERE numbered.id = deliveries.id",
    "sqlite": f"UPDATE deliveries SET sequence = (SELECT numbered.n FROM ({NUMBERED}) AS numbered "
    "WHERE numbered.id = deliveries.id)",
}
CLASHES_0002 = f"""
SELECT entity_id, count(*) FROM deliveries WHERE {LIVE}
GROUP BY {", ".join(KEY_0002)} HAVING count(*) > 1 ORDER BY entity_id
"""  # noqa: S608 - constants only


def live_key(columns: list[str]) -> None:
    """The unique index over live deliveries, on `columns`."""
    op.create_index(
        INDEX, "deliveries", columns, unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE)
    )


def upgrade() -> None:
    """Add `sequence`, number the existing rows, and key live deliveries by it."""
    op.drop_index(INDEX, table_name="deliveries")  # before SQLite's batch rebuild, which would lose its WHERE
    op.add_column("deliveries", sa.Column("sequence", sa.Integer(), nullable=True))
    op.execute(NUMBER_ROWS[op.get_bind().dialect.name])
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint(op.f(CHECK), "sequence >= 1")
    live_key(KEY_0003)


def downgrade() -> None:
    """Key live deliveries by version again and drop `sequence`; refused while versions went twice."""
    clashes = op.get_bind().execute(sa.text(CLASHES_0002)).all()
    if clashes:
        names = ", ".join(str(row[0]) for row in clashes[:5])
        raise RuntimeError(
            f"cannot downgrade below 0003: {len(clashes)} entity version(s) have more than one live delivery "
            f"(an entity went back to an earlier version), which 0002's key cannot hold: {names}"
        )
    op.drop_index(INDEX, table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.drop_column("sequence")
    live_key(KEY_0002)
