"""Daily summaries per gateway: lines by account and tax type with Shopify's tax summed, totals tied to the
orders', and late orders in a numbered adjustment invoice rather than an edit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shoplines.state.records import PostingRecord
from tasks.accounting_refunds import refund_credit_notes
from tasks.accounting_summaries import PostedDay, daily_summaries, owed_payments
from tasks.accounting_types import Allocation, DocumentLine, PaymentInstruction, cents_of
from tasks.post_accounting import content_hash
from tests.tasks.accounting_orders_data import DOMESTIC_LINES, DOMESTIC_SHIPPING
from tests.tasks.posting_payloads import CONFIG, frames, line, order, refund, shipping, tax, txn

D = Decimal
DAY = date(2026, 11, 2)
# #1001 379.20 (sales 160.20 + 159.00, VAT 20.90 + 20.74; shipping 60.00, VAT 7.83), 00:30 on 2 Nov SAST
FIRST = order(1001, "379.20", DOMESTIC_LINES, ships=DOMESTIC_SHIPPING, at="2026-11-01T22:30:00Z")
# #1006 219.00: mug 159.00 (VAT 20.74) + shipping 60.00 (VAT 7.83), 23:00 on 2 Nov SAST
SECOND = order(
    1006,
    "219.00",
    [line(1006, 1, "Mug", 1, "159.00", tax("20.74"))],
    ships=[shipping("Courier", "60.00", tax("7.83"))],
    at="2026-11-02T21:00:00Z",
)
# #1007 on 3 Nov via Yoco: a separate summary
OTHER_DAY = order(
    1007,
    "159.00",
    [line(1007, 1, "Mug", 1, "159.00", tax("20.74"))],
    at="2026-11-03T08:00:00Z",
    paymentGatewayNames=["Yoco"],
    transactions=[txn(1007000, "SALE", "159.00", "2026-11-03T08:00:00Z", gateway="yoco")],
)


def test_one_invoice_per_day_and_gateway_with_lines_by_account_and_tax_type() -> None:
    got = daily_summaries(*frames([FIRST, SECOND, OTHER_DAY]), CONFIG)
    assert got.held == ()
    payfast, yoco = got.documents
    assert (payfast.number, payfast.date, yoco.number) == ("ZA-D-20261102-PAYFAST", DAY, "ZA-D-20261103-YOCO")
    # sales 160.20 + 159.00 + 159.00 = 478.20, VAT 20.90 + 20.74 + 20.74 = 62.38
    # shipping 60.00 + 60.00 = 120.00, VAT 7.83 + 7.83 = 15.66
    assert payfast.lines == (
        DocumentLine(
            "Sales OUTPUT3, PAYFAST 2026-11-02 (2 orders)",
            D(1),
            D("478.20"),
            D("478.20"),
            D("62.38"),
            "OUTPUT3",
            "200",
        ),
        DocumentLine(
            "Shipping OUTPUT3, PAYFAST 2026-11-02 (2 orders)",
            D(1),
            D("120.00"),
            D("120.00"),
            D("15.66"),
            "OUTPUT3",
            "210",
        ),
    )
    assert payfast.total == D("379.20") + D("219.00") == D("598.20")
    assert payfast.source_ids == ("gid://shopify/Order/5500000001001", "gid://shopify/Order/5500000001006")
    assert got.payments == (
        PaymentInstruction(
            "ZA-D-20261102-PAYFAST", "801", D("598.20"), DAY, "ZA-D-20261102-PAYFAST PAYFAST captured"
        ),
        PaymentInstruction(
            "ZA-D-20261103-YOCO", "802", D("159.00"), date(2026, 11, 3), "ZA-D-20261103-YOCO YOCO captured"
        ),
    )


def test_a_late_order_goes_into_an_adjustment_for_its_day() -> None:
    already = {(DAY, "PAYFAST"): PostedDay(frozenset({"gid://shopify/Order/5500000001001"}), 1)}
    got = daily_summaries(*frames([FIRST, SECOND]), CONFIG, posted=already)
    [late] = got.documents
    assert late.number == "ZA-D-20261102-PAYFAST-A1"
    assert late.source_ids == ("gid://shopify/Order/5500000001006",)
    assert (late.total, late.total_tax) == (D("219.00"), D("28.57"))  # 20.74 + 7.83
    again = {(DAY, "PAYFAST"): PostedDay(frozenset({FIRST["id"], SECOND["id"]}), 2)}
    assert daily_summaries(*frames([FIRST, SECOND]), CONFIG, posted=again).documents == ()


def test_a_refund_of_a_summarised_order_allocates_to_the_summary_it_went_into() -> None:
    at = "2026-11-04T08:00:00Z"
    unpaid = order(
        1008,
        "159.00",
        [line(1008, 1, "Mug", 1, "159.00", tax("20.74"))],
        transactions=[txn(1008000, "AUTHORIZATION", "159.00", "2026-11-02T08:00:00Z")],
        refunds=[
            refund(
                81,
                at,
                lines=[
                    {
                        "id": "gid://shopify/RefundLineItem/811",
                        "quantity": 1,
                        "restockType": "CANCEL",
                        "restocked": False,
                        "lineItem": {"id": "gid://shopify/LineItem/100801", "sku": None},
                        "location": None,
                        "priceSet": {"shopMoney": {"amount": "159.00", "currencyCode": "ZAR"}},
                        "subtotalSet": {"shopMoney": {"amount": "159.00", "currencyCode": "ZAR"}},
                        "totalTaxSet": {"shopMoney": {"amount": "20.74", "currencyCode": "ZAR"}},
                    }
                ],
            )
        ],
    )
    orders, money_side = frames([unpaid])
    summary = daily_summaries(orders, money_side, CONFIG)
    [invoice] = summary.documents
    assert summary.payments == ()  # nothing captured that day
    got = refund_credit_notes(orders, money_side, CONFIG, {unpaid["id"]: invoice.number})
    assert got.allocations == (
        Allocation("ZA-R-81", "ZA-D-20261102-PAYFAST", D("159.00"), date(2026, 11, 4)),
    )


def test_held_orders_stay_out_of_the_summary() -> None:
    wrong_total = {**SECOND, "totalPriceSet": {"shopMoney": {"amount": "1.00", "currencyCode": "ZAR"}}}
    got = daily_summaries(*frames([FIRST, wrong_total]), CONFIG)
    [doc] = got.documents
    assert doc.total == D("379.20")
    assert [h.source_id for h in got.held] == [SECOND["id"]]


AT = datetime(2026, 11, 3, tzinfo=UTC)


def ledger_row(pay: PaymentInstruction, status: str) -> PostingRecord:
    """The `postings` row the poster records for a payment instruction."""
    key = f"PAY:{pay.document_number}:{pay.account_code}"
    return PostingRecord(1, "orders-to-accounting", "xero", "payment", key, [pay.document_number],
                         pay.document_number, pay.date.isoformat(), content_hash(pay), cents_of(pay.amount),
                         status, None, "policy", "run", AT, None, None)  # fmt: skip


def test_a_summary_payment_left_unposted_is_made_again_with_the_same_content() -> None:
    payments = daily_summaries(*frames([FIRST, SECOND, OTHER_DAY]), CONFIG).payments
    assert {p.document_number for p in payments} == {"ZA-D-20261102-PAYFAST", "ZA-D-20261103-YOCO"}
    first, second = payments
    ledger = [ledger_row(first, "intent"), ledger_row(second, "posted")]
    ledger.append(ledger_row(PaymentInstruction("ZA-1001", "611", D("1"), DAY, "per order"), "failed"))
    [owed] = owed_payments(ledger)
    assert owed == first
    assert content_hash(owed) == ledger[0].content_hash  # the ledger's intent row is reused, not refused
