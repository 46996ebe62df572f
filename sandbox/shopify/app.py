"""The Starlette app: ``POST /admin/api/{version}/graphql.json``, the REST reads (``rest.py``) and the
``/_sandbox`` admin routes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import iso
from sandbox.shopify.admin import admin_routes
from sandbox.shopify.bulk_admin import storage_routes
from sandbox.shopify.faults import BULK_RUN_KINDS, FaultRule, request_facts
from sandbox.shopify.graphql_replies import INVALID_TOKEN, http_error_body
from sandbox.shopify.rest import rest_routes
from sandbox.shopify.rest_throttle import RestBucket
from sandbox.shopify.state import SandboxState, served_version

log = logging.getLogger(__name__)
_BAD_BODY = {"errors": {"query": "Required parameter missing or invalid"}}
RESET_STATUS = 599  # placeholder status of a reset connection's (undelivered) response


async def _read_body(request: Request) -> tuple[str, dict[str, Any] | None, str | None] | None:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/graphql"):
        return raw.decode("utf-8", "replace"), None, None
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables")
    return body["query"], variables if isinstance(variables, dict) else None, body.get("operationName")


async def graphql_endpoint(request: Request) -> Response:
    """The Admin GraphQL endpoint: version, auth and body checks, faults, then the engine."""
    state: SandboxState = request.app.state.sandbox
    admitted = await _admit(state, request)
    if isinstance(admitted, Response):
        return admitted
    scopes, query, variables, operation_name, headers = admitted
    facts = request_facts(query, variables, operation_name)
    rule = state.faults.decide(facts)
    early = await _early_fault(state, request, rule, headers)
    if early is not None:
        status = None if early.status_code == RESET_STATUS else early.status_code
        state.log_request(_entry(state, request, facts.operation, status, variables=variables, rule=rule))
        return early
    try:
        throttle = rule is not None and rule.kind == "throttled"
        outcome = state.engine.run(
            query,
            variables,
            operation_name,
            scopes,
            force_throttle=throttle,
            api_version=headers["X-Shopify-API-Version"],
            base_url=str(request.base_url),
            bulk_fault=rule if rule is not None and rule.kind in BULK_RUN_KINDS else None,
        )
    except Exception:  # a sandbox bug must still look like Shopify's 500, and be logged
        log.exception("the sandbox failed on a GraphQL request")
        state.log_request(_entry(state, request, facts.operation, 500, variables=variables, rule=rule))
        media, body = http_error_body(500)
        return Response(body, status_code=500, media_type=media, headers=headers)
    if outcome.deprecated:
        headers["X-Shopify-API-Deprecated-Reason"] = ", ".join(outcome.deprecated)
    name = outcome.operation_name or facts.operation
    late = _failure(state, request, rule, headers) if rule is not None and rule.commit else None
    status = 200 if late is None else (None if late.status_code == RESET_STATUS else late.status_code)
    entry = _entry(state, request, name, status, variables=variables, rule=rule)
    entry.update(requested_cost=outcome.requested, actual_cost=outcome.actual, errors=outcome.error_codes)
    state.log_request(entry)
    if late is not None:  # a ghost write: executed (and committed), then the response fails
        return late
    if rule is not None and rule.kind == "truncated" and state.proxy and request.client:
        state.proxy.truncate(request.client.port)
    return JSONResponse(outcome.body, headers=headers)


Admitted = tuple[frozenset[str], str, dict[str, Any] | None, str | None, dict[str, str]]


async def _admit(state: SandboxState, request: Request) -> Admitted | Response:
    """Version (404), token (401) and body (400) checks; the request's parts when all pass."""
    version = served_version(request.path_params["version"], state.api_versions)
    if version is None:
        return JSONResponse({"errors": "Not Found"}, status_code=404)
    headers = {"X-Shopify-API-Version": version}
    scopes = state.tokens.get(request.headers.get("x-shopify-access-token", ""))
    if scopes is None:
        state.log_request(_entry(state, request, None, 401))
        return JSONResponse({"errors": INVALID_TOKEN}, status_code=401, headers=headers)
    parsed = await _read_body(request)
    if parsed is None:
        state.log_request(_entry(state, request, None, 400))
        return JSONResponse(_BAD_BODY, status_code=400, headers=headers)
    return (scopes, *parsed, headers)


async def _early_fault(
    state: SandboxState, request: Request, rule: FaultRule | None, headers: dict[str, str]
) -> Response | None:
    """Faults answered before (or instead of) GraphQL execution; ``None`` lets the request run."""
    if rule is None or rule.commit:
        return None
    if rule.kind == "stall" and state.stopping is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.stopping.wait(), timeout=rule.seconds)
    return _failure(state, request, rule, headers)


def _failure(
    state: SandboxState, request: Request, rule: FaultRule, headers: dict[str, str]
) -> Response | None:
    """The failed response of an HTTP-level fault (``None`` for kinds that do not replace the answer)."""
    if rule.kind in ("http_error", "http_5xx_when_first_gt"):
        media, body = http_error_body(rule.status)
        return Response(body, status_code=rule.status, media_type=media, headers=headers)
    if rule.kind == "http_429":
        media, body = http_error_body(429)
        return Response(body, 429, {**headers, "Retry-After": str(rule.retry_after)}, media_type=media)
    if rule.kind == "reset" and state.proxy and request.client:
        state.proxy.reset(request.client.port)
        return Response(b"", status_code=RESET_STATUS)  # never reaches the client: the socket is gone
    return None


def _entry(
    state: SandboxState,
    request: Request,
    operation: str | None,
    status: int | None,
    *,
    variables: dict[str, Any] | None = None,
    rule: FaultRule | None = None,
) -> dict[str, Any]:
    return {
        "at": iso(state.clock.now()),
        "api_version": request.path_params.get("version"),
        "operation_name": operation,
        "variables": variables,
        "status": status,
        "requested_cost": None,
        "actual_cost": None,
        "errors": [],
        "fault": rule.kind if rule else None,
        "fault_id": rule.id if rule else None,
    }


def build_app(state: SandboxState, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app for one sandbox (``extra_routes``: other stand-ins' admin routes served beside it)."""
    graphql = Route("/admin/api/{version}/graphql.json", graphql_endpoint, methods=["POST"])
    routes = [graphql, *rest_routes(), *storage_routes(), *admin_routes(), *extra_routes]
    app = Starlette(routes=routes)
    app.state.sandbox = state
    app.state.rest_bucket = RestBucket(state.clock, lambda: state.bucket.plan)
    return app
