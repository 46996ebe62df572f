"""Posting configuration: which Xero tax type and account each kind of Shopify amount goes to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Destination = Literal["domestic", "export"]


def gateway_key(name: object) -> str | None:
    """A gateway's name as a loose key ("Peach Payments" -> "peachpayments"), as `known_gateway` reads it."""
    if not isinstance(name, str):
        return None
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return key or None


class TaxRule(BaseModel):
    """Shopify's (combined) tax rate on a line, for a destination, posts with this Xero tax type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rate: Decimal = Field(ge=0, le=1, description="Shopify's rate as a fraction: 0.15 for 15%.")
    destination: Destination
    tax_type: str = Field(min_length=1)


ZA_RULES = (
    TaxRule(rate=Decimal("0.15"), destination="domestic", tax_type="OUTPUT3"),
    TaxRule(rate=Decimal("0"), destination="export", tax_type="ZERORATEDOUTPUT"),
    TaxRule(rate=Decimal("0"), destination="domestic", tax_type="ZERORATED"),
)


class TaxMap(BaseModel):
    """Tax types by (rate, destination); gift cards sold are not a supply. A rate with no rule holds the
    order back: never a guess."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[TaxRule, ...] = ZA_RULES
    gift_card: str = Field("NONE", min_length=1, description="Tax type of gift cards sold (a liability).")
    shop_country: str = Field("ZA", pattern=r"^[A-Z]{2}$", description="Ship-to elsewhere is an export.")

    def destination(self, ship_to_country: str | None) -> Destination:
        """Export when shipped to another country; no ship-to address (digital, pickup) is domestic."""
        return "export" if ship_to_country and ship_to_country != self.shop_country else "domestic"

    def tax_type(self, rate: Decimal, destination: Destination, *, gift_card: bool = False) -> str | None:
        """The tax type for a line, or None when nothing is mapped for it."""
        if gift_card:
            return self.gift_card if rate == 0 else None
        found = [r.tax_type for r in self.rules if r.rate == rate and r.destination == destination]
        return found[0] if found else None

    def validate_against(self, tax_rates: Iterable[Mapping[str, Any]]) -> list[str]:
        """Problems with this map against a tenant's ``GET /TaxRates``: each mapped tax type must exist, be
        ACTIVE, apply to revenue, and carry the rate it is mapped for. Empty when all is well."""
        known = {str(t.get("TaxType")): t for t in tax_rates}
        wanted = [(r.tax_type, r.rate) for r in self.rules] + [(self.gift_card, Decimal(0))]
        problems = []
        for tax_type, rate in dict.fromkeys(wanted):
            problems += _problems(tax_type, rate, known.get(tax_type))
        return problems


def _problems(tax_type: str, rate: Decimal, found: Mapping[str, Any] | None) -> list[str]:
    if found is None:
        return [f"tax type {tax_type} does not exist in Xero"]
    problems = []
    if found.get("Status") != "ACTIVE":
        problems.append(f"tax type {tax_type} is {found.get('Status')}, not ACTIVE")
    if found.get("CanApplyToRevenue") is not True:
        problems.append(f"tax type {tax_type} cannot be applied to revenue")
    try:
        effective = Decimal(str(found.get("EffectiveRate")))
    except InvalidOperation:
        effective = None
    if effective is None or not effective.is_finite() or effective != rate * 100:
        problems.append(
            f"tax type {tax_type} has rate {found.get('EffectiveRate')}%, mapped for {rate * 100}%"
        )
    return problems


class AccountMap(BaseModel):
    """Account codes: sales, shipping, gift-card liability, refund adjustments, a clearing account per
    gateway. A gateway with no clearing account holds its orders and refunds back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sales: str = Field(min_length=1)
    shipping: str = Field(min_length=1)
    gift_card_liability: str = Field(min_length=1)
    refund_adjustment: str = Field(min_length=1, description="Refund money not explained by lines.")
    refund_adjustment_tax_type: str = Field("NONE", min_length=1)
    refund_adjustment_tax_rate: Decimal = Field(
        Decimal(0), ge=0, le=1, description="VAT included in adjustments at this rate (0 with NONE)."
    )
    clearing: dict[str, str] = Field(description="Gateway name -> clearing account code.")

    @field_validator("clearing")
    @classmethod
    def _normalise_gateways(cls, value: dict[str, str]) -> dict[str, str]:
        keyed: dict[str, str] = {}
        for name, code in value.items():
            key = gateway_key(name)
            if key is None or not code:
                raise ValueError(f"clearing account {name!r}: {code!r} needs a gateway name and a code")
            if keyed.get(key, code) != code:
                raise ValueError(f"gateway {name!r} is mapped to two clearing accounts")
            keyed[key] = code
        return keyed

    def clearing_account(self, gateway: object) -> str | None:
        """The clearing account of a Shopify gateway name, or None when unmapped."""
        key = gateway_key(gateway)
        return self.clearing.get(key) if key else None


class PostingConfig(BaseModel):
    """Everything the recipe needs besides Shopify's data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str = Field("ZA-", max_length=20, description="Document number prefix: ZA-1001, ZA-R-…")
    contact_key: str = Field("Shopify Sales", min_length=1, description="The one Xero contact posted to.")
    currency: str = Field("ZAR", pattern=r"^[A-Z]{3}$")
    timezone: str = "Africa/Johannesburg"
    admin_url: str = Field(description="Shopify admin base, e.g. https://admin.shopify.com/store/my-shop")
    taxes: TaxMap = TaxMap()
    accounts: AccountMap

    def order_url(self, legacy_id: str) -> str:
        return f"{self.admin_url.rstrip('/')}/orders/{legacy_id}"
