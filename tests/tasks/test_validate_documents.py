"""Documents are checked before they are posted: a line that does not add up, tax above its line, or a
document whose lines miss its total is held back whole with its reasons; good documents go on."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from tasks.accounting_types import DocumentLine, SalesDocument
from tasks.validate_documents import check_documents

D = Decimal


def line(qty: str, unit: str, amount: str, tax: str, tax_type: str = "OUTPUT3") -> DocumentLine:
    return DocumentLine("Blue mug", D(qty), D(unit), D(amount), D(tax), tax_type, "200")


def doc(number: str, *lines: DocumentLine, total: str, tax: str) -> SalesDocument:
    return SalesDocument("invoice", number, date(2026, 11, 2), "#1001", "Shopify Sales", "ZAR", lines, None,
                         ("gid://shopify/Order/1",), D(total), D(tax), "PayFast")  # fmt: skip


def test_good_documents_go_on_and_each_bad_one_says_why() -> None:
    # 2 x R115.00 = R230.00 incl. VAT; VAT = 230 x 15/115 = R30.00. Shipping R60.00, VAT R7.83.
    good = doc("ZA-1001", line("2", "115.00", "230.00", "30.00"), line("1", "60.00", "60.00", "7.83"),
               total="290.00", tax="37.83")  # fmt: skip
    wrong_line = doc("ZA-1002", line("2", "115.00", "229.99", "30.00"), total="229.99", tax="30.00")
    big_tax = doc("ZA-1003", line("1", "10.00", "10.00", "11.00"), total="10.00", tax="11.00")
    short = doc("ZA-1004", line("1", "60.00", "60.00", "7.83"), total="60.01", tax="7.83")
    no_type = doc("ZA-1005", line("1", "60.00", "60.00", "7.83", tax_type=""), total="60.00", tax="7.83")
    empty = dataclasses.replace(good, number="ZA-1006", lines=())
    fit, unfit = check_documents([good, wrong_line, big_tax, short, no_type, empty])
    assert [d.number for d in fit] == ["ZA-1001"]
    why = {d.number: reason for d, reason in unfit}
    assert "quantity x unit amount" in why["ZA-1002"]
    assert "tax is larger than its line" in why["ZA-1003"]
    assert "do not add up to the document's total" in why["ZA-1004"]
    assert "tax_type" in why["ZA-1005"]
    assert why["ZA-1006"] == "the document has no lines"
