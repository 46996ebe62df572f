"""The tax and account maps: lookups, unknown keys refused, and the check against Xero's tax rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tasks.accounting_config import AccountMap, TaxMap, TaxRule

XERO_ZA = [
    {"TaxType": "OUTPUT3", "Status": "ACTIVE", "CanApplyToRevenue": True, "EffectiveRate": "15.0000"},
    {"TaxType": "OUTPUT", "Status": "ACTIVE", "CanApplyToRevenue": True, "EffectiveRate": "14.0000"},
    {"TaxType": "ZERORATEDOUTPUT", "Status": "ACTIVE", "CanApplyToRevenue": True, "EffectiveRate": 0},
    {"TaxType": "ZERORATED", "Status": "ACTIVE", "CanApplyToRevenue": True, "EffectiveRate": "0.0"},
    {"TaxType": "NONE", "Status": "ACTIVE", "CanApplyToRevenue": True, "EffectiveRate": "0"},
    {"TaxType": "INPUT3", "Status": "ACTIVE", "CanApplyToRevenue": False, "EffectiveRate": "15"},
]


def test_tax_types_by_rate_destination_and_gift_card() -> None:
    taxes = TaxMap()
    assert taxes.tax_type(Decimal("0.15"), "domestic") == "OUTPUT3"
    assert taxes.tax_type(Decimal("0.150"), "domestic") == "OUTPUT3"
    assert taxes.tax_type(Decimal(0), "export") == "ZERORATEDOUTPUT"
    assert taxes.tax_type(Decimal(0), "domestic") == "ZERORATED"
    assert taxes.tax_type(Decimal("0.15"), "export") is None  # VAT charged on an export: a person looks
    assert taxes.tax_type(Decimal(0), "domestic", gift_card=True) == "NONE"
    assert taxes.tax_type(Decimal("0.15"), "domestic", gift_card=True) is None
    assert (taxes.destination("ZA"), taxes.destination("NA"), taxes.destination(None)) == (
        "domestic",
        "export",
        "domestic",
    )


def test_the_default_map_fits_a_south_african_xero_org() -> None:
    assert TaxMap().validate_against(XERO_ZA) == []


def test_each_problem_with_a_tenants_tax_rates_is_named() -> None:
    taxes = TaxMap(
        rules=(
            TaxRule(rate=Decimal("0.15"), destination="domestic", tax_type="OUTPUT"),
            TaxRule(rate=Decimal("0.15"), destination="export", tax_type="INPUT3"),
            TaxRule(rate=Decimal(0), destination="export", tax_type="TAX001"),
        )
    )
    archived = [
        *XERO_ZA,
        {"TaxType": "TAX001", "Status": "ARCHIVED", "CanApplyToRevenue": True, "EffectiveRate": 0},
    ]
    assert taxes.validate_against(archived) == [
        "tax type OUTPUT has rate 14.0000%, mapped for 15.00%",
        "tax type INPUT3 cannot be applied to revenue",
        "tax type TAX001 is ARCHIVED, not ACTIVE",
    ]
    assert TaxMap().validate_against([]) == [
        f"tax type {t} does not exist in Xero" for t in ("OUTPUT3", "ZERORATEDOUTPUT", "ZERORATED", "NONE")
    ]


def test_clearing_accounts_are_found_by_loose_gateway_names() -> None:
    accounts = AccountMap(
        sales="200",
        shipping="210",
        gift_card_liability="2300",
        refund_adjustment="4900",
        clearing={"PayFast": "801", "Peach Payments": "803"},
    )
    assert accounts.clearing_account("payfast") == "801"
    assert accounts.clearing_account("peach_payments") == "803"
    assert accounts.clearing_account("bogus") is None
    assert accounts.clearing_account(None) is None


def test_unknown_settings_and_conflicting_gateways_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        TaxMap(gift_cards="NONE")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="two clearing accounts"):
        AccountMap(
            sales="200",
            shipping="210",
            gift_card_liability="2300",
            refund_adjustment="4900",
            clearing={"PayFast": "801", "payfast": "802"},
        )
