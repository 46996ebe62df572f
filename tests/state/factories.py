"""Small builders for state-store tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from shoplines.state.records import EntityVersion, FilePlan, RecordType
from shoplines.state.store import StateStore

SHOP = "shoplines-demo.myshopify.com"
OTHER_SHOP = "other-shop.myshopify.com"
LINE = "orders-to-warehouse"
DEST = "warehouse-sftp"
WINDOW = (datetime(2026, 10, 31, 22, 0, tzinfo=UTC), datetime(2026, 11, 1, 22, 0, tzinfo=UTC))


def order(number: int, content: str = "v1", record_type: RecordType = "NEW") -> EntityVersion:
    """One order version: gid from the number, hash from the content."""
    return EntityVersion(
        entity_id=f"gid://shopify/Order/{number}",
        entity_name=f"#{number}",
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        record_type=record_type,
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
