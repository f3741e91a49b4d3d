"""A database query budget per page (issue 17): the test client counts the SQL statements a
request sends. Counts, not timings: a page that starts reading a row per tile, or a visitor
without a session who suddenly costs a session read, fails here on both databases.

The budgets are what the pages need today, tight: raise one only for a query the page needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from werkzeug.test import TestResponse

from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import LiveServer
from tests.factories import make_fine_case
from tests.integration.accounts_helpers import log_in, registered_account
from tests.integration.fines.test_fines_citizen import pay_fine_online
from tests.integration.forms.test_forms import KITA_STEPS

KITA = "/antraege/kita-anmeldung"
KIND = {"kind_vorname": "Mia", "kind_nachname": "Muster", "kind_geburtsdatum": "2024-03-01"}


class Statements:
    """The SQL statements sent through the app's engine while counting."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.commits = 0

    def __len__(self) -> int:
        return len(self.sent)

    def __str__(self) -> str:
        return "\n".join(f"  {statement.split()[0]} {statement[:160]!r}" for statement in self.sent)


@contextmanager
def counting(app: Flask) -> Iterator[Statements]:
    with app.app_context():
        engine = db.engine
    statements = Statements()

    def record(*args: Any) -> None:
        statements.sent.append(str(args[2]))

    def committed(*_args: Any) -> None:
        statements.commits += 1

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", committed)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", committed)


def _without_notifications(app: Flask) -> None:
    """The sandbox announces each payment after random delays from zero up: one landing while
    the test counts would count its booking. The way back from the platform books without
    them."""
    app.extensions["sandbox_notifier"].announce = lambda *_args, **_kwargs: None


def fetched(client: CheckingClient, path: str) -> tuple[TestResponse, Statements]:
    with counting(client.application) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return response, statements


@pytest.mark.parametrize(
    "path", ["/", "/bussgeld", "/dienste", "/dienste/kita", "/impressum", "/offline"]
)
def test_a_visitor_without_a_session_costs_no_query(client: CheckingClient, path: str) -> None:
    response, statements = fetched(client, path)
    assert "Bürgerportal" in response.get_data(as_text=True)
    assert len(statements) == 0, f"{path} sent:\n{statements}"


def test_a_visitor_whose_session_is_only_the_form_token_costs_no_query(
    client: CheckingClient,
) -> None:
    """A page with a form puts its CSRF secret into a cookie-only session; the next pages
    still read no row for it."""
    first = client.get(f"{KITA}/kind")
    assert first.status_code == 200
    assert client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]) is not None
    _response, statements = fetched(client, "/")
    assert len(statements) == 0, str(statements)


# The session row, the case with everything the page shows (server/fines/case_page.py). The
# session is not written again: the letter's link put the forms' CSRF secret into it.
CASE_PAGE_BUDGET = 2
# The session row, the draft with its uploads (one query).
FORM_STEP_BUDGET = 2
# The session row, the citizen, their linked records, applications, Postfach, sessions; and the
# session's update (the login's message is taken out of it).
ACCOUNT_PAGE_BUDGET = 7


def test_the_fine_case_page_stays_within_its_budget(client: CheckingClient) -> None:
    case = make_fine_case(client.application)
    assert client.get(f"/b/{case['token']}").status_code in (302, 303)
    response, statements = fetched(client, f"/bussgeld/fall/{case['aktenzeichen']}")
    assert case["aktenzeichen"] in response.get_data(as_text=True)
    assert 'name="csrf_token"' in response.get_data(as_text=True)  # its forms are sent
    assert len(statements) <= CASE_PAGE_BUDGET, str(statements)


def test_the_fine_case_page_reads_nothing_of_the_holder_or_the_statement_it_does_not_show(
    client: CheckingClient,
) -> None:
    """The page shows the offence and whether a statement came: the holder's address, the
    letter's credentials and the statement's personal details stay in the database."""
    case = make_fine_case(client.application)
    assert client.get(f"/b/{case['token']}").status_code in (302, 303)
    _response, statements = fetched(client, f"/bussgeld/fall/{case['aktenzeichen']}")
    sent = "\n".join(statements.sent)
    for column in ("holder_name", "holder_street", "url_token_hash", "access_code_hash"):
        assert column not in sent
    for column in ("person_name", "person_birth_date", "driver_name", "email"):
        assert f"fine_statements.{column}" not in sent


def test_a_form_step_stays_within_its_budget(client: CheckingClient) -> None:
    """The second step of the Kita form, after the first was answered without JavaScript
    (the answers are kept in the session, so it has a row now)."""
    token = csrf_token(client.get(f"{KITA}/kind"))
    answered = client.post(f"{KITA}/kind", data={"csrf_token": token, **KIND})
    assert answered.status_code == 303
    response, statements = fetched(client, f"{KITA}/eltern")
    assert "Schritt 2 von" in response.get_data(as_text=True)
    assert len(statements) <= FORM_STEP_BUDGET, str(statements)


# The session row, the draft with its uploads, the draft's conditional update.
STEP_POST_BUDGET = 3


