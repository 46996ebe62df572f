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
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shoplines.state.records import (
    ALERT_KINDS,
    ALERT_STATUSES,
    ANSWER_FILE_STATUSES,
    ANSWER_KINDS,
    ANSWERS,
    APPROVAL_STATUSES,
    CORRECTION_STATUSES,
    FILE_STATUSES,
    LIVE_FILE_STATUSES,
    OUTCOMES,
    POSTING_KINDS,
    POSTING_STATUSES,
    RECORD_TYPES,
    RUN_STATUSES,
    STOCK_FILE_STATUSES,
)

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


# Deliveries of abandoned files stay as history; only live ones take part in the unique delivery key.
_LIVE = text(_in("status", LIVE_FILE_STATUSES))


class Delivery(Base):
    """One entity version in one file, at `sequence` in the entity's delivery history at the destination.

    The unique key over live rows allows one delivery per place in that history: two runs planning the
    same next delivery of an entity (whatever version each saw) cannot both record it.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index(
            "uq_deliveries_live_key",
            "shop_id",
            "line",
            "destination",
            "entity_id",
            "sequence",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        ForeignKeyConstraint(
            ["shop_id", "destination", "file_name"],
            ["files.shop_id", "files.destination", "files.file_name"],
            name="fk_deliveries_file",
        ),
        CheckConstraint(_in("status", FILE_STATUSES), name="status"),
        CheckConstraint(_in("record_type", RECORD_TYPES), name="record_type"),
        CheckConstraint("sequence >= 1", name="sequence"),
        CheckConstraint(f"answer IS NULL OR {_in('answer', ANSWERS)}", name="answer"),
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
    sequence: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address_hash: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(String(16))
    answer_reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


class Lease(Base):
    """Permission for one holder to work on a window of a line until the lease expires."""

    __tablename__ = "leases"
    __table_args__ = (
        CheckConstraint("window_start < window_end", name="window"),
        Index("ix_leases_shop_line", "shop_id", "line"),
    )

    lease_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"), index=True)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Watermark(Base):
    """The end of the last contiguous completed window of a line and selector."""

    __tablename__ = "watermarks"

    shop_id: Mapped[str] = mapped_column(ShopId, primary_key=True)
    line: Mapped[str] = mapped_column(String(64), primary_key=True)
    selector: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatermarkHistory(Base):
    """Every completed window reported, with the watermark before and after (kept for support)."""

    __tablename__ = "watermark_history"
    __table_args__ = (Index("ix_watermark_history_key", "shop_id", "line", "selector", "window_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    selector: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    from_watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    to_watermark: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FileResolution(Base):
    """A person's verdict on a file whose delivery was never confirmed (the audit trail)."""

    __tablename__ = "file_resolutions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["shop_id", "destination", "file_name"],
            ["files.shop_id", "files.destination", "files.file_name"],
            name="fk_file_resolutions_file",
        ),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        Index("ix_file_resolutions_file", "shop_id", "destination", "file_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    destination: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    resolved_by: Mapped[str] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text)
    remote_path: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(Base):
    """A problem people were told about (or are owed a word on): open until it clears."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("uq_alerts_open_key", "shop_id", "line", "key", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_alerts_shop_status", "shop_id", "status"),
        CheckConstraint(_in("status", ALERT_STATUSES), name="status"),
        CheckConstraint(_in("kind", ALERT_KINDS), name="kind"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    what: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text)
    window: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, int]] = mapped_column(JsonDocument)
    link: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occurrences: Mapped[int] = mapped_column(Integer)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JournalEntry(Base):
    """One step of a record's journey, for support: what arrived, what it was mapped to, what we did."""

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_entity", "shop_id", "entity_id"),
        Index("ix_journal_name", "shop_id", "entity_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"), index=True)
    entity_id: Mapped[str] = mapped_column(String(255))
    entity_name: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class AnswerFile(Base):
    """A file read from the 3PL's outbound folder: recorded in the same transaction that applies it, so a
    crash before it is archived never applies it twice."""

    __tablename__ = "answer_files"
    __table_args__ = (
        UniqueConstraint("shop_id", "destination", "file_name", "sha256"),
        CheckConstraint(_in("kind", ANSWER_KINDS), name="kind"),
        CheckConstraint(_in("status", ANSWER_FILE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    destination: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archived_as: Mapped[str | None] = mapped_column(Text)


class Shipment(Base):
    """A shipped line from a SHIP file, matched to its order; `fulfillment_id` once Shopify has it."""

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("answer_file_id", "row_number"),
        Index("ix_shipments_entity", "shop_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    destination: Mapped[str] = mapped_column(String(64))
    answer_file_id: Mapped[int] = mapped_column(ForeignKey("answer_files.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[str] = mapped_column(String(255))
    entity_name: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str] = mapped_column(String(255))
    tracking_number: Mapped[str] = mapped_column(String(255))
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fulfillment_id: Mapped[str | None] = mapped_column(String(255))
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Approval(Base):
    """A decision a person owes before something moves (one per subject: an order version, a refund)."""

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("shop_id", "line", "kind", "entity_id", "subject"),
        CheckConstraint(_in("status", APPROVAL_STATUSES), name="status"),
        Index("ix_approvals_shop_status", "shop_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(255))
    entity_name: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    policy: Mapped[str | None] = mapped_column(String(255))


class AccountingToken(Base):
    """One shop's connection to an accounting system: tenant and the encrypted token set (never clear)."""

    __tablename__ = "accounting_tokens"
    __table_args__ = (UniqueConstraint("shop_id", "provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    provider: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[str] = mapped_column(String(64))
    tenant_name: Mapped[str] = mapped_column(String(255))
    connection_id: Mapped[str | None] = mapped_column(String(64))
    token_blob: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_obtained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)  # bumped by every write; an UPDATE checks it (optimistic)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class Posting(Base):
    """One accounting write (an invoice, credit note, payment or allocation), keyed by what makes it unique
    at the provider: intent before the call, posted with the provider's id after; never posted twice."""

    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("shop_id", "provider", "kind", "key"),
        CheckConstraint(_in("status", POSTING_STATUSES), name="status"),
        CheckConstraint(_in("kind", POSTING_KINDS), name="kind"),
        Index("ix_postings_shop_line_status", "shop_id", "line", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    line: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    entity_ids: Mapped[list[str]] = mapped_column(JsonDocument)
    entity_name: Mapped[str] = mapped_column(String(255))
    business_date: Mapped[str] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text)


class InventoryLevel(Base):
    """Our copy of Shopify's inventory levels, kept by full snapshots and `updated_at` increments."""

    __tablename__ = "inventory_levels"

    shop_id: Mapped[str] = mapped_column(ShopId, primary_key=True)
    location_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    inventory_item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str | None] = mapped_column(String(255))
    quantities: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StockFile(Base):
    """A stock-on-hand file read from the 3PL: compared, superseded by a newer one, or unreadable."""

    __tablename__ = "stock_files"
    __table_args__ = (
        UniqueConstraint("shop_id", "file_name", "sha256"),
        CheckConstraint(_in("status", STOCK_FILE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer)
    set_aside: Mapped[int] = mapped_column(Integer)
    mismatches: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archived_as: Mapped[str | None] = mapped_column(Text)


class StockCorrection(Base):
    """The application of one approved batch of on_hand corrections: intent before the call, then applied
    (Shopify's adjustment group), stale (a count moved first: nothing written) or refused."""

    __tablename__ = "stock_corrections"
    __table_args__ = (
        UniqueConstraint("shop_id", "approval_id"),
        CheckConstraint(_in("status", CORRECTION_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


PACK_STATUSES = ("issued", "delivered")


class MonthEndPack(Base):
    """One issued revision of a month-end pack: its manifest (control totals, each CSV's SHA-256) and the
    fingerprint that says whether a re-run is the same pack; `issued` once checked, `delivered` once sent."""

    __tablename__ = "month_end_packs"
    __table_args__ = (
        UniqueConstraint("shop_id", "month", "revision"),
        CheckConstraint(_in("status", PACK_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(ShopId)
    month: Mapped[str] = mapped_column(String(7))
    revision: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))
    status: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    delivered_to: Mapped[list[str]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonthEndFigure(Base):
    """What an issued pack said of one order (kind `order`) or of its change in a later month (`adjustment`),
    per VAT class in cents: the baseline later adjustments are measured against."""

    __tablename__ = "month_end_figures"
    __table_args__ = (Index("ix_month_end_figures_order_id", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("month_end_packs.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(255))
    order_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    figures: Mapped[dict[str, list[int]]] = mapped_column(JsonDocument)
