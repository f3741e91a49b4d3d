"""However the reports about a payment come (return page, notifications, poll), in whatever
order, however often, with failures in between: each payment is booked exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from server.db import as_utc
from server.extensions import db
from server.payments import online
from server.payments.journal import ReceivableStatus
from server.payments.models import Booking, OnlinePayment, PaymentState
from server.payments.providers.base import (
    PaymentProvider,
    PaymentRequest,
    ProviderError,
    ProviderStatus,
    StartedPayment,
)
from server.payments.receivables import balance, get_receivable
from tests.conftest import empty_all_tables
from tests.factories import make_receivable
from tests.threads import Wait, times, together


@dataclass
class ScriptedPlatform(PaymentProvider):
    """A payment platform whose answers the test decides: the peer is the input here, the
    portal's settlement logic is what is tested."""

    name: str = "scripted"
    status: str = "pending"
    failing: bool = False
    started: list[str] = field(default_factory=list)
    amounts: dict[str, int] = field(default_factory=dict)
    # What the platform reports instead of the requested amount (None: the requested one).
    reported_cents: int | None = None
    reported_currency: str = "EUR"
    omit_amount: bool = False

    def start_payment(self, request: PaymentRequest) -> StartedPayment:
        self.started.append(request.request_id)
        self.amounts[f"T-{request.request_id}"] = request.amount_cents
        return StartedPayment(f"T-{request.request_id}", "https://platform.example/pay")

    def query_status(self, provider_payment_id: str) -> ProviderStatus:
        if self.failing:
            raise ProviderError("platform down")
        amount = None if self.omit_amount else self.reported_cents
        if amount is None and not self.omit_amount:
            amount = self.amounts[provider_payment_id]
        return ProviderStatus(
            provider_payment_id,
            PaymentState(self.status),
            amount,
            "Wero",
            currency=self.reported_currency,
        )

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> str:
        return body.decode()

    def refund(self, provider_payment_id: str, amount_cents: int, reason: str) -> str:
        raise ProviderError("no refunds")


EVENTS = st.lists(
    st.sampled_from(["return", "notify", "poll", "platform_down", "platform_up", "settle"]),
    min_size=1,
    max_size=25,
)
# Paid is what can be booked twice, so it is drawn most often.
FINAL_OUTCOMES = st.sampled_from(["paid", "paid", "paid", "failed", "cancelled"])


def run(app: Flask, platform: ScriptedPlatform, events: list[str], outcome: str) -> None:
    with app.test_request_context("/"):
        receivable_id, _, _ = make_receivable(app, amount_cents=1999)
        receivable = get_receivable(receivable_id)
        assert receivable is not None
        payment = online.start_online_payment(receivable, platform).payment
        for event in events:
            if event == "platform_down":
                platform.failing = True
            elif event == "platform_up":
                platform.failing = False
            elif event == "settle":
                platform.status = outcome
            elif event == "return":
                online.handle_return(payment, platform)
            elif event == "notify":
                # A ProviderError is answered 503: the platform sends it again.
                with contextlib.suppress(ProviderError):
                    online.handle_notification(platform, {}, f"T-{payment.request_id}".encode())
            else:
                online.poll_pending(platform, older_than=timedelta(0))
        # Whatever happened, the poll job eventually reaches the platform once it is up.
        platform.failing = False
        online.poll_pending(platform, older_than=timedelta(0))
        db.session.expire_all()
        payment_row = db.session.get(OnlinePayment, payment.id)
        assert payment_row is not None
        journal = db.session.query(Booking).filter_by(receivable_id=receivable_id).all()
        reached = platform.status
        if reached == "paid":
            assert [b.amount_cents for b in journal] == [1999]
            assert payment_row.state == "paid"
            assert balance(receivable).status == ReceivableStatus.PAID
        else:
            assert journal == []
            assert payment_row.state == reached
            assert balance(receivable).open_cents == 1999


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=EVENTS, outcome=FINAL_OUTCOMES)
@example(events=["settle", "return", "notify", "poll"], outcome="paid")
@example(events=["settle", "notify", "return", "notify"], outcome="paid")
@example(
    events=["platform_down", "settle", "notify", "return", "platform_up", "notify"], outcome="paid"
)
def test_any_sequence_of_reports_books_a_payment_exactly_once(
    backend: str, app: Flask, events: list[str], outcome: str
) -> None:
    try:
        run(app, ScriptedPlatform(), events, outcome)
    finally:
        empty_all_tables(backend)


def started_payment(app: Flask, platform: ScriptedPlatform, amount_cents: int) -> tuple[int, int]:
    """A new receivable and an online payment of it started on ``platform``: their ids."""
    with app.test_request_context("/"):
        receivable_id, _, _ = make_receivable(app, amount_cents=amount_cents)
        receivable = get_receivable(receivable_id)
        assert receivable is not None
        return receivable_id, online.start_online_payment(receivable, platform).payment.id


def test_concurrent_reports_book_once(app: Flask) -> None:
    """The return page, a notification and the poll at the same moment, many times over."""
    platform = ScriptedPlatform(status="paid")
    receivable_id, payment_id = started_payment(app, platform, 4200)

    def report(wait: Wait) -> None:
        with app.test_request_context("/"):
            payment = db.session.get(OnlinePayment, payment_id)
            assert payment is not None
            wait()
            online.apply_status(
                payment, platform.query_status(payment.provider_payment_id or ""), via="race"
            )

    together(times(6, report))  # any thread's exception fails the test
    with app.app_context():
        journal = db.session.query(Booking).filter_by(receivable_id=receivable_id).all()
        assert [b.amount_cents for b in journal] == [4200]


def test_a_report_read_before_another_was_booked_goes_by_the_payment_as_it_is_now(
    app: Flask,
) -> None:
    """The return page reads the payment, asks the platform, and meanwhile the notification has
    settled it: the return decides from the locked row, not from what it read before, so the
    payment keeps the time it was finished."""
    platform = ScriptedPlatform(status="paid")
    receivable_id, payment_id = started_payment(app, platform, 2500)
    with app.test_request_context("/"):
        read_on_return = db.session.get(OnlinePayment, payment_id)
        assert read_on_return is not None
        assert read_on_return.state == "pending"
        db.session.commit()  # as handle_return does while the platform answers

        def notification(_wait: Wait) -> datetime | None:
            with app.test_request_context("/"):
                payment = db.session.get(OnlinePayment, payment_id)
                assert payment is not None
                settled = online.apply_status(
                    payment, platform.query_status(payment.provider_payment_id or ""), via="n"
                )
                return settled.finished_at

        [finished_at] = together([notification])
        assert finished_at is not None
        online.apply_status(
            read_on_return, platform.query_status(read_on_return.provider_payment_id or ""), via="r"
        )
    with app.app_context():
        row = db.session.get(OnlinePayment, payment_id)
        assert row is not None
        assert row.state == "paid"
        assert row.finished_at is not None
        assert as_utc(row.finished_at) == as_utc(finished_at)
        journal = db.session.query(Booking).filter_by(receivable_id=receivable_id).all()
        assert [b.amount_cents for b in journal] == [2500]
