"""Notifications from the payment platform: only authentic, fresh ones count; unknown payments
are acknowledged; the sandbox's delayed, duplicated, reordered deliveries book once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.test import TestResponse

from server.extensions import db
from server.formatting import city_today
from server.payments.models import Booking, OnlinePayment
from server.payments.providers.xbezahldienste import SIGNATURE_HEADER, sign_notification
from server.payments.sandbox import platform
from tests.checking_client import CheckingClient, checking_client
from tests.conftest import LiveServer
from tests.factories import make_receivable
from tests.integration.payments.test_payments_citizen import pay_online

SECRET = "sandbox-notification-secret"
URL = "/zahlungen/benachrichtigung/sandbox"


def post(
    client: CheckingClient,
    body: dict[str, str],
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    signature: str | None = None,
) -> TestResponse:
    raw = json.dumps(body).encode()
    header = signature or sign_notification(secret, raw, timestamp or int(time.time()))
    return client.post(
        URL, data=raw, headers={SIGNATURE_HEADER: header, "Content-Type": "application/json"}
    )


def test_forged_stale_and_unsigned_notifications_are_rejected(app: Flask) -> None:
    client = checking_client(app)
    body = {"transactionId": "SBX-123", "status": "PAYED"}
    assert post(client, body, secret="wrong").status_code == 400
    assert post(client, body, timestamp=int(time.time()) - 3600).status_code == 400
    assert post(client, body, signature="t=1,v1=00").status_code == 400
    unsigned = client.post(URL, data=json.dumps(body))
    assert unsigned.status_code == 400
    assert unsigned.get_json()["reason"] == "missing signature"
    assert client.post("/zahlungen/benachrichtigung/other", data=b"{}").status_code == 404


def test_a_notification_for_an_unknown_payment_is_acknowledged(app: Flask) -> None:
    response = post(checking_client(app), {"transactionId": "SBX-unknown", "status": "PAYED"})
    assert response.status_code == 200
    assert response.json == {"status": "ok", "known": False}


def test_notifications_settle_a_payment_the_citizen_never_returned_from(
    live_server: LiveServer,
) -> None:
    """The citizen pays and closes the tab: the platform's notifications (duplicated,
    reordered, sent from threads with delays) book the payment exactly once."""
    app = live_server.app
    notifier = app.extensions["sandbox_notifier"]
    notifier.max_delay_seconds = 0.3
    pay_online(live_server, "INITIAL")  # started; the citizen then closes the tab
    with app.app_context():
        payment = db.session.query(OnlinePayment).one()
        transaction = platform.get_transaction(payment.provider_payment_id or "")
        assert transaction is not None
        platform.decide(transaction, "PAYED", "Kreditkarte")
    notifier.synchronous = False
    for seed in range(3):  # several rounds of duplicated, stale and reordered deliveries
        notifier.rng.seed(seed)
        notifier.announce(payment.provider_payment_id, "PAYED")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.query(Booking).count():
                break
        time.sleep(0.1)
    time.sleep(1)  # let the late ones arrive too
    with app.app_context():
        assert [b.amount_cents for b in db.session.query(Booking).all()] == [3500]
        assert db.session.query(OnlinePayment).one().state == "paid"
    assert len(notifier.delivered) >= 3
    assert all(code == 200 for _, _, code in notifier.delivered)


def test_repeats_for_a_paid_payment_are_acknowledged_without_asking_the_platform(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform announces a change more than once and sends stale ones: once the payment
    is paid and booked, they are answered 200 without a status query and book nothing; a
    payment not yet paid is still asked about."""
    app = live_server.app
    client, _, return_path = pay_online(live_server, "INITIAL")
    with app.app_context():
        payment = db.session.query(OnlinePayment).one()
        transaction = platform.get_transaction(payment.provider_payment_id or "")
        assert transaction is not None
        platform.decide(transaction, "PAYED", "Wero")  # its notification not sent yet
    transaction_id = payment.provider_payment_id or ""
    provider = app.extensions["payment_provider"]
    asked: list[str] = []
    real_query = provider.query_status

    def counted(provider_payment_id: str) -> Any:
        asked.append(provider_payment_id)
        return real_query(provider_payment_id)

    monkeypatch.setattr(provider, "query_status", counted)
    notifications = checking_client(app)
    before_return = post(notifications, {"transactionId": transaction_id, "status": "PAYED"})
    assert before_return.json == {"status": "ok", "known": True}
    assert asked == [transaction_id]  # not paid yet here: the platform is asked
    client.get(return_path)  # paid already: the way back asks no more either
    for status in ("PAYED", "INITIAL", "PAYED"):
        repeated = post(notifications, {"transactionId": transaction_id, "status": status})
        assert repeated.json == {"status": "ok", "known": True}
    assert asked == [transaction_id]
    with app.app_context():
        assert [b.amount_cents for b in db.session.query(Booking).all()] == [3500]
        assert db.session.query(OnlinePayment).one().state == "paid"


