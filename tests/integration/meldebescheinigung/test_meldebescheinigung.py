"""Meldebescheinigung on both databases: only with the eID at level high; the fee paid on the
sandbox platform before the Bürgerbüro sees it; issued as a PDF with the register's data, or by
post; refused with the fee refunded once."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pypdfium2
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from server.auth.models import Citizen
from server.auth.roles import Role
from server.extensions import db
from server.formatting import city_today
from server.forms.models import FormSubmission
from server.payments.models import Refund
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.integration.certificates.test_certificates import sandbox_pay
from tests.integration.helpers import log_in_clerk

FORM = "/antraege/meldebescheinigung"
INBOX = "/verwaltung/antraege/meldebescheinigung/"


def citizen(app: Flask, trust: str = "high") -> CheckingClient:
    with app.app_context(), db.transaction() as session:
        person = Citizen(
            given_name="Erika",
            family_name="Mustermann",
            birthdate=date(1964, 8, 12),
            street="Heidestraße 17",
            postal_code="51147",
            locality="Köln",
            email="erika@example.de",
            trust_level=trust,
            eid_issuer="https://eid.example" if trust == "high" else None,
            eid_subject=f"erika-{uuid.uuid4().hex[:6]}" if trust == "high" else None,
        )
        session.add(person)
        session.flush()
        citizen_id = person.id
    client = checking_client(app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = trust
    return client


def apply(client: CheckingClient, kind: str = "erweitert", delivery: str = "pdf") -> str:
    """Walk the steps without JavaScript and send; returns the platform's page."""
    token = csrf_token(client.get(f"{FORM}/art"))
    for step, values in (
        ("art", {"art": kind, "zustellung": delivery}),
        (
            "person",
            {
                "vorname": "Erika",
                "nachname": "Mustermann",
                "geburtsdatum": "1964-08-12",
                "email": "erika@example.de",
            },
        ),
    ):
        done = client.post(f"{FORM}/{step}", data={"csrf_token": token, **values})
        assert done.status_code == 303, page_text(done.get_data(as_text=True))[:600]
    check = client.get(f"{FORM}/pruefen")
    text = page_text(check.get_data(as_text=True))
    assert ("15,00 €" if kind == "erweitert" else "10,00 €") in text
    submission_id = check.get_data(as_text=True).split('name="submission_id" value="')[1]
    sent = client.post(
        f"{FORM}/absenden",
        data={"csrf_token": csrf_token(check), "submission_id": submission_id.split('"')[0]},
    )
    assert sent.status_code == 303
    return str(sent.location)


def paid(live_server: LiveServer, **kind: str) -> tuple[CheckingClient, FormSubmission]:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    browser = citizen(app)
    back = sandbox_pay(live_server, apply(browser, **kind), "PAYED")
    browser.get(back, follow_redirects=True)
    with app.app_context():
        submission = db.session.scalars(select(FormSubmission)).one()
    return browser, submission


def office(app: Flask) -> CheckingClient:
    make_clerk(app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "buergerbuero")
    return clerk


def decide(
    clerk: CheckingClient, submission: FormSubmission, status: str, **inputs: str
) -> TestResponse:
    url = f"{INBOX}{submission.id}"
    data = {"csrf_token": csrf_token(clerk.get(url)), "status": status}
    data.update({f"{status}-{name}": value for name, value in inputs.items()})
    return clerk.post(url, data=data)


def test_only_a_login_with_the_eid_may_apply(app: Flask) -> None:
    anonymous = checking_client(app).get(f"{FORM}/art")
    assert anonymous.status_code == 303
    assert "stufe=high" in anonymous.location
    with_password = citizen(app, trust="low").get(f"{FORM}/art")
    assert with_password.status_code == 303
    assert "stufe=high" in with_password.location


def test_issued_as_a_pdf_with_what_the_register_says(live_server: LiveServer) -> None:
    browser, submission = paid(live_server)
    clerk = office(live_server.app)
    listed = page_text(clerk.get(INBOX).get_data(as_text=True))
    assert str(submission.reference) in listed
    # The delivery chosen decides the status: PDF, not post.
    wrong = decide(
        clerk,
        submission,
        "versandt",
        anschrift="Heidestraße 17, 51147 Köln",
        einzug="2001-04-01",
        versanddatum=city_today().isoformat(),
    )
    assert wrong.status_code == 422
    assert "Gewünscht ist: als PDF." in page_text(wrong.get_data(as_text=True))
    status_page = f"{FORM}/eingegangen/{submission.reference}"
    assert "Meldebescheinigung herunterladen" not in browser.get(status_page).get_data(as_text=True)
    assert browser.get(f"/meldebescheinigung/{submission.reference}.pdf").status_code == 404
    issued = decide(
        clerk,
        submission,
        "ausgestellt",
        anschrift="Heidestraße 17\n51147 Köln",
        einzug="2001-04-01",
    )
    assert issued.status_code == 302

    page = page_text(browser.get(status_page).get_data(as_text=True))
    assert "Ausgestellt: als PDF bereit" in page
    assert "Meldebescheinigung herunterladen (PDF)" in page
    pdf = browser.get(f"/meldebescheinigung/{submission.reference}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(pdf.get_data()))
    text = "\n".join(p.get_textpage().get_text_range() for p in document)
    for shown in (
        "Erweiterte Meldebescheinigung",
        "§ 18 Abs. 2",
        "Mustermann",
        "12.08.1964",
        "Heidestraße 17",
        "01.04.2001",
        str(submission.reference),
    ):
        assert shown in text, shown
    # Nobody else gets it.
    assert (
        checking_client(live_server.app)
        .get(f"/meldebescheinigung/{submission.reference}.pdf")
        .status_code
        == 404
    )


def test_a_refusal_refunds_the_fee_once(live_server: LiveServer) -> None:
    browser, submission = paid(live_server, kind="einfach", delivery="post")
    clerk = office(live_server.app)
    reason = "Keine Hauptwohnung in der Stadt gemeldet."
    first = decide(clerk, submission, "abgelehnt", grund=reason)
    second = decide(clerk, submission, "abgelehnt", grund=reason)
    assert (first.status_code, second.status_code) == (302, 302)
    with live_server.app.app_context():
        refunds = db.session.scalars(select(Refund)).all()
        assert [(r.amount_cents, r.state) for r in refunds] == [(1000, "refunded")]
    page = page_text(
        browser.get(f"{FORM}/eingegangen/{submission.reference}").get_data(as_text=True)
    )
    assert f"Grund der Ablehnung: {reason}" in page
    assert "Meldebescheinigung herunterladen" not in page
