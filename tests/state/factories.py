"""Small builders for state-store tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import insert

from shoplines.state.models import Delivery, File
from shoplines.state.records import EntityVersion, FilePlan, RecordType
from shoplines.state.store import StateStore

SHOP = "shoplines-demo.myshopify.com"
OTHER_SHOP = "other-shop.myshopify.com"
LINE = "orders-to-warehouse"
DEST = "warehouse-sftp"
WINDOW = (datetime(2026, 10, 31, 22, 0, tzinfo=UTC), datetime(2026, 11, 1, 22, 0, tzinfo=UTC))


def order(
    number: int, content: str = "v1", record_type: RecordType = "NEW", sequence: int = 1
) -> EntityVersion:
    """One order version at `sequence` in its delivery history: gid from the number, hash from the content."""
    return EntityVersion(
        entity_id=f"gid://shopify/Order/{number}",
        entity_name=f"#{number}",
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        record_type=record_type,
        sequence=sequence,
    )


def plan(file_name: str, *entities: EntityVersion, shop: str = SHOP, body: str = "") -> FilePlan:
    """A file plan whose checksum depends on its name, entities and `body`."""
    content = f"{file_name}|{body}|" + ",".join(f"{e.entity_id}:{e.content_hash}" for e in entities)
    return FilePlan(
        shop_id=shop,
        line=LINE,
        destination=DEST,
        file_name=file_name,
        batch_id=file_name.removesuffix(".csv"),
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        size=len(content),
        row_count=len(entities),
        entities=list(entities),
    )


def start(store: StateStore, shop: str = SHOP) -> str:
    """Start a run of the warehouse line over the standard window."""
    return store.start_run(shop, LINE, "processed", *WINDOW, {"orders": "all"})


def deliver(store: StateStore, run_id: str, file: FilePlan) -> None:
    """Record a file's intent and confirm it at the usual remote path."""
    store.record_file_intent(file, run_id)
    store.confirm_file(file.shop_id, file.destination, file.file_name, f"inbound/{file.file_name}")


def record_before_0003(store: StateStore, run_id: str, file: FilePlan, now: datetime) -> None:
    """Record a file's intent as the store did before migration 0003 (deliveries had no `sequence`).

    For migration tests on an older schema; the store's confirmations and verdicts still work there.
    """
    common = {"shop_id": file.shop_id, "line": file.line, "destination": file.destination,
              "file_name": file.file_name, "status": "intent", "created_at": now}  # fmt: skip
    entities = [
        {"entity_id": e.entity_id, "entity_name": e.entity_name, "content_hash": e.content_hash,
         "record_type": e.record_type}
        for e in file.entities
    ]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(
            insert(File),
            [common | {"batch_id": file.batch_id, "sha256": file.sha256, "size": file.size,
                       "row_count": file.row_count, "run_id": run_id}],
        )  # fmt: skip
        conn.execute(insert(Delivery), [common | entity for entity in entities])
