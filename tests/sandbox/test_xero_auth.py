"""OAuth2 against the Xero sandbox: code flow, rotation, grace, expiry, tenants and connections."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from sandbox.xero.auth import redirect_allowed
from tests.sandbox.conftest import Xero

REDIRECT = "http://127.0.0.1:9/callback"
SCOPE = "openid offline_access accounting.invoices accounting.settings"


def authorise(xero: Xero) -> dict[str, str]:
    """Run the code flow and return the token set."""
    params = {
        "response_type": "code",
        "client_id": xero.running.client_id,
        "redirect_uri": REDIRECT,
        "scope": SCOPE,
        "state": "s-123",
    }
    redirect = xero.http.get(xero.running.identity_url, params=params)
    assert redirect.status_code == 302
    location = urlparse(redirect.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == ["s-123"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT}
    return token(xero, form).json()


def token(xero: Xero, form: dict[str, str], secret: str | None = None) -> httpx.Response:
    auth = (xero.running.client_id, secret or xero.running.client_secret)
    return xero.http.post(xero.running.token_url, data=form, auth=auth)


def refresh(xero: Xero, refresh_token: str) -> httpx.Response:
    return token(xero, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def org(xero: Xero, access: str, tenant: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access}"}
    if tenant is not None:
        headers["xero-tenant-id"] = tenant
    return xero.http.get(f"{xero.running.api_url}/Organisation", headers=headers)


def test_code_flow_gives_a_token_set_and_a_connection(xero: Xero) -> None:
    tokens = authorise(xero)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 1800
    assert tokens["refresh_token"]
    assert tokens["id_token"]
    links = xero.http.get(
        xero.running.connections_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert [(c["tenantId"], c["tenantType"]) for c in links] == [(xero.running.tenant_id, "ORGANISATION")]
    assert {"id", "tenantName", "createdDateUtc", "updatedDateUtc"} <= set(links[0])
    body = org(xero, tokens["access_token"], xero.running.tenant_id).json()
    organisation = body["Organisations"][0]
    assert (organisation["BaseCurrency"], organisation["CountryCode"]) == ("ZAR", "ZA")


def test_a_code_is_single_use_and_a_wrong_secret_is_refused(xero: Xero) -> None:
    params = {
        "response_type": "code",
        "client_id": xero.running.client_id,
        "redirect_uri": REDIRECT,
        "scope": SCOPE,
    }
    location = xero.http.get(xero.running.identity_url, params=params).headers["location"]
    code = parse_qs(urlparse(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert token(xero, form, secret="wrong").json() == {"error": "invalid_client"}
    assert token(xero, form).status_code == 200
    again = token(xero, form)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_refresh_rotates_and_the_old_token_has_a_30_minute_grace(xero: Xero) -> None:
    first = authorise(xero)
    second = refresh(xero, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    xero.clock.advance(29 * 60)
    assert refresh(xero, first["refresh_token"]).status_code == 200  # response was "lost": grace
    xero.clock.advance(2 * 60)
    late = refresh(xero, first["refresh_token"])
    assert (late.status_code, late.json()) == (400, {"error": "invalid_grant"})
    assert refresh(xero, second["refresh_token"]).status_code == 200


def test_unused_refresh_token_dies_after_60_days(xero: Xero) -> None:
    tokens = authorise(xero)
    xero.clock.advance(60 * 86_400)
    assert refresh(xero, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_access_token_expires_after_30_minutes_on_the_sandbox_clock(xero: Xero) -> None:
    tokens = authorise(xero)
    xero.clock.advance(29 * 60 + 59)
    assert org(xero, tokens["access_token"], xero.running.tenant_id).status_code == 200
    xero.clock.advance(1)
    expired = org(xero, tokens["access_token"], xero.running.tenant_id)
    assert expired.status_code == 401
    assert expired.json()["Detail"].startswith("TokenExpired: token expired at ")
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    renewed = refresh(xero, tokens["refresh_token"]).json()
    assert org(xero, renewed["access_token"], xero.running.tenant_id).status_code == 200


def test_tenant_header_is_required_and_must_be_connected(xero: Xero) -> None:
    access = xero.tokens["access_token"]
    for tenant in (None, "00000000-0000-0000-0000-000000000000"):
        refused = org(xero, access, tenant)
        assert refused.status_code == 403
        assert (refused.json()["Title"], refused.json()["Detail"]) == (
            "Forbidden",
            "AuthenticationUnsuccessful",
        )
    assert org(xero, "not-a-token", xero.running.tenant_id).status_code == 401


def test_revoked_connection_and_revoked_tokens(xero: Xero) -> None:
    access, tenant = xero.tokens["access_token"], xero.running.tenant_id
    xero.admin("DELETE", f"/connections/{tenant}")
    assert org(xero, access, tenant).status_code == 403
    xero.running.issue_tokens()  # reconnects
    xero.admin("POST", "/tokens/revoke", {})
    assert org(xero, access, tenant).status_code == 401
    assert refresh(xero, xero.tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_admin_can_register_an_app_with_fixed_redirects(xero: Xero) -> None:
    app = xero.admin("POST", "/apps", {"name": "other", "redirect_uris": [REDIRECT]})
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": "http://evil/cb",
        "scope": SCOPE,
    }
    assert xero.http.get(xero.running.identity_url, params=params).status_code == 400
    params["redirect_uri"] = REDIRECT
    assert xero.http.get(xero.running.identity_url, params=params).status_code == 302


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        ("http://127.0.0.1:8754/callback", True),  # as registered
        ("http://127.0.0.1:40123/callback", True),  # a loopback redirect may take any port (RFC 8252 §7.3)
        ("http://127.0.0.1/callback", True),
        ("http://127.0.0.1:40123/other", False),  # but path, query, scheme and host must match
        ("http://127.0.0.1:40123/callback?x=1", False),
        ("https://127.0.0.1:40123/callback", False),
        ("http://localhost:40123/callback", False),
        ("http://127.0.0.1.example.com:40123/callback", False),
        ("http://user@127.0.0.1:40123/callback", False),
        ("http://127.0.0.1:99999/callback", False),
        ("http://[::1]:40123/callback", False),
    ],
)
def test_a_registered_loopback_redirect_accepts_any_port(uri: str, accepted: bool) -> None:
    assert redirect_allowed(["http://127.0.0.1:8754/callback"], uri) is accepted
    assert redirect_allowed([], uri)  # an app without registered redirects takes anything
    assert redirect_allowed(["http://[::1]:1/cb"], "http://[::1]:2/cb")
    assert not redirect_allowed(["https://app.example.com/cb"], "https://app.example.com:8443/cb")


def test_the_code_flow_on_another_loopback_port_needs_the_same_redirect_at_the_token_step(xero: Xero) -> None:
    app = xero.admin("POST", "/apps", {"name": "cli", "redirect_uris": ["http://127.0.0.1:8754/callback"]})
    chosen = "http://127.0.0.1:51234/callback"
    params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": chosen, "scope": SCOPE}
    redirect = xero.http.get(xero.running.identity_url, params=params)
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(f"{chosen}?code=")
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
    auth = (app["client_id"], app["client_secret"])
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:8754/callback",
    }
    assert xero.http.post(xero.running.token_url, data=form, auth=auth).json() == {"error": "invalid_grant"}
    params["redirect_uri"] = "http://127.0.0.1:51234/elsewhere"
    assert xero.http.get(xero.running.identity_url, params=params).status_code == 400
