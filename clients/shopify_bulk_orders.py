"""Orders of a window through one bulk operation: run, download, check counts, regroup, read in chunks."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from clients.shopify_bulk import BulkRunner
from clients.shopify_bulk_download import download_result
from clients.shopify_bulk_queries import bulk_orders_query
from clients.shopify_bulk_regroup import BulkResult
from clients.shopify_errors import ShopifyBulkError
from clients.shopify_events import ClientEvent


def iter_bulk_orders(
    runner: BulkRunner, search: str, field: str, *, workdir: Path | None = None, chunk: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Yield the complete orders matching ``search``, sorted on ``field``, ``chunk`` at a time.

    Args:
        runner: Starts and polls the job through the client's session.
        search: Shopify search syntax selecting the orders.
        field: ``processed_at``, ``updated_at`` or ``created_at`` (sort order of the pages).
        workdir: Folder for the downloaded file and the regrouping database (a temporary one if None);
            both files are removed when the generator ends.
        chunk: Orders per page (default: the policy's ``chunk_orders``).

    Raises:
        ShopifyBulkError: any failure, including a file whose object count differs from Shopify's.
    """
    with ExitStack() as stack:
        folder = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shopify-bulk-")))
        folder.mkdir(parents=True, exist_ok=True)
        operation_id = runner.start(bulk_orders_query(search, field))
        operation = runner.wait(operation_id, runner.clock())
        if operation.url is None:
            if operation.object_count == 0:
                return  # Shopify's empty result: COMPLETED, no file, zero objects
            raise ShopifyBulkError(
                f"Shopify's bulk operation {operation_id} completed with {operation.object_count} objects "
                "but no result URL."
            )
        name = f"bulk-{operation_id.rsplit('/', 1)[-1]}"
        jsonl = folder / f"{name}.jsonl"
        stack.callback(jsonl.unlink, missing_ok=True)
        download_result(
            operation, jsonl, refresh=lambda: runner.status(operation_id), policy=runner.policy,
            events=runner.session.events,
        )  # fmt: skip
        result = stack.enter_context(BulkResult(folder / f"{name}.sqlite", field))
        counts = (result.load(jsonl), result.root_count())
        jsonl.unlink()
        if counts != (operation.object_count, operation.root_object_count):
            raise ShopifyBulkError(
                f"The bulk result {operation_id} holds {counts[0]} objects ({counts[1]} orders) but Shopify "
                f"counted {operation.object_count} ({operation.root_object_count}), so it was not used."
            )
        runner.session.events.emit(
            ClientEvent(
                "bulk_regrouped",
                f"Bulk result {operation_id}: {counts[1]} orders with {counts[0] - counts[1]} nested nodes.",
                {"id": operation_id, "orders": counts[1], "objects": counts[0]},
            )
        )
        yield from result.orders(chunk or runner.policy.chunk_orders)
