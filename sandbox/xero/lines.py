"""Line items in, rounded amounts out: Xero's per-line tax, half-up to cents."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.xero.ledger import Ledger, Line
from sandbox.xero.orgdata import Account
from sandbox.xero.wire import money, to_decimal

AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
# A supplied line TaxAmount is kept when it is this close to Xero's own figure (unconfirmed tolerance).
TAX_TOLERANCE = Decimal("0.05")


def line_tax(amount: Decimal, rate: Decimal, amounts_type: str) -> Decimal:
    """Tax on one line: exclusive ``amount × r``, inclusive ``amount × r / (100 + r)``, rounded half-up."""
    if amounts_type == "NoTax" or rate == 0:
        return Decimal("0.00")
    if amounts_type == "Inclusive":
        return money(amount * rate / (Decimal(100) + rate))
    return money(amount * rate / Decimal(100))


def build_lines(
    ledger: Ledger,
    raw_lines: Any,
    amounts_type: str,
    *,
    unitdp: int,
    draft: bool,
    errors: list[str],
    new_id: Callable[[], str],
) -> list[Line]:
    """Validate and compute every line; problems go to ``errors`` (Xero's messages where known)."""
    if not isinstance(raw_lines, list):
        errors.append("LineItems must be a list")
        return []
    built = []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            errors.append("Each line item must be an object")
            continue
        try:
            built.append(
                _line(ledger, raw, amounts_type, unitdp=unitdp, draft=draft, errors=errors, new_id=new_id)
            )
        except ValueError as exc:
            errors.append(str(exc))
    return built


def _amount(raw: dict[str, Any], unitdp: int) -> tuple[Decimal, Decimal, Decimal | None, Decimal]:
    """``(quantity, unit amount, discount rate, line amount)``: unit rounded to ``unitdp``, line to cents."""
    quantity = to_decimal(raw.get("Quantity", 1), "Quantity").quantize(Decimal("0.0001"))
    step = Decimal(1).scaleb(-unitdp)
    discount = to_decimal(raw["DiscountRate"], "DiscountRate") if raw.get("DiscountRate") else None
    if raw.get("UnitAmount") is not None:
        unit = to_decimal(raw["UnitAmount"], "UnitAmount").quantize(step, rounding=ROUND_HALF_UP)
    elif raw.get("LineAmount") is not None and quantity != 0:
        unit = (to_decimal(raw["LineAmount"], "LineAmount") / quantity).quantize(step, ROUND_HALF_UP)
    else:
        unit = Decimal("0.00")
    factor = (Decimal(100) - discount) / Decimal(100) if discount is not None else Decimal(1)
    return quantity, unit, discount, money(quantity * unit * factor)


def _account(ledger: Ledger, code: Any, draft: bool, errors: list[str]) -> Account | None:
    """The line's revenue-side account; bank and AR/AP control accounts are refused."""
    if code is None:
        if not draft:
            errors.append("Account code must be specified for each line item.")  # unconfirmed wording
        return None
    account = ledger.account_by_code(str(code))
    usable = account is not None and account.status == "ACTIVE" and account.type != "BANK"
    if not usable or (account is not None and account.system_account in ("DEBTORS", "CREDITORS")):
        errors.append(f"Account code '{code}' is not a valid code for this document.")
    return account


def _tax(
    ledger: Ledger,
    raw: dict[str, Any],
    tax_type: str,
    amount: Decimal,
    *,
    amounts_type: str,
    errors: list[str],
) -> Decimal:
    """The line's tax: Xero's own figure, or the caller's ``TaxAmount`` when within tolerance."""
    rate = ledger.tax_rates.get(tax_type)
    if rate is None or rate.status != "ACTIVE" or not rate.revenue:
        errors.append(
            f"The TaxType code {tax_type} does not exist or cannot be used for this type of transaction."
        )
        return Decimal("0.00")
    tax = line_tax(amount, rate.rate, amounts_type)
    if raw.get("TaxAmount") is not None and amounts_type != "NoTax":
        given = money(to_decimal(raw["TaxAmount"], "TaxAmount"))
        if abs(given - tax) <= TAX_TOLERANCE:
            return given
    return tax


def _line(
    ledger: Ledger,
    raw: dict[str, Any],
    amounts_type: str,
    *,
    unitdp: int,
    draft: bool,
    errors: list[str],
    new_id: Callable[[], str],
) -> Line:
    quantity, unit, discount, amount = _amount(raw, unitdp)
    code = raw.get("AccountCode")
    account = _account(ledger, code, draft, errors)
    tax_type = str(raw.get("TaxType") or (account.tax_type if account else "NONE"))
    return Line(
        line_item_id=str(raw.get("LineItemID") or new_id()),
        description=str(raw.get("Description") or ""),
        quantity=quantity,
        unit_amount=unit,
        account_code=str(code) if code is not None else None,
        tax_type=tax_type,
        tax_amount=_tax(ledger, raw, tax_type, amount, amounts_type=amounts_type, errors=errors),
        line_amount=amount,
        discount_rate=discount,
        item_code=str(raw["ItemCode"]) if raw.get("ItemCode") else None,
        tracking=list(raw.get("Tracking") or []),
    )
