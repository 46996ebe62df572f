"""People and places on generated orders: customers, addresses, notes and tags."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from sandbox.shopify import catalog
from sandbox.shopify.ids import legacy_id
from sandbox.shopify.scenarios import Scenario
from sandbox.shopify.store import Store


def customer_record(store: Store, rng: random.Random) -> dict[str, Any]:
    """A customer with a South African mobile number and an ASCII e-mail built from a unicode name."""
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    plain = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    email = plain.lower().replace(" ", "").replace("'", "") + "@example.co.za"
    phone = f"+27 {rng.choice((71, 72, 82, 83, 84))} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    cid = store.ids.new("Customer")
    return {
        "id": cid,
        "legacyResourceId": legacy_id(cid),
        "firstName": first,
        "lastName": last,
        "displayName": f"{first} {last}",
        "email": email,
        "phone": phone,
        "defaultEmailAddress": {"emailAddress": email},
        "defaultPhoneNumber": {"phoneNumber": phone},
    }


def address(rng: random.Random, place: catalog.Place, customer: dict[str, Any] | None) -> dict[str, Any]:
    """A ``MailingAddress`` at ``place``; about one in eight carries formula-like free text."""
    first = (customer or {}).get("firstName") or rng.choice(catalog.FIRST_NAMES)
    last = (customer or {}).get("lastName") or rng.choice(catalog.LAST_NAMES)
    odd = rng.random() < 0.12
    return {
        "firstName": first,
        "lastName": last,
        "name": f"{first} {last}",
        "company": rng.choice(catalog.FORMULA_TEXTS) if odd and rng.random() < 0.5 else None,
        "address1": f"{rng.randint(1, 299)} {rng.choice(catalog.STREETS)}",
        "address2": rng.choice(catalog.FORMULA_TEXTS) if odd else None,
        "city": place.city,
        "province": place.province,
        "provinceCode": place.province_code,
        "zip": place.zip,
        "country": place.country,
        "countryCodeV2": place.country_code,
        "countryCode": place.country_code,
        "phone": (customer or {}).get("phone"),
        "latitude": None,
        "longitude": None,
    }


def note(rng: random.Random) -> str | None:
    """An order note: mostly none, sometimes a delivery request or formula-like text."""
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(catalog.FORMULA_TEXTS)
    return "Please deliver after 17:00 — dankie!" if roll < 0.15 else None


def tags(rng: random.Random, sc: Scenario) -> list[str]:
    """Order tags (``export`` on exports, sometimes one more)."""
    tags = {"export"} if sc.export else set()
    if rng.random() < 0.2:
        tags.add(rng.choice(("vip", "wholesale", "gift", "-priority")))
    return sorted(tags)
