"""Hundesteuer on both databases: a dog registered with a SEPA mandate (the IBAN checked), the
tax office's approval with the tax tag number becomes this year's receivable pro rata, and the
cash office's pain.008 file holds its collection once and validates against the ISO 20022
schema."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sepaxml
from flask import Flask
from lxml import etree
from sqlalchemy import select

from server.auth.roles import Role
from server.extensions import db
from server.formatting import city_today
from server.forms.models import FormSubmission
from server.hundesteuer import tax
from server.hundesteuer.models import DogTaxYear
from server.payments.models import DirectDebit, Receivable
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk
from tests.integration.meldebescheinigung.test_meldebescheinigung import citizen

FORM = "/antraege/hundesteuer"
INBOX = "/verwaltung/antraege/hundesteuer/"
JSON = {"Accept": "application/json"}
PAIN_008 = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"
IBAN = "DE02120300000000202051"


def register(client: CheckingClient, **changes: str) -> Any:
    data = {
        "submission_id": str(uuid.uuid4()),
        "name": "Erika Mustermann",
        "anschrift": "Heidestraße 17\n51147 Köln",
        "email": "erika@example.de",
        "hund_name": "Bello",
        "rasse": "Mischling",
        "seit": (city_today() - timedelta(days=40)).isoformat(),
        "art": "erster",
        "zahlweise": "lastschrift",
        "kontoinhaber": "Erika Mustermann",
        "iban": "DE02 1203 0000 0000 2020 51",
        "mandat": "ja",
    }
    data.update(changes)
    token = csrf_token(client.get("/"))
    return client.post(f"{FORM}/absenden", data=data, headers={**JSON, "X-CSRFToken": token})


def approve(app: Flask, reference: str, tag: str = "2026-0815") -> int:
    make_clerk(app, username="steueramt", roles=[Role.TAX_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "steueramt")
    with app.app_context():
        submission_id = db.session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == reference)
        )
    url = f"{INBOX}{submission_id}"
    data = {
        "csrf_token": csrf_token(clerk.get(url)),
        "status": "angemeldet",
        "angemeldet-steuermarke": tag,
    }
    first = clerk.post(url, data=data).status_code
    second = clerk.post(url, data=data).status_code  # a second tab
    assert (first, second) == (302, 302)
    return int(submission_id or 0)


def test_the_tax_runs_from_the_month_after_the_dog_came() -> None:
    assert tax.taxed_from(date(2026, 3, 15)) == date(2026, 4, 1)
    assert tax.taxed_from(date(2026, 3, 1)) == date(2026, 3, 1)
    assert tax.taxed_from(date(2026, 12, 31)) == date(2027, 1, 1)
    assert tax.year_amount(9600, date(2026, 4, 1), 2026) == 7200  # nine months
    assert tax.year_amount(9600, date(2025, 4, 1), 2026) == 9600
    assert tax.year_amount(9600, date(2027, 1, 1), 2026) == 0


def test_a_wrong_iban_is_refused_and_the_mandate_needs_consent(app: Flask) -> None:
    client = citizen(app, trust="low")
    wrong = register(client, iban="DE02 1203 0000 0000 2020 52")
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"] == {
        "iban": ["Diese IBAN ist nicht gültig. Bitte prüfen Sie sie."]
    }
    no_consent = register(client, mandat="")
    assert no_consent.get_json()["errors"] == {
        "mandat": ["Ohne Mandat ist keine Lastschrift möglich."]
    }
    by_transfer = register(client, zahlweise="ueberweisung", iban="", kontoinhaber="", mandat="")
    assert by_transfer.status_code == 200


def test_approval_assesses_the_year_and_the_cash_office_collects_it_once(app: Flask) -> None:
    client = citizen(app, trust="low")
    sent = register(client)
    assert sent.status_code == 200, sent.get_data(as_text=True)[:400]
    submission_id = approve(app, sent.get_json()["reference"])

    today = city_today()
    start = max(tax.taxed_from(today - timedelta(days=40)), today.replace(day=1))
    expected = tax.year_amount(9600, start, today.year)
    with app.app_context():
        [assessed] = db.session.scalars(select(DogTaxYear)).all()
        assert (assessed.submission_id, assessed.year) == (submission_id, today.year)
        receivable = db.session.get(Receivable, assessed.receivable_id)
        assert receivable is not None
        assert receivable.amount_cents == expected
        assert "Steuermarke 2026-0815 (Bello)" in receivable.description
        [debit] = db.session.scalars(select(DirectDebit)).all()
        assert debit.amount_cents == expected
        kassenzeichen = receivable.kassenzeichen

    # The notice says the tag number: found with Kassenzeichen and amount.
    status = page_text(
        client.get(f"{FORM}/eingegangen/{sent.get_json()['reference']}").get_data(as_text=True)
    )
    assert "Angemeldet, Steuermarke unterwegs" in status
    assert "Nummer der Steuermarke: 2026-0815" in status

    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    cash = checking_client(app)
    log_in_clerk(cash, "kasse")
    token = csrf_token(cash.get("/verwaltung/kasse/"))
    made = cash.post("/verwaltung/kasse/lastschriften", data={"csrf_token": token})
    assert made.status_code == 200
    assert made.mimetype == "application/xml"
    document = etree.fromstring(made.get_data())
    etree.XMLSchema(etree.parse(str(PAIN_008))).assertValid(document)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    [transaction] = document.findall(".//p:DrctDbtTxInf", ns)
    assert transaction.findtext(".//p:MndtId", namespaces=ns) == (
        f"HST-{sent.get_json()['reference']}"
    )
    assert transaction.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == IBAN
    assert document.findtext(".//p:PmtTpInf/p:SeqTp", namespaces=ns) == "FRST"
    assert kassenzeichen in (transaction.findtext(".//p:Ustrd", namespaces=ns) or "")
    again = cash.post("/verwaltung/kasse/lastschriften", data={"csrf_token": token})
    assert "Alle Lastschriften sind schon exportiert" in page_text(again.get_data(as_text=True))
