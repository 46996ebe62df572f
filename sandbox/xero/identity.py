"""Xero identity on the same server: authorise (auto-consent), token, and ``/connections``."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.xero import replies
from sandbox.xero.auth import App, GrantError
from sandbox.xero.gate import after, before
from sandbox.xero.state import XeroState
from sandbox.xero.wire import dumps


async def authorize(request: Request) -> Response:
    """``GET /identity/connect/authorize``: the user "consents" at once; 302 back with code and state."""
    state: XeroState = request.app.state.xero
    params = request.query_params
    if params.get("response_type") != "code":
        return replies.oauth_error("unsupported_response_type")
    try:
        app = state.auth.client(params.get("client_id", ""), None)
        code = state.auth.new_code(app, params.get("redirect_uri", ""), params.get("scope", ""))
    except GrantError as exc:
        return replies.oauth_error(str(exc))
    query = {"code": code, "scope": params.get("scope", "")}
    if "state" in params:
        query["state"] = params["state"]
    separator = "&" if "?" in params.get("redirect_uri", "") else "?"
    return RedirectResponse(f"{params['redirect_uri']}{separator}{urlencode(query)}", status_code=302)


def _client(state: XeroState, request: Request, form: dict[str, str]) -> App:
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
        except ValueError as exc:
            raise GrantError("invalid_client") from exc
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    return state.auth.client(client_id, secret)


def _grant(state: XeroState, request: Request, form: dict[str, str]) -> Response:
    try:
        app = _client(state, request, form)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            tokens = state.auth.exchange_code(app, form.get("code", ""), form.get("redirect_uri", ""))
            state.connect(app.client_id)
        elif grant == "refresh_token":
            tokens = state.auth.use_refresh(app, form.get("refresh_token", ""))
        else:
            return replies.oauth_error("unsupported_grant_type")
    except GrantError as exc:
        status = 401 if str(exc) == "invalid_client" else 400
        return replies.oauth_error(str(exc), status)
    return Response(dumps(tokens), 200, {"Cache-Control": "no-store"}, media_type="application/json")


async def token(request: Request) -> Response:
    """``POST /connect/token`` (Basic client auth, form body); faults apply here too (lost refreshes)."""
    state: XeroState = request.app.state.xero
    # parsed by hand: starlette's form parser needs python-multipart, which we do not depend on
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    rule = state.faults.decide(request.method, request.url.path)
    early = await before(state, request, rule)
    response = early if early is not None else await after(state, request, rule, _grant(state, request, form))
    state.log_request(
        {
            "method": "POST",
            "path": request.url.path,
            "query": "",
            "status": response.status_code,
            "fault": rule.kind if rule else None,
            "fault_id": rule.id if rule else None,
            "grant_type": form.get("grant_type"),
        }
    )
    return response


def _bearer_client(state: XeroState, request: Request) -> str | Response:
    header = request.headers.get("authorization", "")
    entry, expired = state.auth.bearer(header[7:].strip() if header[:7].lower() == "bearer " else "")
    if entry is None or expired:
        return replies.problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    return entry.client_id


async def connections(request: Request) -> Response:
    """``GET /connections`` (the tenants this token's app may use) and ``DELETE /connections/{id}``."""
    state: XeroState = request.app.state.xero
    client_id = _bearer_client(state, request)
    if isinstance(client_id, Response):
        return client_id
    if request.method == "DELETE":
        removed = state.disconnect(client_id, request.path_params["ident"])
        return Response(status_code=204) if removed else replies.not_found()
    links = state.connections.get(client_id, {}).values()
    body = [
        {
            "id": link.connection_id,
            "authEventId": link.connection_id,
            "tenantId": link.tenant_id,
            "tenantType": "ORGANISATION",
            "tenantName": state.tenant_name,
            "createdDateUtc": link.created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "updatedDateUtc": link.updated.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
        }
        for link in links
    ]
    return replies.json_reply(body)


def identity_routes() -> list[BaseRoute]:
    """OAuth2 and connections routes."""
    return [
        Route("/identity/connect/authorize", authorize, methods=["GET"]),
        Route("/connect/token", token, methods=["POST"]),
        Route("/connections", connections, methods=["GET"]),
        Route("/connections/{ident}", connections, methods=["DELETE"]),
    ]
