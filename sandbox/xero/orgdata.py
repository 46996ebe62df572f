"""The South African organisation's settings: tax rates, chart of accounts, organisation record."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# (TaxType, Name, rate %, revenue?, expenses?, status) — ZA codes and names as Xero lists them
# (calcinai/xero-php TaxTypes/SouthAfrica.php; Xero "Types and Codes"). OUTPUT is the *old* 14% rate.
_ZA_RATES: tuple[tuple[str, str, str, bool, bool, str], ...] = (
    ("OUTPUT3", "Standard Rate Sales", "15.00", True, False, "ACTIVE"),
    ("ZERORATEDOUTPUT", "Zero Rate (only Exported Goods)", "0.00", True, False, "ACTIVE"),
    ("ZERORATED", "Zero rate (Excluding Goods Exported)", "0.00", True, False, "ACTIVE"),
    ("EXEMPTOUTPUT", "Exempt and Non-Supplies", "0.00", True, False, "ACTIVE"),
    ("OUTPUT", "Old Standard Rate Sales", "14.00", True, False, "ACTIVE"),
    ("SROUTPUT2", "Standard Rate Sales - Capital Goods", "15.00", True, False, "ACTIVE"),
    ("NONE", "No VAT", "0.00", True, True, "ACTIVE"),
    ("INPUT3", "Standard Rate Purchases", "15.00", False, True, "ACTIVE"),
    ("INPUT", "Old Standard Rate Purchases", "14.00", False, True, "ACTIVE"),
    ("CAPEXINPUT2", "Standard Rate Purchases - Capital Goods", "15.00", False, True, "ACTIVE"),
    ("EXEMPTINPUT", "Exempt Purchases", "0.00", False, True, "ACTIVE"),
    ("ZRINPUT", "Zero Rated Purchases", "0.00", False, True, "ACTIVE"),
    ("IMINPUT", "Goods and Services Imported", "0.00", False, True, "ACTIVE"),
)


@dataclass
class TaxRate:
    """One ``TaxRate`` row."""

    tax_type: str
    name: str
    rate: Decimal
    revenue: bool
    expenses: bool
    status: str

    def as_json(self) -> dict[str, Any]:
        """The ``GET /TaxRates`` element."""
        return {
            "Name": self.name,
            "TaxType": self.tax_type,
            "ReportTaxType": "OUTPUT" if self.revenue and not self.expenses else "INPUT",
            "CanApplyToAssets": self.expenses,
            "CanApplyToEquity": self.expenses,
            "CanApplyToExpenses": self.expenses,
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": self.revenue,
            "DisplayTaxRate": self.rate,
            "EffectiveRate": self.rate,
            "Status": self.status,
            "TaxComponents": [
                {"Name": "VAT", "Rate": self.rate, "IsCompound": False, "IsNonRecoverable": False}
            ],
        }


def default_tax_rates() -> dict[str, TaxRate]:
    """A fresh copy of the ZA tax rates, keyed by TaxType."""
    return {t: TaxRate(t, n, Decimal(r), rev, exp, s) for t, n, r, rev, exp, s in _ZA_RATES}


# (Code, Name, Type, TaxType, EnablePaymentsToAccount, SystemAccount)
_ACCOUNTS: tuple[tuple[str, str, str, str, bool, str | None], ...] = (
    ("090", "Business Bank Account", "BANK", "NONE", False, None),
    ("200", "Sales", "REVENUE", "OUTPUT3", False, None),
    ("205", "Shipping Income", "REVENUE", "OUTPUT3", False, None),
    ("215", "Sales Discounts", "REVENUE", "OUTPUT3", False, None),
    ("260", "Other Revenue", "REVENUE", "OUTPUT3", False, None),
    ("400", "Advertising", "EXPENSE", "INPUT3", False, None),
    ("404", "Bank Fees", "EXPENSE", "NONE", False, None),
    ("610", "Accounts Receivable", "CURRENT", "NONE", False, "DEBTORS"),
    ("611", "PayFast Clearing", "CURRENT", "NONE", True, None),
    ("612", "Yoco Clearing", "CURRENT", "NONE", True, None),
    ("613", "Peach Payments Clearing", "CURRENT", "NONE", True, None),
    ("614", "Ozow Clearing", "CURRENT", "NONE", True, None),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", False, "CREDITORS"),
    ("820", "VAT", "CURRLIAB", "NONE", False, "GST"),
    ("835", "Gift Card Liability", "CURRLIAB", "NONE", False, None),
    ("860", "Rounding", "CURRENT", "NONE", False, "ROUNDING"),
)


@dataclass
class Account:
    """One ``Account`` row."""

    account_id: str
    code: str
    name: str
    type: str
    tax_type: str
    payments_enabled: bool
    system_account: str | None
    status: str = "ACTIVE"

    @property
    def accepts_payments(self) -> bool:
        """BANK accounts and accounts with ``EnablePaymentsToAccount``."""
        return self.status == "ACTIVE" and (self.type == "BANK" or self.payments_enabled)

    def as_json(self) -> dict[str, Any]:
        """The ``GET /Accounts`` element."""
        data: dict[str, Any] = {
            "AccountID": self.account_id,
            "Code": self.code,
            "Name": self.name,
            "Status": self.status,
            "Type": self.type,
            "TaxType": self.tax_type,
            "Class": _CLASSES.get(self.type, "ASSET"),
            "EnablePaymentsToAccount": self.payments_enabled,
            "ShowInExpenseClaims": False,
            "ReportingCode": "",
            "HasAttachments": False,
        }
        if self.system_account:
            data["SystemAccount"] = self.system_account
        if self.type == "BANK":
            data.update(BankAccountNumber="62000000001", BankAccountType="BANK", CurrencyCode="ZAR")
        return data


_CLASSES = {"REVENUE": "REVENUE", "EXPENSE": "EXPENSE", "CURRLIAB": "LIABILITY"}


def default_accounts(new_id: Any) -> dict[str, Account]:
    """A fresh chart of accounts keyed by AccountID; ``new_id()`` mints the ids."""
    accounts = [Account(str(new_id()), *row) for row in _ACCOUNTS]
    return {a.account_id: a for a in accounts}


def organisation(tenant_id: str, name: str, created: str) -> dict[str, Any]:
    """The ``GET /Organisation`` element of a ZA, ZAR, VAT-registered company."""
    return {
        "OrganisationID": tenant_id,
        "APIKey": "",
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": "ZA",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "ZAR",
        "CountryCode": "ZA",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "TaxNumber": "4000000000",
        "FinancialYearEndDay": 28,
        "FinancialYearEndMonth": 2,
        "SalesTaxBasis": "INVOICE",
        "SalesTaxPeriod": "TWOMONTHS",
        "DefaultSalesTax": "Tax Inclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": created,
        "OrganisationEntityType": "COMPANY",
        "Timezone": "SOUTHAFRICASTANDARDTIME",
        "ShortCode": "!ZA001",
        "Edition": "BUSINESS",
        "Class": "STANDARD",
    }