def test_the_poll_job_settles_what_nobody_reported(live_server: LiveServer) -> None:
    app = live_server.app
    pay_online(live_server, "INITIAL")
    with app.app_context():
        payment = db.session.query(OnlinePayment).one()
        transaction = platform.get_transaction(payment.provider_payment_id or "")
        assert transaction is not None
        platform.decide(transaction, "PAYED", "Wero")  # no notification sent
    app.config["PAYMENT_POLL_AFTER_MINUTES"] = 0
    result = app.test_cli_runner().invoke(args=["payments", "poll"])
    assert result.exit_code == 0, result.output
    assert "Asked about 1 payment(s)." in result.output
    with app.app_context():
        assert [b.amount_cents for b in db.session.query(Booking).all()] == [3500]


def test_notifications_are_retried_until_the_portal_answers(live_server: LiveServer) -> None:
    app = live_server.app
    notifier = app.extensions["sandbox_notifier"]
    pay_online(live_server, "INITIAL")
    with app.app_context():
        payment = db.session.query(OnlinePayment).one()
        transaction = platform.get_transaction(payment.provider_payment_id or "")
        assert transaction is not None
        platform.decide(transaction, "PAYED", "Wero")
    answers = iter([503, 503])
    real_post: Callable[..., requests.Response] = notifier.session.post

    def flaky(url: str, **kwargs: Any) -> requests.Response:
        code = next(answers, None)
        if code is not None:
            response = requests.Response()
            response.status_code = code
            return response
        return real_post(url, **kwargs)

    notifier.session.post = flaky  # the network drops the first two deliveries
    notifier.synchronous = False
    notifier.max_delay_seconds = 0
    notifier.rng.seed(1)
    notifier.announce(payment.provider_payment_id, "PAYED")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if any(code == 200 for _, _, code in notifier.delivered):
            break
        time.sleep(0.2)
    assert [code for _, _, code in notifier.delivered][:2] == [503, 503]
    with app.app_context():
        assert db.session.query(Booking).count() == 1


def test_amounts_and_currencies_are_checked_when_receivables_are_made(app: Flask) -> None:
    from server.payments.money import AmountError
    from server.payments.receivables import ReceivableError

    for cents in (0, -100):
        with pytest.raises(AmountError):
            make_receivable(app, amount_cents=cents)
    with app.app_context():
        from server.payments.receivables import create_receivable

        with pytest.raises(ReceivableError, match="EUR"):
            create_receivable(
                purpose="t",
                amount_cents=100,
                description="x",
                debtor_name="y",
                due_date=city_today(),
                currency="USD",
            )


def test_a_cancelled_order_is_refunded_through_the_platform_it_was_paid_with(
    live_server: LiveServer,
) -> None:
    from server.payments.models import Refund
    from server.payments.receivables import balance, find_by_kassenzeichen
    from server.payments.refunds import RefundError, refund_receivable

    app = live_server.app
    client, kassenzeichen, return_path = pay_online(live_server, "PAYED")
    client.get(return_path)
    with app.test_request_context("/"):
        receivable = find_by_kassenzeichen(kassenzeichen)
        assert receivable is not None
        refund = refund_receivable(receivable, 3500, reason="Bestellung storniert", clerk="test")
        assert refund.state == "refunded"
        assert refund.provider == "sandbox"
        assert refund.provider_refund_id
        db.session.expire_all()
        assert [(b.kind, b.amount_cents, b.source) for b in receivable.bookings] == [
            ("payment", 3500, "provider"),
            ("refund", -3500, "provider"),
        ]
        assert balance(receivable).open_cents == 3500
        # Nothing more to pay back than was paid.
        with pytest.raises(RefundError, match="more than what was paid"):
            refund_receivable(receivable, 100, reason="nochmal", clerk="test")
        assert db.session.query(Refund).count() == 1
