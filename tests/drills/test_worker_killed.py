"""Drill: the gunicorn worker is killed (SIGKILL) while it books a payment the citizen has
just made (issue 21): the citizen is back from the platform, the portal asked it, learned
"paid" and is booking when the worker dies.

The drill holds the receivable's row (as a parallel booking would), so that the worker is
caught inside its booking transaction, deterministically, and kills it there. What must hold:
no limbo: the cut transaction left nothing half-done (the payment not paid without its
booking), gunicorn's new worker serves, and the truth arrives once, by the poll job or the
citizen reloading, whichever comes first: one booking, the payment paid, the notice paid.

The platform's notifications are lost in this drill: a notification waiting for the same row
would be indistinguishable from the citizen's return, and the drill must kill the worker
that holds the return (seen in CI: the notification was the waiter, the return came later
and was answered by the new worker)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select

from server.payments.models import Booking, Receivable
from tests.drills.common import count_rows, wait_for_a_lock_waiter
from tests.drills.payments import Setup, pay_at_platform, payment_states, transactions
from tests.drills.processes import browser, wait_for

pytestmark = pytest.mark.drill


def workers_of(master: int) -> list[int]:
    """The gunicorn workers: the children of ``portal serve`` (the master)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@contextmanager
def holding_the_receivables(database: str) -> Iterator[None]:
    """Every receivable's row locked, as a parallel booking would, while the block runs: a
    booking started meanwhile waits inside its transaction."""
    holder = create_engine(database)
    try:
        with holder.connect() as held, held.begin() as transaction:
            held.execute(select(Receivable.id).with_for_update())
            yield
            transaction.rollback()
    finally:
        holder.dispose()


def test_a_worker_killed_while_booking_leaves_no_limbo(
    setup_without_notifications: Setup,
) -> None:
    setup = setup_without_notifications
    citizen = browser()
    setup.notice(citizen)
    started = setup.pay(citizen)
    back = pay_at_platform(started.headers["Location"])  # paid at the platform
    assert setup.portal.process is not None
    master = setup.portal.process.pid
    [worker] = workers_of(master)

    answers: list[int | str] = []

    def come_back() -> None:
        try:
            answers.append(citizen.get(back, timeout=30).status_code)
        except requests.RequestException as error:
            answers.append(type(error).__name__)

    with holding_the_receivables(setup.database):
        returning = threading.Thread(target=come_back)
        returning.start()
        wait_for_a_lock_waiter(setup.database, "the return's booking waiting for the receivable")
        os.kill(worker, signal.SIGKILL)
        returning.join(timeout=30)
    wait_for(lambda: workers_of(master) not in ([], [worker]), "gunicorn's new worker")

    # The citizen's request died with the worker: no answer, or the proxy's error.
    assert answers
    assert answers[0] != 200
    # Nothing half-done: not booked and not paid yet.
    assert count_rows(setup.database, Booking) == 0
    assert payment_states(setup.database) == ["pending"]

    setup.poll()
    reloaded = citizen.get(back, timeout=30)
    assert reloaded.status_code == 200
    assert "Bezahlt" in reloaded.text
    assert count_rows(setup.database, Booking) == 1
    assert payment_states(setup.database) == ["paid"]
    assert transactions(setup.database) == ["PAYED"]


def test_a_worker_killed_while_a_notification_books_leaves_no_limbo(setup: Setup) -> None:
    """The citizen pays and closes the tab: only the platform's notification tells the portal.
    The worker handling it is killed while it books; the platform, unanswered, sends it again
    (after 1, 2, 4 ... seconds), and the new worker books it once."""
    citizen = browser()
    setup.notice(citizen)
    started = setup.pay(citizen)
    assert setup.portal.process is not None
    master = setup.portal.process.pid
    [worker] = workers_of(master)

    with holding_the_receivables(setup.database):
        pay_at_platform(started.headers["Location"])  # and never comes back
        wait_for_a_lock_waiter(
            setup.database, "the notification's booking waiting for the receivable"
        )
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: workers_of(master) not in ([], [worker]), "gunicorn's new worker")
        # Nothing half-done while the cut transaction waits for its end.
        assert count_rows(setup.database, Booking) == 0
        assert payment_states(setup.database) == ["pending"]

    wait_for(
        lambda: payment_states(setup.database) == ["paid"],
        "the notification sent again and booked",
        seconds=60,
    )
    assert count_rows(setup.database, Booking) == 1
    assert transactions(setup.database) == ["PAYED"]
    notice = setup.notice(citizen)
    assert "Bezahlt" in notice.text or "bezahlt" in notice.text