def test_sending_a_form_step_stays_within_its_budget(client: CheckingClient) -> None:
    token = csrf_token(client.get(f"{KITA}/kind"))
    assert client.post(f"{KITA}/kind", data={"csrf_token": token, **KIND}).status_code == 303
    step, parents = KITA_STEPS[1]
    assert step == "eltern"
    with counting(client.application) as statements:
        sent = client.post(f"{KITA}/eltern", data={"csrf_token": token, **parents})
    assert sent.status_code == 303
    assert len(statements) <= STEP_POST_BUDGET, str(statements)
    answers = client.get(f"{KITA}/eltern").get_data(as_text=True)
    assert 'value="Erika"' in answers


def test_the_account_page_stays_within_its_budget(app: Flask, client: CheckingClient) -> None:
    registered_account(app, client, "budget@example.de")
    assert log_in(client, "budget@example.de").status_code == 302
    response, statements = fetched(client, "/konto")
    assert "budget@example.de" in response.get_data(as_text=True)
    assert len(statements) <= ACCOUNT_PAGE_BUDGET, str(statements)


# The session row; the case, its receivable and statement, the attempts still under way, the
# balance, the new attempt; the sandbox platform's own transaction (in the same app here); the
# platform's id for the attempt; the session's update (the notice is granted). Commits: the
# attempt, the platform's, the platform's id, the session.
PAYMENT_START_BUDGET = 10
PAYMENT_START_COMMITS = 4


def test_starting_a_payment_stays_within_its_budget(live_server: LiveServer) -> None:
    app = live_server.app
    client = checking_client(app)
    case = make_fine_case(app)
    client.get(f"/b/{case['token']}")
    case_path = f"/bussgeld/fall/{case['aktenzeichen']}"
    page = client.get(case_path)
    with counting(app) as statements:
        started = client.post(f"{case_path}/bezahlen", data={"csrf_token": csrf_token(page)})
    assert started.status_code == 302
    assert started.headers["Location"].startswith(live_server.url), started.headers["Location"]
    assert len(statements) <= PAYMENT_START_BUDGET, str(statements)
    assert statements.commits <= PAYMENT_START_COMMITS, str(statements)


# The session row and the payment with its receivable; the payment locked and moved, the
# receivable locked with its balance, the booking; the fine case settled with its event; the
# proof's recipient (two savepoints, two reads). SQLite takes each of the two rows with two
# statements (``lock_row``). One more, the sandbox platform's own read of its transaction, runs
# in the same app here.
PAYMENT_RETURN_BUDGET = {"postgresql": 17, "sqlite": 19}


def test_the_way_back_from_the_platform_books_within_its_budget(
    live_server: LiveServer, backend: str
) -> None:
    """The citizen comes back from paying a fine: one request books the payment, settles the
    case and queues the proof of payment."""
    app = live_server.app
    _without_notifications(app)
    client, return_path = pay_fine_online(live_server, make_fine_case(app))
    with counting(app) as statements:
        back = client.get(return_path)
    assert back.status_code == 302
    notice = client.get(back.headers["Location"])
    assert "Ihre Zahlung ist eingegangen und verbucht" in notice.get_data(as_text=True)
    budget = PAYMENT_RETURN_BUDGET["sqlite" if backend.startswith("sqlite") else "postgresql"]
    assert len(statements) <= budget, str(statements)


def test_the_session_row_is_read_outside_a_transaction_and_the_pool_keeps_transactions(
    app: Flask, backend: str
) -> None:
    """On PostgreSQL the one statement that reads the session row costs no BEGIN and ROLLBACK
    (``db.single_reads``); the connection it used goes back to the pool as it came, so that what
    a request writes is still one transaction."""
    if not backend.startswith("postgresql"):
        pytest.skip("SQLite's driver begins no transaction for a read anyway")
    from psycopg.pq import TransactionStatus

    with app.app_context(), db.single_reads.connect() as connection:
        connection.execute(select(1))
        raw = connection.connection.dbapi_connection
        assert raw is not None
        assert raw.info.transaction_status == TransactionStatus.IDLE
    # Back in the pool, the connection begins transactions again, whoever takes it next.
    assert raw.autocommit is False
    assert raw.info.transaction_status == TransactionStatus.IDLE


# A paid fine's pages looked at again, as the citizen does after paying: the session row and
# what each page shows. The case page: the case, then its paid receivable and its bookings with
# their online payments. The notice: the receivable with its balance and whether anything was
# paid back, the attempt named in the link, the bookings with their payments. The proof: the
# receivable with its balance, the bookings with their payments.
PAID_PAGES_BUDGET = {"case": 4, "notice": 4, "proof": 3}


def test_a_paid_fine_looked_at_again_stays_within_its_budget_and_writes_nothing(
    live_server: LiveServer,
) -> None:
    app = live_server.app
    _without_notifications(app)
    case = make_fine_case(app)
    client, return_path = pay_fine_online(live_server, case)
    notice_path = client.get(return_path).headers["Location"]
    case_path = f"/bussgeld/fall/{case['aktenzeichen']}"
    notice = client.get(notice_path).get_data(as_text=True)
    client.get(case_path)  # the first look grants this browser the paid notice's proof
    found = re.search(r'href="([^"]*/zahlungsbestaetigung\.pdf)"', notice)
    assert found is not None
    for page, path in (("case", case_path), ("notice", notice_path), ("proof", found.group(1))):
        _response, statements = fetched(client, path)
        assert len(statements) <= PAID_PAGES_BUDGET[page], f"{page}:\n{statements}"
        written = [s for s in statements.sent if not s.lstrip().upper().startswith("SELECT")]
        assert written == [], f"{page} wrote:\n{written}"
