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

import pytest

from server.payments.models import Booking
from tests.drills.common import count_rows
from tests.drills.payments import Setup, pay_at_platform, payment_states, transactions
from tests.drills.processes import browser, wait_for

pytestmark = pytest.mark.drill

CREATE = "/sandbox-zahlung/api/paymenttransaction/buergerportal/musterstadt"
STATUS = CREATE + "/"
NOT_REACHABLE = "Der Zahlungsanbieter ist gerade nicht erreichbar."


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
    setup.poll()
    assert count_rows(setup.database, Booking) == 1
    page = citizen.get(f"{setup.portal.url}/zahlungen/{setup.kassenzeichen}", timeout=10)
    assert "Bezahlt" in page.text or re.search(r"Noch offen.*0,00", page.text, re.S)
    assert setup.pay(citizen).headers["Location"].endswith(setup.kassenzeichen)
    assert transactions(setup.database) == ["PAYED"]
    assert count_rows(setup.database, Booking) == 1


def test_a_slow_platform_is_told_like_a_failing_one_and_charges_once(
    setup_impatient: Setup,
) -> None:
    """The platform answers, but only after the portal stopped waiting (7 s against
    ``XBEZAHLDIENSTE_TIMEOUT_SECONDS=3``): on create, and on the status query on return."""
    setup = setup_impatient
    citizen = browser()
    setup.notice(citizen)

    setup.proxy.break_("POST", CREATE, "slow", seconds=7)
    slow = setup.pay(citizen)
    assert NOT_REACHABLE in setup.follow(citizen, slow).text
    assert setup.proxy.heal() == 1
    # The platform made the transaction after the portal gave up on it: nobody sees its page.
    wait_for(lambda: transactions(setup.database) == ["INITIAL"], "the late transaction")
    assert payment_states(setup.database) == ["failed"]

    started = setup.pay(citizen)
    assert started.headers["Location"].startswith(setup.proxy.url + "/sandbox-zahlung/")
    setup.proxy.break_("GET", STATUS, "slow", seconds=7)
    back = pay_at_platform(started.headers["Location"])
    page = citizen.get(back, timeout=30)
    assert page.status_code == 200
    assert "Ihre Zahlung wird noch bestätigt." in page.text
    assert count_rows(setup.database, Booking) == 0

    setup.proxy.heal()
    setup.poll()
    # The poll job or the platform's notification sent again: either books it, once.
    wait_for(lambda: payment_states(setup.database) == ["failed", "paid"], "the payment booked")
    assert count_rows(setup.database, Booking) == 1
    assert sorted(transactions(setup.database)) == ["INITIAL", "PAYED"]
    assert "Bezahlt" in citizen.get(back, timeout=30).text
