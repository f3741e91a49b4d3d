"""Drill: the payment platform fails (issue 21). The sandbox platform runs as a server of its
own (``bench/payment_platform.py``), the portal reaches it through a proxy that breaks on
command (``fault_proxy.py``): 500 on create, an answer lost after the platform created the
transaction (what a timeout leaves behind), 500 on the status query when the citizen comes
back from paying.

What must hold: the citizen is told, can try again, and is never charged twice: at most one
transaction is paid at the platform, the portal books it once, and a payment the portal could
not confirm is settled by the poll job when the platform answers again."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select

from server.extensions import db
from server.payments.models import Booking, OnlinePayment
from server.payments.sandbox.models import SandboxTransaction
from tests.conftest import make_test_app
from tests.drills.common import count_rows, csrf_token
from tests.drills.conftest import Serve, production_settings
from tests.drills.processes import (
    PORTAL,
    FaultProxy,
    PaymentPlatform,
    PortalProcess,
    browser,
)
from tests.factories import make_receivable

pytestmark = pytest.mark.drill

CREATE = "/sandbox-zahlung/api/paymenttransaction/buergerportal/musterstadt"
STATUS = CREATE + "/"
NOT_REACHABLE = "Der Zahlungsanbieter ist gerade nicht erreichbar."


@dataclass
class Setup:
    portal: PortalProcess
    proxy: FaultProxy
    database: str
    kassenzeichen: str
    token: str

    def notice(self, citizen: requests.Session) -> requests.Response:
        page = citizen.get(f"{self.portal.url}/zahlungen/z/{self.token}", timeout=10)
        assert page.status_code == 200, page.text[:300]
        return page

    def pay(self, citizen: requests.Session) -> requests.Response:
        """ "online bezahlen" on the notice page; the portal's answer, not followed."""
        page = citizen.get(f"{self.portal.url}/zahlungen/{self.kassenzeichen}", timeout=10)
        return citizen.post(
            f"{self.portal.url}/zahlungen/{self.kassenzeichen}/online",
            data={"csrf_token": csrf_token(page)},
            headers={"Referer": f"{self.portal.url}/zahlungen/{self.kassenzeichen}"},
            allow_redirects=False,
            timeout=30,
        )

    def follow(self, citizen: requests.Session, answer: requests.Response) -> requests.Response:
        return citizen.get(self.portal.url + answer.headers["Location"], timeout=30)


def pay_at_platform(url: str) -> str:
    """The platform's payment page in the citizen's browser (its own cookies: the platform
    shares the host 127.0.0.1 with the portal); returns where it sends the citizen back."""
    platform_tab = browser()
    page = platform_tab.get(url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    paid = platform_tab.post(
        url,
        data={"csrf_token": csrf_token(page), "outcome": "PAYED", "method": "PayPal"},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 302, paid.text[:300]
    return paid.headers["Location"]


def transactions(database: str) -> list[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    select(SandboxTransaction.status).order_by(SandboxTransaction.created_at)
                )
            )
    finally:
        engine.dispose()


def payment_states(database: str) -> list[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(OnlinePayment.state).order_by(OnlinePayment.id)))
    finally:
        engine.dispose()


@pytest.fixture
def setup(database: str, serve: Serve, drill_folder: Path) -> Iterator[Setup]:
    platform = PaymentPlatform(database, drill_folder / "platform.log")
    proxy = FaultProxy(platform.url, drill_folder / "proxy.log")
    proxy.start()
    portal = serve(
        production_settings(
            database, **platform.portal_settings(proxy.url), PAYMENT_POLL_AFTER_MINUTES="0"
        )
    )
    platform.start(proxy.url, f"{portal.url}/zahlungen/benachrichtigung/xbezahldienste")
    app = make_test_app(database)
    _, kassenzeichen, token = make_receivable(app, amount_cents=2500)
    with app.app_context():
        db.engine.dispose()
    try:
        yield Setup(portal, proxy, database, kassenzeichen, token)
    finally:
        proxy.close()
        platform.close()


def test_a_failed_or_lost_create_is_told_and_a_retry_charges_once(setup: Setup) -> None:
    citizen = browser()
    setup.notice(citizen)

    # The platform answers 500: nothing was created there.
    setup.proxy.break_("POST", CREATE, "error")
    refused = setup.pay(citizen)
    assert refused.status_code in (302, 303)
    assert NOT_REACHABLE in setup.follow(citizen, refused).text
    # The platform created the transaction, but its answer is lost (as after a timeout).
    setup.proxy.break_("POST", CREATE, "lost")
    lost = setup.pay(citizen)
    assert NOT_REACHABLE in setup.follow(citizen, lost).text
    assert setup.proxy.heal() == 1
    assert transactions(setup.database) == ["INITIAL"]  # its page was never shown to anyone
    assert payment_states(setup.database) == ["failed", "failed"]

    started = setup.pay(citizen)
    assert started.headers["Location"].startswith(setup.proxy.url + "/sandbox-zahlung/")
    back = pay_at_platform(started.headers["Location"])
    assert "Bezahlt" in citizen.get(back, timeout=30).text
    assert sorted(transactions(setup.database)) == ["INITIAL", "PAYED"]
    assert count_rows(setup.database, Booking) == 1


def test_a_status_query_that_fails_on_return_is_not_paid_twice(setup: Setup) -> None:
    citizen = browser()
    setup.notice(citizen)
    started = setup.pay(citizen)
    setup.proxy.break_("GET", STATUS, "error")
    back = pay_at_platform(started.headers["Location"])  # paid at the platform
    page = citizen.get(back, timeout=30)
    assert page.status_code == 200
    assert "Ihre Zahlung wird noch bestätigt." in page.text
    assert count_rows(setup.database, Booking) == 0

    # "Pay again" while the first payment cannot be confirmed: no second payment starts.
    again = setup.pay(citizen)
    assert not again.headers["Location"].startswith(setup.proxy.url)
    assert NOT_REACHABLE in setup.follow(citizen, again).text
    assert transactions(setup.database) == ["PAYED"]

    # The platform answers again: the poll job settles the truth, once.
    assert setup.proxy.heal() >= 1
    polled = subprocess.run(
        [str(PORTAL), "payments", "poll"],
        env=setup.portal.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert polled.returncode == 0, polled.stderr[-2000:]
    assert count_rows(setup.database, Booking) == 1
    page = citizen.get(f"{setup.portal.url}/zahlungen/{setup.kassenzeichen}", timeout=10)
    assert "Bezahlt" in page.text or re.search(r"Noch offen.*0,00", page.text, re.S)
    assert setup.pay(citizen).headers["Location"].endswith(setup.kassenzeichen)
    assert transactions(setup.database) == ["PAYED"]
    assert count_rows(setup.database, Booking) == 1
