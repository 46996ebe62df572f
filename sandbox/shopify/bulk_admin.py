"""Bulk result downloads (``/_sandbox/storage/bulk/N.jsonl``, signed, no token) and the bulk admin knobs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import iso
from sandbox.shopify.bulk import FINISHED, BulkSettings
from sandbox.shopify.bulk_urls import STORAGE_PATH, gcs_error, signature
from sandbox.shopify.faults import RequestFacts

if TYPE_CHECKING:
    from sandbox.shopify.state import SandboxState


def _xml(status: int, code: str, message: str, details: str = "") -> Response:
    return Response(gcs_error(code, message, details), status_code=status, media_type="application/xml")


async def download(request: Request) -> Response:
    """Serve a result file if the signature matches and has not expired (sandbox clock)."""
    state: SandboxState = request.app.state.sandbox
    book = state.engine.bulk
    number = request.path_params["number"]
    op = book.get(f"gid://shopify/BulkOperation/{number}")
    if op is None or op.status not in FINISHED or not op.object_count or not op.path.exists():
        return _xml(404, "NoSuchKey", "The specified key does not exist.")
    params = request.query_params
    expires = params.get("Expires", "")
    if not expires.isdigit() or params.get("Signature") != signature(number, int(expires), book.secret):
        return _xml(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
    if book.clock.now().timestamp() > int(expires):
        at = iso(datetime.fromtimestamp(int(expires), UTC))
        return _xml(
            400, "ExpiredToken", "The provided token has expired.", f"Request signature expired at: {at}"
        )
    rule = state.faults.decide(RequestFacts(None, 0, download=True))
    if rule is not None and state.proxy is not None and request.client is not None:
        state.proxy.truncate(request.client.port)
    return FileResponse(op.path, media_type="application/jsonl", filename=f"bulk-{number}.jsonl")


def storage_routes() -> list[BaseRoute]:
    """The result-file route (served beside the GraphQL endpoint; loopback server, no token)."""
    return [Route(STORAGE_PATH + "/{number:int}.jsonl", download, methods=["GET"])]


async def bulk_settings(request: Request, state: SandboxState) -> dict[str, Any]:
    """``GET /_sandbox/bulk`` (settings and operations) and ``POST`` (change settings)."""
    book = state.engine.bulk
    if request.method == "POST":
        raw = await request.body()
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict) or set(data) - set(BulkSettings.__dataclass_fields__):
            raise ValueError(f"settings are {sorted(BulkSettings.__dataclass_fields__)}")
        for key, value in data.items():
            if not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{key} must be a positive number")
            setattr(book.settings, key, int(value) if key == "shuffle_window" else float(value))
    return {"settings": vars(book.settings), "operations": [op.as_admin() for op in book.all()]}
