"""The Xero adapter against the real sandbox over HTTP: documents, batches, idempotency, limits, faults."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import httpx
import pytest

from clients.accounting import Contact, LineItem, Payment, idempotency_key
from clients.xero import XeroClient, adopt_duplicates
from clients.xero_auth import StaticToken
from clients.xero_errors import (
    XeroDailyLimit,
    XeroIdempotencyConflict,
    XeroNotFound,
    XeroRetriesExhausted,
)
from clients.xero_http import XeroRetryPolicy, XeroSession
from clients.xero_wire import dumps, invoice_body
from shoplines.cli_errors import explain
from tests.clients.xero_support import (
    Sleeps,
    credit_note,
    documents,
    invoice,
    requests,
    shipping,
    static_client,
)
from tests.sandbox.conftest import Xero


@pytest.fixture
def sleeps(xero: Xero) -> Sleeps:
    return Sleeps(xero)


def test_tax_rates_and_accounts_come_back_as_decimals(xero: Xero, sleeps: Sleeps) -> None:
    with static_client(xero, sleeps) as client:
        rates = {r.tax_type: r for r in client.tax_rates()}
        accounts = {a.code: a for a in client.accounts()}
    assert rates["OUTPUT3"].display_rate == Decimal(15)
    assert rates["OUTPUT3"].can_apply_to_revenue
    assert rates["OUTPUT"].effective_rate == Decimal(14)  # the old rate: never use it for 15%
    assert accounts["611"].enable_payments
    assert accounts["090"].type == "BANK"


def test_contacts_create_and_find_by_email_number_and_name(xero: Xero, sleeps: Sleeps) -> None:
    sipho = Contact("Sipho Dlamini", contact_number="shopify-42", email="s@example.co.za", first_name="Sipho")
    with static_client(xero, sleeps) as client:
        made = client.create_contact(sipho, idempotency_key("contact", "shopify-42", "run-1"))
        assert made.ok
        assert made.id
        assert made.document is not None
        assert made.document.email == "s@example.co.za"
        for criteria in (
            {"email": "s@example.co.za"},
            {"contact_number": "shopify-42"},
            {"name": "sipho dlamini"},
        ):
            found = client.find_contact(**criteria)
            assert found is not None, criteria
            assert found.contact_id == made.id, criteria
        assert client.find_contact(email="nobody@example.co.za") is None
        twin = client.create_contact(Contact("Sipho Dlamini"), idempotency_key("contact", "twin", "run-1"))
    assert (twin.status, twin.id) == ("ERROR", None)
    assert "must be unique across all active contacts" in twin.messages[0]


def test_invoice_credit_note_allocation_and_payments_round_trip(xero: Xero, sleeps: Sleeps) -> None:
    with static_client(xero, sleeps) as client:
        [made] = client.create_invoices(
            [invoice("SHOP-1001")], idempotency_key("invoices", "SHOP-1001", "r1")
        )
        assert made.ok
        assert made.number == "SHOP-1001"
        assert made.document is not None
        inv = made.document
        assert (inv.sub_total, inv.total_tax, inv.total) == (
            Decimal("143.46"),
            Decimal("21.53"),
            Decimal("164.99"),
        )
        assert [line.tax_amount for line in inv.line_items] == [Decimal("13.04"), Decimal("8.49")]
        assert inv.line_items[0].unit_amount == Decimal("33.33")
        assert inv.status == "AUTHORISED"
        assert inv.date == date(2026, 10, 31)
        found = client.find_invoices(["SHOP-1001", "SHOP-404"])
        assert list(found) == ["SHOP-1001"]
        assert found["SHOP-1001"].invoice_id == made.id
        assert found["SHOP-1001"].line_items[1].description == "Shipping"  # lookups include the lines

        contact = Contact(name="Thandi Nkosi", contact_id=inv.contact.contact_id)
        [note] = client.create_credit_notes(
            [credit_note("SCN-1001", contact=contact)], "credit-notes:SCN-1001:r1"
        )
        assert note.ok
        assert note.document is not None
        assert (note.document.total, note.document.total_tax) == (Decimal("33.33"), Decimal("4.35"))
        assert made.id is not None
        assert note.id is not None
        alloc = client.allocate_credit_note(
            note.id, made.id, Decimal("33.33"), date(2026, 11, 1), "alloc:SCN-1001:r1"
        )
        assert alloc.ok
        assert alloc.document is not None
        assert alloc.document.amount == Decimal("33.33")

        pay = Payment("611", date(2026, 10, 31), Decimal("131.66"), invoice_id=made.id, reference="pf_1")
        [paid] = client.create_payments([pay], "payments:SHOP-1001:r1")
        assert paid.ok
        assert paid.document is not None
        assert paid.document.payment_type == "ACCRECPAYMENT"
        after = client.find_invoices(["SHOP-1001"])["SHOP-1001"]
        assert (after.status, after.amount_due, after.amount_credited) == (
            "PAID",
            Decimal(0),
            Decimal("33.33"),
        )

        [_cash_note] = client.create_credit_notes(
            [credit_note("SCN-1002", shipping(), contact=contact)], "cn:2:r1"
        )
        refund = Payment("611", date(2026, 11, 2), Decimal("65.00"), credit_note_number="SCN-1002")
        [refunded] = client.create_payments([refund], "payments:SCN-1002:r1")
        assert refunded.ok
        assert refunded.document is not None
        assert refunded.document.payment_type == "ARCREDITPAYMENT"
        assert client.find_credit_notes(["SCN-1002"])["SCN-1002"].remaining_credit == Decimal(0)
        too_much = client.create_payments([pay], "payments:SHOP-1001:r2")[0]
    assert too_much.status == "ERROR"
    assert too_much.messages == ("Payments can only be made against Authorised documents.",)


def test_one_invalid_element_fails_alone_and_the_others_are_created(xero: Xero, sleeps: Sleeps) -> None:
    bad = invoice("SHOP-2002", LineItem("x", Decimal(1), Decimal(10), "200", "INPUT3"))
    batch = [invoice("SHOP-2001"), bad, invoice("SHOP-2003")]
    with static_client(xero, sleeps) as client:
        results = client.create_invoices(batch, idempotency_key("invoices", [i.number for i in batch], "r1"))
    assert [r.status for r in results] == ["OK", "ERROR", "OK"]
    assert [r.number for r in results] == ["SHOP-2001", "SHOP-2002", "SHOP-2003"]
    assert results[0].id
    assert results[2].id
    assert results[1].id is None
    assert "INPUT3" in results[1].messages[0]
    assert [d["InvoiceNumber"] for d in documents(xero, "invoices")] == ["SHOP-2001", "SHOP-2003"]
    [put] = requests(xero, "PUT", "/Invoices")
    assert "summarizeErrors=false" in put["query"]
    assert "unitdp=4" in put["query"]


def test_bodies_are_byte_stable_decimal_and_never_float() -> None:
    first, again = dumps(invoice_body(invoice("SHOP-1"))), dumps(invoice_body(invoice("SHOP-1")))
    assert first == again
    text = first.decode()
    assert '"UnitAmount":33.33' in text
    assert '"TaxAmount":13.04' in text
    assert '"Quantity":3' in text
    assert text.index('"AccountCode"') < text.index('"Description"')  # sorted keys
    with pytest.raises(TypeError, match="floats never go to Xero"):
        dumps({"Amount": 1.5})
    with pytest.raises(ValueError, match="more decimals"):
        invoice_body(invoice("SHOP-2", shipping(tax="8.495")))
    assert len(idempotency_key("invoices", [f"SHOP-{n}" for n in range(100)], "run-x")) <= 128


def test_a_lost_answer_is_retried_with_the_same_key_and_replayed(xero: Xero, sleeps: Sleeps) -> None:
    xero.admin("POST", "/faults", {"kind": "ghost_drop", "method": "PUT", "path": "/Invoices"})
    key = idempotency_key("invoices", "SHOP-3001", "run-7")
    with static_client(xero, sleeps) as client:
        [result] = client.create_invoices([invoice("SHOP-3001")], key)
    assert result.ok
    puts = requests(xero, "PUT", "/Invoices")
    assert [(p["idempotency_key"], p["replayed"]) for p in puts] == [(key, False), (key, True)]
    assert len(documents(xero, "invoices")) == 1
    assert len(sleeps) == 1


def test_server_errors_are_retried_with_the_same_key_then_give_up_in_one_sentence(
    xero: Xero, sleeps: Sleeps
) -> None:
    xero.admin("POST", "/faults", {"kind": "http_5xx", "path": "/Invoices", "times": 2, "status": 503})
    with static_client(xero, sleeps) as client:
        [ok] = client.create_invoices([invoice("SHOP-4001")], "invoices:SHOP-4001:r1")
        assert ok.ok
        assert len(sleeps) == 2
        assert {p["idempotency_key"] for p in requests(xero, "PUT", "/Invoices")} == {"invoices:SHOP-4001:r1"}
        xero.admin("POST", "/faults", {"kind": "http_5xx", "path": "/TaxRates", "times": None})
        with pytest.raises(XeroRetriesExhausted) as failed:
            client.tax_rates()
    message, code = explain(failed.value)
    assert code == 1
    assert message.startswith("Xero request GET /TaxRates still failed after 5 attempt(s)")
    assert len(message.splitlines()) == 1


def test_after_the_key_expired_a_retry_still_posts_once_by_looking_up_the_number(
    xero: Xero, sleeps: Sleeps
) -> None:
    # A run's create is written but every answer is lost (the cached 5xx is replayed to each retry)...
    xero.admin("POST", "/faults", {"kind": "ghost_5xx", "method": "PUT", "path": "/Invoices", "times": None})
    order = invoice("SHOP-5001")
    with static_client(xero, sleeps) as client:
        with pytest.raises(XeroRetriesExhausted):
            client.create_invoices([order], idempotency_key("invoices", "SHOP-5001", "run-1"))
        assert len(documents(xero, "invoices")) == 1
        assert [p["replayed"] for p in requests(xero, "PUT", "/Invoices")] == [False, True, True, True, True]
        xero.admin("DELETE", "/faults")
        # ...and the retry comes 7 minutes later, after Xero forgot the key.
        xero.clock.advance(7 * 60)
        xero.admin("DELETE", "/requests")
        [result] = client.post_invoices_once([order], "run-1")
        assert (result.status, result.existed, result.number) == ("OK", True, "SHOP-5001")
        assert result.document is not None
        assert result.document.total == Decimal("164.99")
        assert requests(xero, "PUT", "/Invoices") == []  # found by number: nothing was sent
        # A blind create with the same key now runs again: Xero's number check is the only guard left.
        [blind] = client.create_invoices([order], idempotency_key("invoices", "SHOP-5001", "run-1"))
        assert blind.messages == ("Invoice # must be unique.",)
        [adopted] = adopt_duplicates([blind], client.find_invoices)
    assert (adopted.status, adopted.existed, adopted.id) == ("OK", True, result.id)
    assert len(documents(xero, "invoices")) == 1


def test_post_once_creates_only_the_missing_and_adopts_a_ghost_write(xero: Xero, sleeps: Sleeps) -> None:
    with static_client(xero, sleeps) as client:
        [first] = client.post_invoices_once([invoice("SHOP-6001")], "run-1")
        assert first.ok
        assert not first.existed
        xero.admin(
            "POST", "/faults", {"kind": "ghost_5xx", "method": "PUT", "path": "/Invoices", "times": None}
        )
        batch = [invoice("SHOP-6001"), invoice("SHOP-6002"), invoice("SHOP-6003")]
        results = client.post_invoices_once(batch, "run-2", known={"SHOP-6003": "known-id"})
    assert [(r.number, r.status, r.existed) for r in results] == [
        ("SHOP-6001", "OK", True),
        ("SHOP-6002", "OK", True),  # written by the ghost, found by the lookup after the create failed
        ("SHOP-6003", "OK", True),
    ]
    assert results[2].id == "known-id"
    assert [d["InvoiceNumber"] for d in documents(xero, "invoices")] == ["SHOP-6001", "SHOP-6002"]
    keys = {p["idempotency_key"] for p in requests(xero, "PUT", "/Invoices")}
    assert keys == {"invoices:SHOP-6001:run-1", "invoices:SHOP-6002:run-2"}


def test_credit_notes_post_once_despite_numbers_not_being_unique(xero: Xero, sleeps: Sleeps) -> None:
    with static_client(xero, sleeps) as client:
        client.post_credit_notes_once([credit_note("SCN-7001")], "run-1")
        [again] = client.post_credit_notes_once([credit_note("SCN-7001")], "run-2")
    assert again.ok
    assert again.existed
    assert len(documents(xero, "credit_notes")) == 1


def test_minute_limit_waits_for_retry_after(xero: Xero, sleeps: Sleeps) -> None:
    xero.admin("POST", "/tier", {"minute": 2})
    with static_client(xero, sleeps) as client:
        for _ in range(3):
            assert client.tax_rates()
    assert sleeps == [60.0]
    limited = [r for r in requests(xero, "GET", "/TaxRates") if r["status"] == 429]
    assert [r["rate_limit"] for r in limited] == ["minute"]


def test_a_retry_after_longer_than_allowed_gives_up(xero: Xero, sleeps: Sleeps) -> None:
    xero.admin("POST", "/tier", {"minute": 1})
    with static_client(xero, sleeps, XeroRetryPolicy(max_retry_after=30)) as client:
        client.accounts()
        with pytest.raises(XeroRetriesExhausted, match="429 minute"):
            client.accounts()
    assert sleeps == []


def test_daily_limit_raises_at_once_saying_when_it_resets(xero: Xero, sleeps: Sleeps) -> None:
    xero.admin("POST", "/tier", {"tier": "starter", "day": 2})
    with static_client(xero, sleeps) as client:
        client.tax_rates()
        client.accounts()
        with pytest.raises(XeroDailyLimit) as stopped:
            client.tax_rates()
    assert sleeps == []
    assert stopped.value.retry_after == 86_400
    message, _ = explain(stopped.value)
    assert message == (
        "Xero's daily API call limit for this organisation is used up: it resets in about 24.0 hours "
        "(at 2026-11-03 06:00 UTC); nothing more is posted until then."
    )


def test_same_key_with_another_body_and_unknown_ids_are_fatal(xero: Xero, sleeps: Sleeps) -> None:
    with static_client(xero, sleeps) as client:
        client.create_invoices([invoice("SHOP-8001")], "invoices:SHOP-8001:r1")
        with pytest.raises(XeroIdempotencyConflict, match="is used with a different request"):
            client.create_invoices([invoice("SHOP-8001", status="DRAFT")], "invoices:SHOP-8001:r1")
        with pytest.raises(XeroNotFound):
            client.allocate_credit_note(
                "00000000-0000-0000-0000-000000000000", "x", Decimal(1), date(2026, 11, 1), "alloc:x:r1"
            )
    assert sleeps == []


def test_app_minute_limit_without_retry_after_backs_off_until_the_window_reopens(
    xero: Xero, sleeps: Sleeps
) -> None:
    xero.admin("POST", "/tier", {"app_minute": 1})
    with static_client(xero, sleeps) as client:
        client.tax_rates()
        assert client.accounts()
    limited = [r["rate_limit"] for r in requests(xero, "GET", "/Accounts") if r["status"] == 429]
    assert set(limited) == {"appminute"}
    assert len(sleeps) == len(limited)
    assert sum(sleeps) >= 60  # no Retry-After: growing backoff, long enough for the minute window


def test_concurrent_limit_backs_off_briefly_and_retries(xero: Xero) -> None:
    xero.admin("POST", "/tier", {"concurrent": 1})
    xero.admin("POST", "/faults", {"kind": "slow", "path": "/Accounts", "seconds": 0.6})
    waits: list[float] = []

    def real_sleep(seconds: float) -> None:  # the slow call must really end
        waits.append(seconds)
        time.sleep(seconds)

    policy = XeroRetryPolicy(concurrent_base=0.2)
    with static_client(xero, real_sleep, policy) as slow, static_client(xero, real_sleep, policy) as quick:
        worker = threading.Thread(target=slow.accounts)
        worker.start()
        time.sleep(0.2)
        assert quick.tax_rates()
        worker.join(timeout=10)
    limited = [r["rate_limit"] for r in requests(xero, "GET", "/TaxRates") if r["status"] == 429]
    assert limited
    assert set(limited) == {"concurrent"}
    assert 0 < waits[0] <= 0.2


@pytest.mark.parametrize(
    ("problem", "error"), [("DayLimit", XeroDailyLimit), ("Minute limit", XeroRetriesExhausted)]
)
def test_rate_limit_names_are_matched_case_insensitively(problem: str, error: type[Exception]) -> None:
    # Xero has been seen spelling the header value differently from the sandbox: a canned answer, no server.
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"X-Rate-Limit-Problem": problem, "Retry-After": "3600"})

    session = XeroSession(
        "https://api.example/api.xro/2.0", "tenant", StaticToken("t"), transport=httpx.MockTransport(answer),
        sleep=lambda _: None,
    )  # fmt: skip
    with XeroClient(session) as client, pytest.raises(error):
        client.tax_rates()  # a minute limit with an hour's Retry-After is not waited for either
