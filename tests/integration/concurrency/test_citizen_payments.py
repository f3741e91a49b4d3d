"""Citizens paying a notice: starting online payments, the platform's notifications, lookups."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import requests
from sqlalchemy import select

from server.payments.models import Booking, OnlinePayment
from server.payments.providers.xbezahldienste import SIGNATURE_HEADER, sign_notification
from tests.factories import make_receivable
from tests.integration.concurrency.citizens import (
    attempts_of,
    csrf_for,
    granted,
    pay_at_platform,
)
from tests.integration.concurrency.harness import (
    Browser,
    N,
    Portal,
    Reply,
    assert_race,
    race,
)

PAYPAGE = "/sandbox-zahlung/bezahlen/SBX-"
SMALL = 8


def at_platform(reply: Reply) -> bool:
    """A started payment: the browser is on the platform's pay page."""
    return reply.status == 200 and PAYPAGE in reply.url


def bookings_of(portal: Portal, receivable_id: int) -> int:
    return portal.count(select(Booking).where(Booking.receivable_id == receivable_id))


def open_cents(portal: Portal, receivable_id: int) -> int:
    from server.payments.models import Receivable
    from server.payments.receivables import balance

    with portal.db() as session:
        found = session.get(Receivable, receivable_id)
        assert found is not None
        return balance(found).open_cents


def race_payments(
    portal: Portal,
    browsers: list[Browser],
    page: str,
    action: str,
    receivable_id: int,
    paid_page: Callable[[Reply], bool],
) -> None:
    """N clicks on "pay online" at once, the citizen pays in one tab, N clicks again.

    One effect is one booking: every click may start its own attempt at the platform (no money
    moves until the citizen pays on the platform's page; each attempt is its own transaction
    there, none shared, none lost), but paying one of them books the receivable exactly once and
    closes it to further attempts: N clicks on the paid notice start nothing and land on the
    page saying it is paid."""
    portal.app.extensions["sandbox_notifier"].synchronous = True
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_for(browser, page)

    def send(browser: Browser, index: int) -> requests.Response:
        return browser.post(action, data={"csrf_token": tokens[index]})

    before = attempts_of(portal, receivable_id)
    replies = race(browsers, send, prepare=prepare)
    started = attempts_of(portal, receivable_id) - before
    assert_race(
        replies,
        effects=started,
        expected_effects=len(browsers),
        what="payments started (one per click)",
        loser=at_platform,
    )
    with portal.db() as session:
        platform_ids = set(
            session.scalars(
                select(OnlinePayment.provider_payment_id).where(
                    OnlinePayment.receivable_id == receivable_id
                )
            )
        )
    assert None not in platform_ids
    assert len(platform_ids) == before + len(browsers), "two clicks share one platform payment"
    back = pay_at_platform(replies[0].url)
    assert browsers[0].get(back).status_code == 200
    assert bookings_of(portal, receivable_id) == 1
    assert open_cents(portal, receivable_id) == 0

    paid_before = attempts_of(portal, receivable_id)
    again = race(browsers, send, prepare=prepare)
    assert_race(
        again,
        effects=attempts_of(portal, receivable_id) - paid_before,
        expected_effects=0,
        what="payments started on a paid notice",
        loser=paid_page,
    )
    assert bookings_of(portal, receivable_id) == 1


def says_paid(reply: Reply) -> bool:
    return reply.status == 200 and PAYPAGE not in reply.url and "bezahlt" in reply.text.lower()


def test_pay_online(portal: Portal) -> None:
    receivable_id, kassenzeichen, token = make_receivable(portal.app, amount_cents=4200)
    browsers = granted(portal, f"/zahlungen/z/{token}", N)
    race_payments(
        portal,
        browsers,
        f"/zahlungen/{kassenzeichen}",
        f"/zahlungen/{kassenzeichen}/online",
        receivable_id,
        says_paid,
    )


def test_provider_notification(portal: Portal) -> None:
    """N signed notifications of one paid payment at once (the platform's retries overlapping):
    one booking, and every one acknowledged with the same answer."""
    from server.payments.sandbox import platform

    portal.app.extensions["sandbox_notifier"].synchronous = True
    receivable_id, kassenzeichen, token = make_receivable(portal.app, amount_cents=3100)
    (browser,) = granted(portal, f"/zahlungen/z/{token}", 1)
    started = browser.post(
        f"/zahlungen/{kassenzeichen}/online",
        data={"csrf_token": csrf_for(browser, f"/zahlungen/{kassenzeichen}")},
        allow_redirects=False,
    )
    assert started.status_code == 302
    transaction_id = started.headers["Location"].rsplit("/", 1)[-1]
    with portal.db():
        transaction = platform.get_transaction(transaction_id)
        assert transaction is not None
        platform.decide(transaction, "PAYED", "Kreditkarte")  # paid; no notification sent yet
    secret = portal.app.config["SANDBOX_NOTIFY_SECRET"]
    body = json.dumps({"transactionId": transaction_id, "status": "PAYED"}).encode()

    def send(peer: Browser, index: int) -> requests.Response:
        return peer.post(
            "/zahlungen/benachrichtigung/sandbox",
            data=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign_notification(secret, body, int(time.time())),
            },
        )

    replies = race(portal.browsers(), send)
    assert_race(
        replies,
        effects=bookings_of(portal, receivable_id),
        what="bookings from parallel notifications",
        loser=lambda reply: (
            reply.status == 200 and json.loads(reply.body) == {"status": "ok", "known": True}
        ),
    )
    with portal.db() as session:
        states = set(
            session.scalars(
                select(OnlinePayment.state).where(OnlinePayment.receivable_id == receivable_id)
            )
        )
    assert states == {"paid"}
    assert open_cents(portal, receivable_id) == 0


def test_lookup(portal: Portal) -> None:
    """A lookup changes nothing: N at once all open the same notice, nothing is stored."""
    receivable_id, kassenzeichen, _ = make_receivable(portal.app, amount_cents=2750)
    browsers = portal.browsers(SMALL)
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_for(browser, "/zahlungen/")

    replies = race(
        browsers,
        lambda browser, index: browser.post(
            "/zahlungen/",
            data={"csrf_token": tokens[index], "kassenzeichen": kassenzeichen, "amount": "27,50"},
        ),
        prepare=prepare,
    )
    notice = f"/zahlungen/{kassenzeichen}"
    assert_race(
        replies,
        effects=len({reply.url for reply in replies}),
        what="lookups (distinct answers)",
        loser=lambda reply: (
            reply.status == 200 and reply.url.endswith(notice) and "27,50" in reply.text
        ),
    )
    assert attempts_of(portal, receivable_id) == 0
    assert bookings_of(portal, receivable_id) == 0
