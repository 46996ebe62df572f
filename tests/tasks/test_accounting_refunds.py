"""Refund credit notes against hand-checked cents: lines and tax as Shopify refunded them, an adjustment line
for money not explained by them, the money paid back out of the clearing account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tasks.accounting_documents import invoice_numbers, order_invoices
from tasks.accounting_refunds import needs_approval, refund_credit_notes
from tasks.accounting_types import Allocation, DocumentLine, PaymentInstruction, Posting
from tests.tasks.accounting_orders_data import DOMESTIC_LINES, DOMESTIC_SHIPPING
from tests.tasks.posting_payloads import CONFIG, frames, order, refund, refund_line, refund_shipping, txn

D = Decimal
TEA, MUG = 100101, 100102  # line gids of #1001: 2 teas 160.20 (VAT 20.90), 1 mug 159.00 (VAT 20.74)
AT = "2026-11-05T07:00:00Z"  # 09:00 on 5 Nov in Johannesburg


def back(tid: int, amount: str) -> dict:
    return txn(tid, "REFUND", amount, AT, parent=1001000)


def posted(*refunds: dict, paid: bool = True) -> tuple[Posting, Posting]:
    """#1001 (379.20, paid by PayFast) with `refunds`: its invoice, then the refunds' credit notes."""
    sale = [txn(1001000, "SALE" if paid else "AUTHORIZATION", "379.20", "2026-11-02T08:00:00Z")]
    raw = order(
        1001, "379.20", DOMESTIC_LINES, ships=DOMESTIC_SHIPPING, transactions=sale, refunds=list(refunds)
    )
    orders, money_side = frames([raw])
    invoices = order_invoices(orders, money_side, CONFIG)
    return invoices, refund_credit_notes(orders, money_side, CONFIG, invoice_numbers(invoices))


def test_partial_refund_of_one_line_pays_back_out_of_clearing() -> None:
    # one tea of two: 160.20 / 2 = 80.10, VAT 20.90 / 2 = 10.45
    _, got = posted(
        refund(71, AT, lines=[refund_line(711, TEA, 1, "80.10", "10.45")], paid=[back(7101, "80.10")])
    )
    [note] = got.documents
    assert (note.kind, note.number, note.date, note.total, note.total_tax) == (
        "credit_note",
        "ZA-R-71",
        date(2026, 11, 5),
        D("80.10"),
        D("10.45"),
    )
    assert note.lines == (
        DocumentLine("Rooibos Tea x 1", D(1), D("80.10"), D("80.10"), D("10.45"), "OUTPUT3", "200", "RB-TEA"),
    )
    assert note.reference == "Refund 71 of #1001 / gid://shopify/Refund/71"
    # the invoice is paid, so the refund is settled by the money paid back, not by an allocation
    assert got.payments == (
        PaymentInstruction(
            "ZA-R-71",
            "801",
            D("80.10"),
            date(2026, 11, 5),
            "gid://shopify/OrderTransaction/7101",
            "credit_note",
        ),
    )
    assert got.allocations == ()


def test_shipping_only_refund_carries_the_shipping_vat() -> None:
    # shipping 60.00 with VAT 7.83 (60 x 15/115 = 7.826)
    _, got = posted(
        refund(72, AT, ships=[refund_shipping(721, "Courier", "60.00", "7.83")], paid=[back(7201, "60.00")])
    )
    [note] = got.documents
    assert note.lines == (
        DocumentLine("Shipping: Courier", D(1), D("60.00"), D("60.00"), D("7.83"), "OUTPUT3", "210"),
    )
    assert note.total == D("60.00")


def test_money_not_explained_by_lines_goes_on_an_adjustment_line() -> None:
    # a R25.00 goodwill refund with nothing returned: all of it is adjustment, no VAT (tax type NONE)
    goodwill = refund(73, AT, paid=[back(7301, "25.00")])
    # the mug back (159.00, VAT 20.74) but only 150.00 paid back: -9.00 adjustment, credit note 150.00
    kept_fee = refund(
        74, AT, lines=[refund_line(741, MUG, 1, "159.00", "20.74")], paid=[back(7401, "150.00")]
    )
    _, got = posted(goodwill, kept_fee)
    first, second = got.documents
    adjustment = "Refund adjustment (money not explained by lines or shipping)"
    assert first.lines == (DocumentLine(adjustment, D(1), D("25.00"), D("25.00"), D("0.00"), "NONE", "4900"),)
    assert [(x.line_amount, x.tax_amount, x.account_code) for x in second.lines] == [
        (D("159.00"), D("20.74"), "200"),
        (D("-9.00"), D("0.00"), "4900"),
    ]
    assert (first.total, second.total) == (D("25.00"), D("150.00"))
    assert [p.amount for p in got.payments] == [D("25.00"), D("150.00")]


def test_credit_without_money_on_an_unpaid_invoice_is_allocated_to_it() -> None:
    # authorised only (nothing captured), then the mug cancelled: credit 159.00, allocated, no money moves
    invoices, got = posted(refund(75, AT, lines=[refund_line(751, MUG, 1, "159.00", "20.74")]), paid=False)
    assert invoices.payments == ()
    [note] = got.documents
    assert note.total == D("159.00")
    assert got.allocations == (Allocation("ZA-R-75", "ZA-1001", D("159.00"), date(2026, 11, 5)),)
    assert got.payments == ()


def test_credit_without_money_on_a_paid_invoice_is_held() -> None:
    _, got = posted(refund(76, AT, lines=[refund_line(761, MUG, 1, "159.00", "20.74")]))
    assert got.documents == ()
    [held] = got.held
    assert (
        held.reason
        == "credit of 159.00 without money paid back, but invoice ZA-1001 has only 0.00 outstanding"
    )


def test_a_refund_whose_order_is_not_posted_is_held() -> None:
    raw = order(
        1001,
        "379.20",
        DOMESTIC_LINES,
        ships=DOMESTIC_SHIPPING,
        refunds=[refund(77, AT, paid=[txn(7701, "REFUND", "5.00", AT, parent=1001000)])],
    )
    got = refund_credit_notes(*frames([raw]), CONFIG, invoices={})
    assert [h.reason for h in got.held] == ["its order is not posted"]


def test_refunds_above_the_threshold_need_approval() -> None:
    _, got = posted(refund(78, AT, paid=[back(7801, "25.00")]))
    [note] = got.documents
    assert not needs_approval(note)
    assert needs_approval(note, threshold=D("24.99"))
    assert not needs_approval(note, threshold=D("25.00"))
