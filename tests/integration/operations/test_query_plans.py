"""The journey mix's hot queries use an index on PostgreSQL (issue 17).

The tables the load script (``bench/journeys.py``) reads by key are filled with a few thousand
rows and analysed, then the pages and look-ups of the journeys run through the test client and
the domain functions; every SELECT they send is explained with its own parameters, and none may
read one of those tables by a sequential scan. The planner is left alone (no
``enable_seqscan=off``): with the rows and the statistics it picks what production would.

PostgreSQL only: the plans are PostgreSQL's; SQLite's are not what production runs.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, insert, text

from server.extensions import db
from server.formatting import city_today
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_clerk, make_fine_case, make_receivable
from tests.integration.helpers import log_in_clerk

ROWS = 3000
# The tables the journeys read by key; the small ones (offences, clerks, sequences) may be read
# whole, as the planner sees fit.
FILLED = {"fine_cases", "receivables", "form_submissions", "online_payments", "web_sessions"}
FORM_SERVICES = ("kita-anmeldung", "kontakt", "belege-nachreichen", "barrierefreiheit-feedback")


@dataclass(frozen=True)
class Filled:
    app: Flask
    reference: str  # a form submission's Eingangsnummer
    request_id: str  # an online payment's request id


def _receivable_rows(count: int) -> list[dict[str, Any]]:
    from server.payments.receivables import kassenzeichen_scheme
    from server.payments.references import make_kassenzeichen, rf_reference

    scheme = kassenzeichen_scheme()
    rows = []
    for number in range(1, count + 1):
        kassenzeichen = make_kassenzeichen(500_000 + number, scheme)
        rows.append(
            {
                "kassenzeichen": kassenzeichen,
                "rf_reference": rf_reference(kassenzeichen),
                "access_token_hash": hashlib.sha256(f"notice-{number}".encode()).hexdigest(),
                "purpose": "fine" if number % 2 else "notice",
                "description": "Verwarnungsgeld",
                "debtor_name": f"Person {number}",
                "amount_cents": 1000 + number % 5000,
                "currency": "EUR",
                "due_date": city_today() + timedelta(days=14),
            }
        )
    return rows


def _fill(app: Flask) -> Filled:
    """A few thousand rows in each table the journeys read by key, then ANALYZE."""
    from server.fines.cases import find_offence, sync_offences
    from server.fines.models import CaseStatus, FineCase
    from server.fines.offences_data import OFFENCES
    from server.forms.models import FormSubmission
    from server.payments.models import OnlinePayment, Receivable

    now = datetime.now(UTC)
    with app.test_request_context("/"):
        sync_offences()
        offence = find_offence(OFFENCES[0].number)
        assert offence is not None
        with db.transaction() as session:
            receivables = list(
                session.execute(
                    insert(Receivable).returning(Receivable.id, sort_by_parameter_order=True),
                    _receivable_rows(ROWS),
                ).scalars()
            )
            statuses = [status.value for status in CaseStatus]
            session.execute(
                insert(FineCase),
                [
                    {
                        "aktenzeichen": f"BG-2025-{number:06d}",
                        "kind": "warning",
                        # Most cases are done with; a few wait for the fines office.
                        "status": statuses[number % len(statuses)] if number % 20 == 0 else "paid",
                        "offence_id": offence.id,
                        "offence_at": now - timedelta(days=30),
                        "place": "Marktplatz",
                        "plate": f"MU-Q {number}",
                        "amount_cents": offence.amount_cents,
                        "deadline": city_today(),
                        "holder_name": f"Person {number}",
                        "holder_street": "Hauptstraße 5",
                        "holder_postcode_city": "12345 Musterstadt",
                        "receivable_id": receivable,
                        "url_token_hash": hashlib.sha256(f"letter-{number}".encode()).hexdigest(),
                        "letter_issued_at": now,
                        "letters_issued": 1,
                    }
                    for number, receivable in enumerate(receivables, start=1)
                ],
            )
            session.execute(
                insert(FormSubmission),
                [
                    {
                        "submission_id": str(uuid.uuid4()),
                        "reference": f"ANT-2025-{number:06d}",
                        "service": FORM_SERVICES[number % len(FORM_SERVICES)],
                        "role": "youth_office",
                        "answers": {},
                        "status": _status(FORM_SERVICES[number % len(FORM_SERVICES)], number),
                        "received_at": now,
                        "status_changed_at": now,
                        "status_code": f"Q{number:08d}",
                    }
                    for number in range(1, ROWS + 1)
                ],
            )
            session.execute(
                insert(OnlinePayment),
                [
                    {
                        "request_id": f"bench{number:027d}",
                        "receivable_id": receivable,
                        "provider": "sandbox",
                        "provider_payment_id": f"SBX-{number}",
                        "amount_cents": 1000,
                        "state": "paid",
                    }
                    for number, receivable in enumerate(receivables, start=1)
                ],
            )
            session.execute(
                insert(_sessions_table()),
                [
                    {
                        "id": hashlib.sha256(f"session-{number}".encode()).hexdigest(),
                        "data": "{}",
                        "created_at": now,
                        "last_seen_at": now,
                    }
                    for number in range(1, ROWS + 1)
                ],
            )
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    return Filled(app, reference="ANT-2025-000123", request_id=f"bench{77:027d}")


def _status(service: str, number: int) -> str:
    """Most submissions are done with; every tenth waits in its inbox."""
    from server.forms.registry import DEFINITIONS

    statuses = DEFINITIONS[service].statuses
    waiting = statuses[0]
    done = next(status for status in statuses if status.final)
    return (waiting if number % 10 == 0 else done).value


def _sessions_table() -> Any:
    from server.auth.models import WebSession

    return WebSession.__table__


@pytest.fixture(scope="module")
def filled(backend: str) -> Iterator[Filled]:
    if not backend.startswith("postgresql"):
        pytest.skip("query plans are PostgreSQL's (production's database)")
    app = make_test_app(backend)
    try:
        yield _fill(app)
    finally:
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs sent through the app's engine, with their parameters."""
    with app.app_context():
        engine = db.engine
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def sequential_scans(app: Flask, sent: list[tuple[str, Any]]) -> list[str]:
    """Each statement that reads a filled table by a sequential scan, with its plan's node."""
    found = []
    with app.app_context(), db.engine.connect() as connection:
        for statement, parameters in sent:
            explained = connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            ).scalar_one()
            for node in _nodes(explained[0]["Plan"]):
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in FILLED:
                    flat = " ".join(statement.split())
                    found.append(f"{node['Relation Name']}: ...{flat[flat.find(' FROM ') :][:240]}")
        connection.rollback()
    assert sent, "no statement was captured"
    return found


