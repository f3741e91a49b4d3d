"""Drill: PostgreSQL stops under a running portal, with requests in flight, and comes back
(issue 21): shut down by the operator (``fast``) and crashed (``immediate``, recovery at the
next start).

What must hold: every request during the outage gets a clear 503 (the German page, or JSON
for the drafts client, which then keeps the submission and sends it again later), never a
stack trace or a bare "Internal Server Error"; ``/healthz`` and ``/readyz`` say so; when the
database is back the same gunicorn worker serves again (the pool replaces its lost
connections, ``server.idle_ping``), and a submission sent during the outage and again after it
arrives exactly once."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests

from server.forms.models import FormSubmission
from tests.drills.common import (
    count_rows,
    csrf_token,
    meta_csrf_token,
    seed_fine_case,
    send_receipts,
)
from tests.drills.conftest import Serve, production_settings
from tests.drills.processes import PortalProcess, PrivatePostgres, browser, wait_for

pytestmark = pytest.mark.drill

LEAKS = ("Traceback", "psycopg", "sqlalchemy", "OperationalError", "Internal Server Error")


def assert_database_down_page(answer: requests.Response) -> None:
    assert answer.status_code == 503, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Vorübergehend nicht erreichbar" in answer.text
    assert int(answer.headers["Retry-After"]) > 0
    for leak in LEAKS:
        assert leak not in answer.text


def open_case(citizen: requests.Session, portal: PortalProcess, case: dict[str, str]) -> str:
    form = citizen.get(f"{portal.url}/bussgeld", timeout=10)
    opened = citizen.post(
        f"{portal.url}/bussgeld",
        data={
            "csrf_token": csrf_token(form),
            "aktenzeichen": case["aktenzeichen"],
            "access_code": case["access_code"],
        },
        headers={"Referer": f"{portal.url}/bussgeld"},
        allow_redirects=False,
        timeout=10,
    )
    assert opened.status_code in (302, 303), opened.text[:300]
    return portal.url + opened.headers["Location"]


class Traffic:
    """A citizen reloading their case page over and over while the drill runs: requests in
    flight when the database goes and when it comes back."""

    def __init__(self, citizen: requests.Session, url: str) -> None:
        self.citizen, self.url = citizen, url
        self.answers: list[tuple[int, str]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            answer = self.citizen.get(self.url, timeout=30)
            self.answers.append((answer.status_code, answer.text))

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_requests_during_a_database_restart_get_a_clear_503_and_the_pool_reconnects(
    mode: str, postgres: PrivatePostgres, database: str, serve: Serve
) -> None:
    case = seed_fine_case(database)
    portal = serve(production_settings(database))
    citizen = browser()
    case_page = open_case(citizen, portal, case)  # a session row: read on every request
    assert citizen.get(case_page, timeout=10).status_code == 200
    # The drafts client: an anonymous page's token, the submission posted as JSON.
    sender = browser()
    token = meta_csrf_token(sender.get(f"{portal.url}/antraege/belege-nachreichen", timeout=10))
    submission_id = str(uuid.uuid4())

    with Traffic(browser_with(citizen), case_page) as traffic:
        wait_for(lambda: bool(traffic.answers), "a first answer")
        postgres.stop(mode)

        assert_database_down_page(citizen.get(case_page, timeout=10))
        newcomer = browser()
        form = newcomer.get(f"{portal.url}/bussgeld", timeout=10)
        assert form.status_code == 200  # a page that needs no database still works
        assert_database_down_page(
            newcomer.post(
                f"{portal.url}/bussgeld",
                data={
                    "csrf_token": csrf_token(form),
                    "aktenzeichen": case["aktenzeichen"],
                    "access_code": case["access_code"],
                },
                headers={"Referer": f"{portal.url}/bussgeld"},
                timeout=10,
            )
        )
        sent = send_receipts(sender, portal.url, token, submission_id)
        assert sent.status_code == 503, sent.text[:300]
        assert sent.json()["status"] == "unavailable"  # the drafts client keeps it, retries
        assert int(sent.headers["Retry-After"]) > 0
        assert browser().get(f"{portal.url}/", timeout=10).status_code == 200
        health = requests.get(f"{portal.url}/healthz", timeout=10)
        assert (health.status_code, health.json()["database"]) == (503, "unreachable")
        ready = requests.get(f"{portal.url}/readyz", timeout=10)
        assert (ready.status_code, ready.json()["checks"]["database"]) == (503, "failed")

        postgres.start()
        # The same worker, no restart: its pool gets new connections by itself.
        assert citizen.get(case_page, timeout=10).status_code == 200
        wait_for(lambda: traffic.answers[-1][0] == 200, "the traffic served again")

    assert requests.get(f"{portal.url}/healthz", timeout=10).status_code == 200
    assert requests.get(f"{portal.url}/readyz", timeout=10).status_code == 200
    statuses = {status for status, _ in traffic.answers}
    assert statuses <= {200, 503}, statuses
    for status, text in traffic.answers:
        if status == 503:
            assert "Vorübergehend nicht erreichbar" in text
    assert 503 in statuses

    # Nothing of the refused submission was written; sent again after the outage it
    # arrives, and a third time changes nothing.
    assert count_rows(database, FormSubmission) == 0
    arrived = send_receipts(sender, portal.url, token, submission_id)
    assert arrived.status_code == 200, arrived.text[:300]
    again = send_receipts(sender, portal.url, token, submission_id)
    assert again.json()["reference"] == arrived.json()["reference"]
    assert count_rows(database, FormSubmission) == 1
    assert portal.output().count("Booting worker") == 1


def browser_with(citizen: requests.Session) -> requests.Session:
    """A second connection of the same citizen (their cookies, not their socket)."""
    other = browser()
    other.cookies.update(citizen.cookies)
    return other
