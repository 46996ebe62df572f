"""SQLAlchemy tables of the state database; the schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shoplines.state.records import FILE_STATUSES, RECORD_TYPES, RUN_STATUSES

# Named constraints let SQLite batch migrations drop and recreate them later.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDocument = JSON().with_variant(JSONB(), "postgresql")
ShopId = String(255)  # the shop's myshopify domain


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: state timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store the UTC wall time and re-attach UTC on the way out.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Run(Base):
    """One run of a line over one window."""

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        Index("ix_runs_shop_line_started", "shop_id", "line", "started_at"),
    )

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    selector: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    params: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict[str, int]] = mapped_column(JsonDocument)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prefect_flow_run_id: Mapped[str | None] = mapped_column(String(36))


class File(Base):
    """One file we deliver to a destination."""

    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("shop_id", "destination", "file_name", name="uq_files_name"),
        CheckConstraint(_in("status", FILE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    batch_id: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    remote_path: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One entity version in one file; the unique key makes a delivery deterministic."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "shop_id",
            "line",
            "destination",
            "entity_id",
            "content_hash",
            "record_type",
            name="uq_deliveries_key",
        ),
        ForeignKeyConstraint(
            ["shop_id", "destination", "file_name"],
            ["files.shop_id", "files.destination", "files.file_name"],
            name="fk_deliveries_file",
        ),
        CheckConstraint(_in("status", FILE_STATUSES), name="status"),
        CheckConstraint(_in("record_type", RECORD_TYPES), name="record_type"),
        Index("ix_deliveries_file", "shop_id", "destination", "file_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(255))
    entity_name: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(128))
    record_type: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Quarantine(Base):
    """A record held back from delivery until someone resolves it."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_open", "shop_id", "line", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(255))
    entity_name: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
