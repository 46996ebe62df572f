"""The path every API call takes: bearer token, tenant, rate limits, faults, Idempotency-Key, handler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from sandbox.xero import replies
from sandbox.xero.faults import FaultRule
from sandbox.xero.idempotency import MAX_KEY_LENGTH, fingerprint
from sandbox.xero.state import XeroState

log = logging.getLogger(__name__)
WRITES = ("PUT", "POST")


@dataclass
class Call:
    """An admitted API call, as handlers see it."""

    state: XeroState
    request: Request
    body: bytes
    client_id: str
    tenant_id: str
    now: datetime


Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def authenticate(state: XeroState, request: Request) -> tuple[str, str] | Response:
    """``(client_id, tenant_id)`` or the 401/403 Xero would send."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    entry, expired = state.auth.bearer(token)
    if entry is None:
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return replies.problem(401, "Unauthorized", "AuthenticationUnsuccessful", challenge)
    if expired:
        stamp = entry.expires_at.strftime("%m/%d/%Y %H:%M:%S")
        description = f"The token expired at '{stamp}'"
        challenge = {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'}
        return replies.problem(401, "Unauthorized", f"TokenExpired: token expired at {stamp}", challenge)
    tenant = request.headers.get("xero-tenant-id", "").strip()
    if not tenant or not state.connected(entry.client_id, tenant):
        return replies.problem(403, "Forbidden", "AuthenticationUnsuccessful")
    return entry.client_id, tenant


def api(handler: Handler) -> Endpoint:
    """Wrap a synchronous handler in the full gate."""

    async def endpoint(request: Request) -> Response:
        state: XeroState = request.app.state.xero
        who = authenticate(state, request)
        if isinstance(who, Response):
            _log(state, request, who.status_code, None)
            return who
        client_id, tenant = who
        verdict = state.limits.admit(client_id, tenant)
        if verdict.problem is not None:
            headers = {**verdict.headers, "X-Rate-Limit-Problem": verdict.problem}
            if verdict.retry_after is not None:
                headers["Retry-After"] = str(verdict.retry_after)
            detail = f"Rate limit exceeded: {verdict.problem}"  # unconfirmed body
            _log(state, request, 429, None, rate_limit=verdict.problem)
            return replies.problem(429, "Too Many Requests", detail, headers)
        try:
            response = await _admitted(state, request, handler, client_id, tenant)
        finally:
            state.limits.release(client_id, tenant)
        response.headers.update(verdict.headers)
        return response

    return endpoint


async def _admitted(
    state: XeroState, request: Request, handler: Handler, client_id: str, tenant: str
) -> Response:
    body = await request.body()
    rule = state.faults.decide(request.method, request.url.path)
    early = await before(state, request, rule)
    if early is not None:
        _log(state, request, None if rule and rule.kind == "timeout" else early.status_code, rule)
        return early
    key = request.headers.get("idempotency-key") if request.method in WRITES else None
    if key is not None:
        if len(key) > MAX_KEY_LENGTH:
            return replies.problem(400, "Bad Request", "Idempotency-Key must be 128 characters or fewer")
        mark = fingerprint(request.method, request.url.path, request.url.query, tenant, body)
        stored = state.idempotency.claim(client_id, key, mark)
        if stored is not None:
            if stored.fingerprint != mark:
                _log(state, request, 400, rule, replayed=True)
                return replies.problem(
                    400, "Bad Request", f"Idempotency Key: {key} is used with a different request."
                )
            await stored.done.wait()
            state.idempotency.replays += 1
            _log(state, request, stored.status, rule, replayed=True)
            return Response(stored.body, stored.status, media_type=stored.media_type)
    call = Call(state, request, body, client_id, tenant, state.clock.now())
    try:
        response = handler(call)
    except Exception:  # a sandbox bug still looks like Xero's 500
        log.exception("the Xero sandbox failed on %s %s", request.method, request.url.path)
        response = replies.server_error(500)
    final = await after(state, request, rule, response)
    if key is not None:
        kept = (
            final if final.status_code >= 500 and rule is not None and rule.kind == "ghost_5xx" else response
        )
        state.idempotency.finish(client_id, key, kept.status_code, bytes(kept.body), kept.media_type or "")
    _log(
        state,
        request,
        None if rule and rule.kind in ("ghost_drop", "ghost_timeout") else final.status_code,
        rule,
    )
    return final


async def _hold(state: XeroState, seconds: float) -> None:
    if state.stopping is None:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(state.stopping.wait(), timeout=seconds)


def _drop(state: XeroState, request: Request) -> Response:
    if state.relay is not None and request.client is not None:
        state.relay.drop(request.client.port)
    return Response(b"", 599)


async def before(state: XeroState, request: Request, rule: FaultRule | None) -> Response | None:
    """Faults that strike before anything is written (``None`` lets the request run)."""
    if rule is None:
        return None
    if rule.kind == "http_5xx":
        return replies.server_error(rule.status)
    if rule.kind == "timeout":
        await _hold(state, rule.seconds)
        return _drop(state, request)
    if rule.kind == "slow":
        await _hold(state, rule.seconds)
    return None


async def after(state: XeroState, request: Request, rule: FaultRule | None, response: Response) -> Response:
    """Ghost writes: the work is done, then the answer is lost (5xx, dropped, or held then dropped)."""
    if rule is None or not rule.kind.startswith("ghost_"):
        return response
    if rule.kind == "ghost_5xx":
        return replies.server_error(rule.status)
    if rule.kind == "ghost_timeout":
        await _hold(state, rule.seconds)
    return _drop(state, request)


def _log(
    state: XeroState,
    request: Request,
    status: int | None,
    rule: FaultRule | None,
    *,
    replayed: bool = False,
    rate_limit: str | None = None,
) -> None:
    state.log_request(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "status": status,
            "fault": rule.kind if rule else None,
            "fault_id": rule.id if rule else None,
            "idempotency_key": request.headers.get("idempotency-key"),
            "replayed": replayed,
            "rate_limit": rate_limit,
        }
    )
