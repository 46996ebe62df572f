"""Plain dataclasses that go in and out of the state store, plus its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

RunStatus = Literal["running", "completed", "failed", "abandoned"]
FileStatus = Literal["intent", "delivered", "abandoned"]
RecordType = Literal["NEW", "AMEND", "CANCEL", "REPLACEMENT"]
Outcome = Literal["delivered", "not_delivered"]

RUN_STATUSES: tuple[str, ...] = ("running", "completed", "failed", "abandoned")
FILE_STATUSES: tuple[str, ...] = ("intent", "delivered", "abandoned")
LIVE_FILE_STATUSES: tuple[str, ...] = ("intent", "delivered")  # an entity version is in at most one such file
RECORD_TYPES: tuple[str, ...] = ("NEW", "AMEND", "CANCEL", "REPLACEMENT")
OUTCOMES: tuple[str, ...] = ("delivered", "not_delivered")
ANSWERS: tuple[str, ...] = ("ACCEPTED", "CANCELLED", "REJECTED")  # the 3PL's word on a delivered version
ANSWER_KINDS: tuple[str, ...] = ("ACK", "ERR", "SHIP", "UNKNOWN")
ANSWER_FILE_STATUSES: tuple[str, ...] = ("applied", "quarantined")
APPROVAL_STATUSES: tuple[str, ...] = ("pending", "approved", "rejected", "withdrawn")
POSTING_KINDS: tuple[str, ...] = ("invoice", "credit_note", "payment", "allocation")
POSTING_STATUSES: tuple[str, ...] = ("intent", "posted", "failed")
STOCK_FILE_STATUSES: tuple[str, ...] = ("compared", "superseded", "unreadable")
CORRECTION_STATUSES: tuple[str, ...] = ("intent", "applied", "stale", "refused")


class StateError(Exception):
    """The state database was asked for something it cannot do (unknown run, unknown file, bad URL)."""


class StateConflict(StateError):
    """A write contradicts what is already recorded; nothing was written."""


class LeaseHeld(StateError):
    """Another holder has a live lease that keeps this one from being granted; `lease` is that lease."""

    def __init__(self, message: str, lease: Lease) -> None:
        super().__init__(message)
        self.lease = lease


class LeaseLost(StateError):
    """A lease expired and was taken over (or was released): its holder must stop before any side effect."""


@dataclass(frozen=True, slots=True)
class EntityVersion:
    """One version of one Shopify entity placed in a file, at `sequence` in the entity's delivery history.

    `sequence` is 1 for an entity's first delivery to a destination and the latest delivered one's plus 1
    after that (`DeliveredVersion.sequence`); two live deliveries of an entity never share one. The
    default 1 is only right for a first delivery: given for an entity already delivered, the ledger
    refuses the plan (StateConflict), it never sends twice.
    """

    entity_id: str
    entity_name: str
    content_hash: str
    record_type: RecordType
    sequence: int = 1
    address_hash: str | None = None


@dataclass(frozen=True, slots=True)
class FilePlan:
    """A file we are about to deliver and the entity versions it carries."""

    shop_id: str
    line: str
    destination: str
    file_name: str
    batch_id: str
    sha256: str
    size: int
    row_count: int
    entities: list[EntityVersion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeliveredVersion:
    """The latest delivered version of an entity at a destination; the next delivery takes `sequence` + 1.

    `answer` is the 3PL's word on it (ACCEPTED, CANCELLED, REJECTED; None: not answered yet) and
    `address_hash` the ship-to it carried (None for deliveries recorded before addresses were hashed).
    """

    entity_id: str
    content_hash: str
    record_type: RecordType
    sequence: int
    file_name: str
    delivered_at: datetime
    answer: str | None = None
    address_hash: str | None = None


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A row of `files`."""

    shop_id: str
    line: str
    destination: str
    file_name: str
    batch_id: str
    sha256: str
    size: int
    row_count: int
    status: FileStatus
    remote_path: str | None
    run_id: str
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """A record we refused to deliver, and why (Decimal and date values in `payload` are stored as text)."""

    entity_id: str | None
    entity_name: str | None
    reason: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """A row of `quarantine`."""

    id: int
    shop_id: str
    line: str
    run_id: str
    entity_id: str | None
    entity_name: str | None
    reason: str
    payload: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A row of `runs`."""

    run_id: str
    shop_id: str
    line: str
    selector: str
    window_start: datetime
    window_end: datetime
    params: dict[str, Any]
    status: RunStatus
    counts: dict[str, int]
    message: str | None
    started_at: datetime
    finished_at: datetime | None
    prefect_flow_run_id: str | None


@dataclass(frozen=True, slots=True)
class Lease:
    """A row of `leases`: `holder` may work on [window_start, window_end) of a line until `expires_at`."""

    lease_id: str
    shop_id: str
    line: str
    window_start: datetime
    window_end: datetime
    holder: str
    acquired_at: datetime
    expires_at: datetime
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class WatermarkAdvance:
    """A row of `watermark_history`: one completed window reported, and the watermark before and after."""

    run_id: str
    window_start: datetime
    window_end: datetime
    from_watermark: datetime | None
    to_watermark: datetime
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class FileResolution:
    """A row of `file_resolutions`: a person's verdict on a file whose delivery was never confirmed."""

    shop_id: str
    destination: str
    file_name: str
    run_id: str
    outcome: Outcome
    resolved_by: str
    note: str
    remote_path: str | None
    resolved_at: datetime


