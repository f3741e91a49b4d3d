"""The audit log: clerk actions on personal data and money are recorded, administrators read
them, and neither the audit log nor the application log holds secrets."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from server.audit.log import record_now
from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.extensions import db
from server.fines.models import FineCase
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.factories import DEFAULT_PASSWORD, make_clerk, make_fine_case
from tests.integration.helpers import log_in_clerk
from tests.integration.payments.test_payments_citizen import text_of


def entries(app: Flask) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        return [
            (e.actor, e.action, e.record_type, e.record_id)
            for e in db.session.query(AuditEntry).order_by(AuditEntry.id)
        ]


@pytest.fixture
def portal_log() -> Iterator[io.StringIO]:
    """Everything the portal logs while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("portal")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_clerk_logins_are_recorded_without_the_password(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    log_in_clerk(client, "kasse", "wrong password here")
    log_in_clerk(client, "kasse")
    recorded = entries(app)
    assert ("anonymous", "clerk.login_failed", "clerk", "kasse") in recorded
    assert any(
        actor == "clerk:kasse" and action == "clerk.login" for actor, action, _, _ in recorded
    )
    with app.app_context():
        details = " ".join(e.detail for e in db.session.query(AuditEntry))
    assert "wrong password here" not in details
    assert DEFAULT_PASSWORD not in details


def test_fines_office_reads_and_decisions_are_recorded(client: CheckingClient) -> None:
    app = client.application
    case = make_fine_case(app)
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    log_in_clerk(client, "bussgeld")
    with app.app_context():
        case_id = db.session.query(FineCase).one().id
    page = client.get(f"/verwaltung/bussgeld/fall/{case_id}")
    client.post(
        f"/verwaltung/bussgeld/fall/{case_id}",
        data={
            "csrf_token": csrf_token(page),
            "decision": "discontinue",
            "note": "Parkschein lag aus",
        },
    )
    recorded = entries(app)
    assert ("clerk:bussgeld", "fines.case.view", "fine_case", str(case_id)) in recorded
    assert ("clerk:bussgeld", "fines.decision.discontinue", "fine_case", str(case_id)) in recorded
    assert case["aktenzeichen"]


def rows(page: TestResponse) -> list[tuple[str, ...]]:
    """Who, what and which record of each entry, as the page shows them."""
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    return [
        tuple(cell.get_text(" ", strip=True) for cell in row.select("td")[:3])
        for row in soup.select("tbody tr")
        if len(row.select("td")) > 3
    ]


def who_did(page: TestResponse) -> set[str]:
    return {row[0] for row in rows(page)}


def test_administrators_read_and_filter_the_log_others_may_not(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    admin = make_clerk(app, username="admin", roles=[Role.ADMIN])
    other = checking_client(app)
    log_in_clerk(other, "kasse")
    assert other.get("/verwaltung/protokoll/").status_code == 403
    log_in_clerk(client, "admin")
    everything = client.get("/verwaltung/protokoll/")
    assert {"kasse", "admin"} <= who_did(everything)
    admin_account = f"Mitarbeiterkonto {admin.id}"  # ids differ between databases
    assert ("admin", "Anmeldung in der Verwaltung", admin_account) in rows(everything)
    assert who_did(client.get("/verwaltung/protokoll/?wer=kasse")) == {"kasse"}
    failed = text_of(client.get("/verwaltung/protokoll/?was=clerk.login_failed"))
    assert "Keine Einträge." in failed
    assert "Protokoll der Zugriffe" in text_of(client.get("/verwaltung/"))


def test_no_secret_reaches_the_logs(client: CheckingClient, portal_log: io.StringIO) -> None:
    """The letter's token and access code, passwords: none of them in any log."""
    app = client.application
    case = make_fine_case(app)
    client.get(f"/b/{case['token']}")
    page = client.get("/bussgeld")
    client.post(
        "/bussgeld",
        data={
            "csrf_token": csrf_token(page),
            "aktenzeichen": case["aktenzeichen"],
            "access_code": case["access_code"],
        },
    )
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    log_in_clerk(client, "bussgeld", "a-wrong-secret-password")
    log_in_clerk(client, "bussgeld")
    written = portal_log.getvalue()
    with app.app_context():
        written += " ".join(
            f"{e.actor} {e.record_id} {e.detail}" for e in db.session.query(AuditEntry)
        )
    assert written  # something was logged at all
    for secret in (case["token"], case["access_code"], DEFAULT_PASSWORD, "a-wrong-secret-password"):
        assert secret not in written


def test_the_database_refuses_to_change_an_audit_entry(app: Flask) -> None:
    with app.app_context():
        record_now("clerk:1", "case.view", "fine_case", 1)
        with pytest.raises(DBAPIError), db.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'someone-else'"))
        assert db.session.scalars(select(AuditEntry.actor)).all() == ["clerk:1"]