def test_the_citizens_journeys_read_by_index(filled: Filled) -> None:
    """Letter QR, case page, notice page, notice lookup: every row found by its key, the
    session row by its digest."""
    app = filled.app
    case = make_fine_case(app)
    _id, kassenzeichen, _token = make_receivable(app, amount_cents=4200)
    client = checking_client(app)
    with statements(app) as sent:
        assert client.get(case["portal_url"].removeprefix("http://localhost")).status_code == 302
        assert client.get(f"/bussgeld/fall/{case['aktenzeichen']}").status_code == 200
        transfer = client.get(f"/bussgeld/fall/{case['aktenzeichen']}/ueberweisung")
        assert client.get(transfer.location).status_code == 200
        page = client.get("/zahlungen/")
        found = client.post(
            "/zahlungen/",
            data={
                "csrf_token": csrf_token(page),
                "kassenzeichen": kassenzeichen,
                "amount": "42,00",
            },
        )
        assert found.status_code == 302
        assert client.get(found.location).status_code == 200
    assert sequential_scans(app, sent) == []


def test_look_ups_by_number_use_an_index(filled: Filled) -> None:
    """A form submission by its Eingangsnummer and by the Abrufcode of its link, an online
    payment by its request id (the return from the platform)."""
    from server.forms.submissions import find_by_reference, open_with_link
    from server.payments.online import find_payment

    app = filled.app
    with statements(app) as sent, app.test_request_context("/"):
        assert find_by_reference(filled.reference) is not None
        open_with_link("Q0000001")
        assert find_payment(request_id=filled.request_id) is not None
    assert sequential_scans(app, sent) == []


def _clerk(app: Flask) -> CheckingClient:
    from server.auth.roles import Role

    username = f"queues-{uuid.uuid4().hex[:8]}"
    make_clerk(app, username=username, roles=[Role.FINES, Role.YOUTH_OFFICE, Role.CASH_OFFICE])
    client = checking_client(app)
    assert log_in_clerk(client, username).status_code == 302
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/verwaltung/",
        "/verwaltung/antraege/kita-anmeldung/",
        "/verwaltung/kasse/klaerung",
        "/verwaltung/bussgeld/",
    ],
)
def test_the_clerks_queues_use_an_index(filled: Filled, path: str) -> None:
    app = filled.app
    client = _clerk(app)
    with statements(app) as sent:
        assert client.get(path).status_code == 200
    assert sequential_scans(app, sent) == []
