"""Personal data (POPIA) out of everything people read: logs, artifacts, journal views and notifications.

The state database keeps what Shopify sent (quarantined payloads are evidence and are purged by retention);
everything shown is masked here first. Masking keeps enough to recognise a record when talking to the
customer or the 3PL ("t***@g***.com", "phone ending 67") and nothing more.
"""

from __future__ import annotations

import re

PERSONAL_COLUMNS = frozenset({
    "email", "customer_email", "phone", "ship_to_name", "ship_to_company", "ship_to_address1",
    "ship_to_address2", "ship_to_phone", "address1", "address2", "name", "first_name", "last_name",
})  # fmt: skip

_EMAIL = re.compile(
    r"(?:^|(?<=[\s<(\[\"',;:=]))"  # starts a word
    r"([^\s@<>()\[\],;:\"])[^\s@<>()\[\],;:\"]*"  # the local part (RFC 5322 allows much)
    r"@([A-Za-z0-9])[A-Za-z0-9-]*((?:\.[A-Za-z0-9-]+)+)"  # the domain: first label masked, the rest kept
)
# digit runs that look like phone numbers: not part of an id (gid://…/123, #1001) or a decimal; times and
# dates have too few digits (MIN_PHONE_DIGITS)
_PHONE = re.compile(r"(?<![\w/#.-])\+?\d[\d ()-]{7,}\d(?![\w]|\.\d)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
MIN_PHONE_DIGITS = 9


def mask_email(value: str) -> str:
    """``thandi@gmail.com`` → ``t***@g***.com``; anything that is not an address is masked whole."""
    masked = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}***{m[3]}", value)
    return masked if masked != value else "***"


def mask_phone(value: str) -> str:
    """``+27 82 123 4567`` → ``***67`` (the last two digits, to match against a customer's number)."""
    digits = re.sub(r"\D", "", value)
    return f"***{digits[-2:]}" if len(digits) >= 4 else "***"


def mask_value(column: str, value: object) -> str:
    """A value for display: masked when the column holds personal data."""
    text = "" if value is None else str(value)
    if column not in PERSONAL_COLUMNS or not text:
        return text
    if "email" in column:
        return mask_email(text)
    if "phone" in column:
        return mask_phone(text)
    return "***"


def mask_text(text: str) -> str:
    """Free text with every email address and phone number in it masked."""
    text = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}***{m[3]}", text)

    def phone(match: re.Match[str]) -> str:
        found = match[0]
        digits = re.sub(r"\D", "", found)
        if len(digits) < MIN_PHONE_DIGITS or _DATE.match(found):
            return found
        return mask_phone(found)

    return _PHONE.sub(phone, text)
