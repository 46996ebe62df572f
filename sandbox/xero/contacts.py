"""Contacts: create (PUT), create-or-update (POST), and the ``Contact`` reference inside documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.xero import render
from sandbox.xero.ledger import Contact, Ledger

_FIELDS = {
    "ContactNumber": "number",
    "EmailAddress": "email",
    "FirstName": "first_name",
    "LastName": "last_name",
}


def name_taken(ledger: Ledger, name: str, other_than: str | None = None) -> bool:
    """Whether an active contact other than ``other_than`` has this name (case-insensitive)."""
    wanted = name.strip().casefold()
    return any(
        c.name.strip().casefold() == wanted and c.status == "ACTIVE" and c.contact_id != other_than
        for c in ledger.contacts.values()
    )


def _number_taken(ledger: Ledger, number: str, other_than: str | None) -> bool:
    return any(c.number == number and c.contact_id != other_than for c in ledger.contacts.values())


def write_contact(
    ledger: Ledger, raw: dict[str, Any], now: datetime, *, update: bool
) -> tuple[dict[str, Any], list[str]]:
    """One element of ``PUT``/``POST /Contacts``: the rendered contact, or the echo and its errors."""
    existing = _target(ledger, raw) if update else None
    if not update and raw.get("ContactID"):
        existing = ledger.contacts.get(str(raw["ContactID"]))
        if existing is None:
            return raw, ["The contact could not be found."]
    name = raw.get("Name", existing.name if existing else None)
    errors = []
    if not isinstance(name, str) or not name.strip():
        errors.append("The contact name must be specified.")
    elif len(name) > 255:
        errors.append("The contact name must be 255 characters or fewer.")
    elif name_taken(ledger, name, existing.contact_id if existing else None):
        errors.append(
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    number = raw.get("ContactNumber")
    if number and _number_taken(ledger, str(number), existing.contact_id if existing else None):
        errors.append("Another contact has this contact number. Please enter a different contact number.")
    if errors:
        return raw, errors
    assert isinstance(name, str)
    contact = existing or Contact(ledger.new_id(), name.strip(), now)
    contact.name, contact.updated = name.strip(), now
    for key, attr in _FIELDS.items():
        if key in raw:
            setattr(contact, attr, str(raw[key]) if raw[key] is not None else None)
    ledger.contacts[contact.contact_id] = contact
    return render.contact(contact), []


def _target(ledger: Ledger, raw: dict[str, Any]) -> Contact | None:
    if raw.get("ContactID"):
        return ledger.contacts.get(str(raw["ContactID"]))
    if raw.get("ContactNumber"):
        return next((c for c in ledger.contacts.values() if c.number == raw["ContactNumber"]), None)
    return None


def resolve(ledger: Ledger, ref: Any, now: datetime, errors: list[str]) -> Contact | None:
    """A document's ``Contact``: by ContactID, ContactNumber or Name (an unknown Name is created)."""
    if not isinstance(ref, dict):
        errors.append("A Contact must be specified for this type of transaction")
        return None
    if ref.get("ContactID"):
        found = ledger.contacts.get(str(ref["ContactID"]))
        if found is None:
            errors.append("The contact could not be found.")
        return found
    if ref.get("ContactNumber"):
        match = next((c for c in ledger.contacts.values() if c.number == ref["ContactNumber"]), None)
        if match is not None:
            return match
    name = ref.get("Name")
    if isinstance(name, str) and name.strip():
        wanted = name.strip().casefold()
        match = next((c for c in ledger.contacts.values() if c.name.casefold() == wanted), None)
        return match or Contact(ledger.new_id(), name.strip(), now, number=ref.get("ContactNumber"))
    errors.append("A Contact must be specified for this type of transaction")
    return None
