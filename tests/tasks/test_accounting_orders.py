"""Per-order invoices against hand-checked cents: Shopify's totals and tax carried over, never recomputed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tasks.accounting_documents import order_invoices
from tasks.accounting_types import DocumentLine, PaymentInstruction
from tests.tasks.posting_payloads import CONFIG, frames, line, order, shipping, tax, txn

D = Decimal

# #1001, domestic, processed 22:30 UTC on 1 Nov = 00:30 on 2 Nov in Johannesburg:
#   Rooibos Tea 2 x R89.00 = 178.00 less 10% code (17.80)  = 160.20, VAT 160.20 x 15/115 = 20.895 -> 20.90
#   Mug         1 x R159.00                                 = 159.00, VAT 159.00 x 15/115 = 20.739 -> 20.74
#   Shipping                                                =  60.00, VAT  60.00 x 15/115 =  7.826 ->  7.83
#   total 379.20, VAT 49.47; paid by one PayFast SALE the same evening (21:30 UTC = 23:30 SAST on 2 Nov).
DOMESTIC = order(
    1001,
    "379.20",
    [
        line(1001, 1, "Rooibos Tea", 2, "160.20", tax("20.90"), sku="RB-TEA"),
        line(1001, 2, "Mug", 1, "159.00", tax("20.74"), sku="MUG"),
    ],
    ships=[shipping("Courier", "60.00", tax("7.83"))],
    at="2026-11-01T22:30:00Z",
    transactions=[txn(1001000, "SALE", "379.20", "2026-11-02T21:30:00Z")],
)

# #1002 to the UK, no VAT charged: basket 649.00 + DHL 450.00 = 1099.00, all zero-rated exports; paid by Yoco.
EXPORT = order(
    1002,
    "1099.00",
    [line(1002, 1, "Ilala Basket", 1, "649.00")],
    ships=[shipping("DHL Express", "450.00")],
    country="GB",
    paymentGatewayNames=["Yoco"],
    transactions=[txn(1002000, "SALE", "1099.00", "2026-11-02T10:00:00Z", gateway="Yoco")],
)

# #1003, one scarf with two tax lines: 10% R20.00 + 5% R10.00 on R230.00 -> combined 15%, VAT 30.00.
TWO_TAX_LINES = order(
    1003, "230.00", [line(1003, 1, "Scarf", 1, "230.00", tax("20.00", 0.1), tax("10.00", 0.05))]
)

# #1004: a R500 gift card (a liability, no VAT) and a mug 159.00 (VAT 20.74): total 659.00.
GIFT_CARD = order(
    1004,
    "659.00",
    [
        line(1004, 1, "Gift Card R500", 1, "500.00", gift=True),
        line(1004, 2, "Mug", 1, "159.00", tax("20.74")),
    ],
)

# #1005: 3 soaps for 100.00 after discount (VAT 100 x 15/115 = 13.043 -> 13.04): 100.00 / 3 is not whole
# cents, so 2 @ 33.33 = 66.66 and 1 @ 33.34; VAT split 1304 x 6666/10000 = 869.2464 -> 8.69, remainder 4.35.
ODD_UNITS = order(1005, "100.00", [line(1005, 1, "Soap", 3, "100.00", tax("13.04"))])


def test_domestic_order_invoice_lines_totals_and_payment() -> None:
    got = order_invoices(*frames([DOMESTIC]), CONFIG)
    assert got.held == ()
    [invoice] = got.documents
    assert (invoice.kind, invoice.number, invoice.date) == ("invoice", "ZA-1001", date(2026, 11, 2))
    assert invoice.reference == "#1001 / gid://shopify/Order/5500000001001"
    assert invoice.url == "https://admin.shopify.com/store/demo/orders/5500000001001"
    assert invoice.lines == (
        DocumentLine(
            "Rooibos Tea x 2", D(2), D("80.10"), D("160.20"), D("20.90"), "OUTPUT3", "200", "RB-TEA"
        ),
        DocumentLine("Mug x 1", D(1), D("159.00"), D("159.00"), D("20.74"), "OUTPUT3", "200", "MUG"),
        DocumentLine("Shipping: Courier", D(1), D("60.00"), D("60.00"), D("7.83"), "OUTPUT3", "210", None),
    )
    assert (invoice.total, invoice.total_tax, invoice.gateway) == (D("379.20"), D("49.47"), "PayFast")
    assert got.payments == (
        PaymentInstruction(
            "ZA-1001", "801", D("379.20"), date(2026, 11, 2), "gid://shopify/OrderTransaction/1001000"
        ),
    )


def test_export_order_is_zero_rated_throughout() -> None:
    [invoice] = order_invoices(*frames([EXPORT]), CONFIG).documents
    assert [(x.line_amount, x.tax_amount, x.tax_type, x.account_code) for x in invoice.lines] == [
        (D("649.00"), D("0.00"), "ZERORATEDOUTPUT", "200"),
        (D("450.00"), D("0.00"), "ZERORATEDOUTPUT", "210"),
    ]
    assert invoice.total == D("1099.00")


def test_two_tax_lines_on_one_item_post_at_their_combined_rate() -> None:
    [invoice] = order_invoices(*frames([TWO_TAX_LINES]), CONFIG).documents
    assert [(x.line_amount, x.tax_amount, x.tax_type) for x in invoice.lines] == [
        (D("230.00"), D("30.00"), "OUTPUT3")
    ]


def test_a_rate_with_no_tax_type_holds_the_order_back() -> None:
    odd = order(1009, "112.00", [line(1009, 1, "Scarf", 1, "112.00", tax("10.00", 0.1), tax("2.00", 0.02))])
    got = order_invoices(*frames([odd]), CONFIG)
    assert got.documents == ()
    [held] = got.held
    assert held.reason == "line 1 (Scarf): no tax type is mapped for domestic at rate 0.12"


def test_gift_card_sold_goes_to_the_liability_without_vat() -> None:
    [invoice] = order_invoices(*frames([GIFT_CARD]), CONFIG).documents
    assert [
        (x.description, x.line_amount, x.tax_amount, x.tax_type, x.account_code) for x in invoice.lines
    ] == [
        ("Gift Card R500 x 1", D("500.00"), D("0.00"), "NONE", "2300"),
        ("Mug x 1", D("159.00"), D("20.74"), "OUTPUT3", "200"),
    ]
    assert (invoice.total, invoice.total_tax) == (D("659.00"), D("20.74"))


def test_an_untaxed_line_not_known_to_be_a_gift_card_is_held() -> None:
    unknown = order(1010, "500.00", [line(1010, 1, "Gift Card R500", 1, "500.00", gift=None)])
    [held] = order_invoices(*frames([unknown]), CONFIG).held
    assert "may be a gift card" in held.reason


def test_units_that_do_not_divide_into_cents_post_as_two_exact_lines() -> None:
    [invoice] = order_invoices(*frames([ODD_UNITS]), CONFIG).documents
    assert [
        (x.description, x.quantity, x.unit_amount, x.line_amount, x.tax_amount) for x in invoice.lines
    ] == [
        ("Soap x 2", D(2), D("33.33"), D("66.66"), D("8.69")),
        ("Soap x 1", D(1), D("33.34"), D("33.34"), D("4.35")),
    ]
    assert (invoice.total, invoice.total_tax) == (D("100.00"), D("13.04"))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"totalPriceSet": {"shopMoney": {"amount": "389.20", "currencyCode": "ZAR"}}},
            "lines and shipping come to 379.20 but Shopify's total is 389.20",
        ),
        (
            {
                "paymentGatewayNames": ["Stripe"],
                "transactions": [txn(1001000, "SALE", "379.20", "2026-11-02T08:00:00Z", gateway="Stripe")],
            },
            "gateway Stripe has no clearing account",
        ),
        ({"transactions": []}, "its payments are unknown: the order's transactions were not received"),
    ],
)
def test_orders_that_cannot_be_posted_exactly_are_held_with_the_reason(change: dict, reason: str) -> None:
    got = order_invoices(*frames([{**DOMESTIC, **change}]), CONFIG)
    assert got.documents == ()
    assert [h.reason for h in got.held] == [reason]


def test_test_orders_and_orders_cancelled_before_payment_are_skipped() -> None:
    test_order = {**EXPORT, "test": True}
    cancelled = order(
        1011,
        "230.00",
        TWO_TAX_LINES["lineItems"]["nodes"],
        cancelledAt="2026-11-02T09:00:00Z",
        transactions=[txn(1011000, "AUTHORIZATION", "230.00", "2026-11-02T08:00:00Z")],
    )
    got = order_invoices(*frames([test_order, cancelled]), CONFIG)
    assert got.documents == ()
    assert got.held == ()
    assert [s.reason for s in got.skipped] == ["test order", "cancelled before it was paid"]


def test_an_authorised_but_uncaptured_order_is_invoiced_without_a_payment() -> None:
    pending = {**GIFT_CARD, "transactions": [txn(1004000, "AUTHORIZATION", "659.00", "2026-11-02T08:00:00Z")]}
    got = order_invoices(*frames([pending]), CONFIG)
    assert [d.number for d in got.documents] == ["ZA-1004"]
    assert got.payments == ()
