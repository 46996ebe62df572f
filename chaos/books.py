"""The Xero side of a sandbox for the chaos suite: connect the shop to it, read and plant its documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

Books = dict[str, list[dict[str, Any]]]  # "invoices", "credit_notes", "payments", "allocations"
KINDS = ("invoices", "credit_notes", "payments", "allocations")


def connect_books(home: Path, description: dict[str, Any]) -> None:
    """Connect the sandbox's shop to the sandbox's Xero, as `shoplines xero connect` does (the sandbox
    consents at once), storing the tokens in `home/state.db` under the sandbox's own token key."""
    from shoplines.sandbox_control import token_key
    from shoplines.settings import sandbox_settings
    from shoplines.state.store import StateStore
    from shoplines.xero_connect import connect
    from shoplines.xero_tokens import XeroSettings

    settings = XeroSettings(**sandbox_settings(description | {"token_key": token_key(home)}))

    def browser(url: str) -> None:
        httpx.get(url, follow_redirects=True, timeout=30).raise_for_status()

    with StateStore.open(f"sqlite:///{(home / 'state.db').resolve()}") as state:
        connect(settings, state, str(description["shopify"]["shop"]), open_url=browser, port=0)


def xero_admin(description: dict[str, Any], method: str, path: str, payload: Any = None) -> Any:
    """One request to the Xero sandbox's admin endpoint (`/_sandbox` + path); its JSON answer."""
    url = f"{description['xero']['admin_url']}{path}"
    response = httpx.request(method, url, json=payload, timeout=30)
    response.raise_for_status()
    return response.json()


def read_books(description: dict[str, Any]) -> Books:
    """The ground truth: every invoice, credit note, payment and allocation the sandbox's Xero holds."""
    return {kind: xero_admin(description, "GET", f"/documents/{kind}")[kind] for kind in KINDS}


def plant_payment(description: dict[str, Any], books: Books) -> str:
    """Pay an invoice that is still owed through the Xero API, as a stray second post of a payment would
    (Xero refuses more on a paid one); the clean run left it owed. Returns what was planted, for the log."""
    xero = description["xero"]
    owed = next(i for i in books["invoices"] if i["Status"] == "AUTHORISED" and i["AmountDue"] > 0)
    account = next(p["Account"]["Code"] for p in books["payments"] if p.get("Invoice"))
    body = {"Payments": [{"Invoice": {"InvoiceNumber": owed["InvoiceNumber"]}, "Account": {"Code": account},
                          "Amount": owed["AmountDue"], "Date": "2026-11-01"}]}  # fmt: skip
    tokens = xero_admin(description, "POST", "/tokens", {})
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": xero["tenant_id"]}
    response = httpx.put(f"{xero['api_url']}/Payments", json=body, headers=headers, timeout=30)
    response.raise_for_status()
    return f"a payment of {owed['AmountDue']} to {owed['InvoiceNumber']}"