ALERT_STATUSES = ("open", "resolved")
ALERT_KINDS = ("problem", "event")


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A row of `alerts`."""

    id: int
    shop_id: str
    line: str
    key: str
    kind: str
    status: str
    title: str
    what: str
    next_step: str
    window: str | None
    counts: dict[str, int]
    link: str | None
    opened_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    occurrences: int
    notified_at: datetime | None
    resolution_notified_at: datetime | None
    failed_attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class JournalRow:
    """A journal entry to write: one step of one record's journey."""

    entity_id: str
    entity_name: str | None
    stage: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One line of `shoplines trace`: when, which line, which record, what happened."""

    at: datetime
    line: str
    entity_id: str
    entity_name: str | None
    stage: str
    summary: str
    run_id: str | None


@dataclass(frozen=True, slots=True)
class AnswerFileRecord:
    """A file the 3PL wrote to its outbound folder, as we read it: applied once, or quarantined."""

    id: int
    shop_id: str
    destination: str
    file_name: str
    sha256: str
    kind: str
    rows: int
    status: str
    reason: str | None
    read_at: datetime
    archived_as: str | None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One order's answer in an ACK or ERR file (`reason` for rejections)."""

    file_name: str  # the file of ours it answers
    order_number: str
    record_type: str
    answer: str  # ACCEPTED, CANCELLED or REJECTED
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    """One shipped line of a SHIP file."""

    row_number: int
    order_number: str
    sku: str
    quantity: int
    carrier: str
    tracking_number: str
    shipped_at: datetime


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    """A shipped line as stored, with its order matched and whether Shopify has the fulfilment yet."""

    id: int
    entity_id: str
    entity_name: str
    sku: str
    quantity: int
    carrier: str
    tracking_number: str
    shipped_at: datetime
    file_name: str
    fulfillment_id: str | None
    fulfilled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying one answer file changed: answers matched, ones that broke the contract, shipments."""

    file: AnswerFileRecord
    matched: list[tuple[str, str, AnswerRow]] = field(default_factory=list)  # (entity_id, name, row)
    refused: list[tuple[AnswerRow | ShipmentRow, str]] = field(default_factory=list)  # row, why
    shipments: list[ShipmentRecord] = field(default_factory=list)
    already: bool = False  # the same file (name and content) was applied before: nothing changed


@dataclass(frozen=True, slots=True)
class AwaitingAnswer:
    """A delivered file the 3PL has not answered."""

    file_name: str
    delivered_at: datetime
    orders: list[str]


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """A decision a person owes (or made): an address change after acknowledgement, a large refund, …"""

    id: int
    shop_id: str
    line: str
    kind: str
    entity_id: str
    entity_name: str
    subject: str
    summary: str
    detail: dict[str, Any]
    amount_cents: int | None
    status: str
    requested_at: datetime
    run_id: str | None
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    policy: str | None


@dataclass(frozen=True, slots=True)
class PostingPlan:
    """An accounting write about to be made: what it is, what it carries, who or which policy approved it."""

    line: str
    provider: str
    kind: str  # invoice, credit_note, payment, allocation
    key: str  # unique at the provider per kind: the document number, or PAY:/ALLOC: + document numbers
    entity_ids: tuple[str, ...]
    entity_name: str
    business_date: str  # YYYY-MM-DD, shop time
    content_hash: str
    amount_cents: int
    approved_by: str  # a person's name (approval N) or the policy that let it through


@dataclass(frozen=True, slots=True)
class PostingRecord:
    """A row of `postings`."""

    id: int
    line: str
    provider: str
    kind: str
    key: str
    entity_ids: list[str]
    entity_name: str
    business_date: str
    content_hash: str
    amount_cents: int
    status: str
    external_id: str | None
    approved_by: str
    run_id: str
    created_at: datetime
    posted_at: datetime | None
    message: str | None


@dataclass(frozen=True, slots=True)
class LevelRecord:
    """Our copy of one Shopify inventory level: quantities by Shopify's names."""

    location_id: str
    inventory_item_id: str
    sku: str | None
    quantities: dict[str, Any]
    updated_at: datetime
    read_at: datetime


@dataclass(frozen=True, slots=True)
class StockFileRecord:
    """A stock file from the 3PL and what became of it."""

    id: int
    file_name: str
    sha256: str
    as_of: datetime | None
    rows: int
    set_aside: int
    mismatches: int
    status: str
    reason: str | None
    read_at: datetime
    archived_as: str | None


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    """The application of one approved correction batch."""

    id: int
    approval_id: int
    idempotency_key: str
    status: str
    group_id: str | None
    message: str | None
    created_at: datetime
    finished_at: datetime | None
