"""Deregistering a dog on both databases: the citizen names their approved registration (tax
tag number or Eingangsnummer), the tax office confirms, and the tax ends with the month the dog
left: the year's receivable is reduced with a cancellation booking, what was paid beyond the tax
owed is refunded, a collection not yet exported collects only what is open (or nothing), the
mandate is not used again; once per dog, however often or by whom it is confirmed.

"Today" is 10 June 2026 for the dog tax (``city_today`` patched), so that the months are known."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from server.forms.models import FormStatusEvent, FormSubmission
from server.hundesteuer import deregistration, tax
from server.hundesteuer.models import DogDeregistration, DogTaxYear
from server.payments.direct_debits import Mandate, request_collection
from server.payments.journal import balance_of
from server.payments.models import (
    Booking,
    BookingKind,
    DirectDebit,
    Receivable,
    Refund,
    SepaMandate,
)
from server.payments.receivables import add_receivable, find_by_kassenzeichen
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.integration.helpers import log_in_clerk
from tests.integration.hundesteuer.test_hundesteuer import approve, register
from tests.integration.meldebescheinigung.test_meldebescheinigung import citizen
from tests.integration.payments.test_payments_truth import PAYER_IBAN, book_transfer

FORM = "/antraege/hundesteuer-abmeldung"
INBOX = "/verwaltung/antraege/hundesteuer-abmeldung/"
JSON = {"Accept": "application/json"}
TODAY = date(2026, 6, 10)
KEPT_SINCE = "2026-05-20"  # taxed from June: seven months, 56 € of 96 €
TAG = "2026-0815"


@pytest.fixture(autouse=True)
def june(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tax, "city_today", lambda: TODAY)
    monkeypatch.setattr(deregistration, "city_today", lambda: TODAY)


def registered(app: Flask, **changes: str) -> tuple[CheckingClient, str]:
    """A citizen with an approved dog: the client and the registration's reference."""
    client = citizen(app, trust="low")
    sent = register(client, seit=KEPT_SINCE, **changes)
    assert sent.status_code == 200, sent.get_data(as_text=True)[:400]
    reference = sent.get_json()["reference"]
    approve(app, reference, tag=TAG)
    return client, reference


def deregister(client: CheckingClient, **changes: str) -> Any:
    data = {
        "submission_id": str(uuid.uuid4()),
        "anmeldung": TAG,
        "name": "Erika Mustermann",
        "email": "erika@example.de",
        "anlass": "verstorben",
        "bis": "2026-07-05",
    }
    data.update(changes)
    token = csrf_token(client.get("/"))
    return client.post(f"{FORM}/absenden", data=data, headers={**JSON, "X-CSRFToken": token})


def decide(app: Flask, reference: str, status: str = "abgemeldet", **inputs: str) -> list[int]:
    """The tax office sets the status, twice (a second tab); the status codes."""
    clerk = checking_client(app)
    log_in_clerk(clerk, "steueramt")  # made by ``approve``
    with app.app_context():
        submission_id = db.session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == reference)
        )
    url = f"{INBOX}{submission_id}"
    data = {"csrf_token": csrf_token(clerk.get(url)), "status": status}
    data.update({f"{status}-{name}": value for name, value in inputs.items()})
    return [clerk.post(url, data=data).status_code for _ in range(2)]


def receivable_of(registration: str) -> Receivable:
    submission_id = db.session.scalar(
        select(FormSubmission.id).where(FormSubmission.reference == registration)
    )
    [assessed] = db.session.scalars(
        select(DogTaxYear).where(DogTaxYear.submission_id == submission_id)
    ).all()
    receivable = db.session.get(Receivable, assessed.receivable_id)
    assert receivable is not None
    return receivable


def cancellations(receivable: Receivable) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking).where(
                Booking.receivable_id == receivable.id,
                Booking.kind == BookingKind.CANCELLATION.value,
            )
        )
    )


def test_the_tax_ends_with_the_month_the_dog_left() -> None:
    assert tax.taxed_until(date(2026, 7, 5)) == date(2026, 7, 31)
    assert tax.taxed_until(date(2026, 7, 1)) == date(2026, 7, 31)
    assert tax.taxed_until(date(2026, 12, 31)) == date(2026, 12, 31)
    assert tax.taxed_until(date(2028, 2, 3)) == date(2028, 2, 29)
    # June and July of a tax from June: two twelfths.
    assert tax.owed_amount(9600, date(2026, 6, 1), date(2026, 7, 31), 2026) == 1600
    assert tax.owed_amount(9600, date(2026, 6, 1), date(2026, 5, 31), 2026) == 0
    assert tax.owed_amount(9600, date(2025, 4, 1), date(2026, 2, 28), 2026) == 1600
    assert tax.owed_amount(9600, date(2026, 1, 1), date(2027, 3, 31), 2026) == 9600


def test_only_the_citizens_approved_dog_within_the_dates(app: Flask) -> None:
    client, reference = registered(app)
    stranger = citizen(app, trust="low")
    assert deregister(stranger).get_json()["errors"] == {
        "anmeldung": [
            "Zu dieser Nummer finden wir keinen Hund, den Sie angemeldet haben und dessen "
            "Anmeldung bestätigt ist. Bitte prüfen Sie die Nummer."
        ]
    }
    assert deregister(client, bis="2026-07-20").get_json()["errors"] == {
        "bis": ["Sie können einen Hund höchstens einen Monat im Voraus abmelden."]
    }
    assert deregister(client, bis="2026-05-19").get_json()["errors"] == {
        "bis": ["Das Datum liegt vor dem Beginn der Haltung laut Ihrer Anmeldung (20.05.2026)."]
    }
    # The Eingangsnummer does as well as the tag number, in any case.
    sent = deregister(client, anmeldung=reference.lower(), anlass="abgegeben")
    assert sent.status_code == 200, sent.get_json()
    # Once: a second deregistration of the same dog is refused while the first waits.
    assert deregister(client).get_json()["errors"] == {
        "anmeldung": ["Diesen Hund haben Sie schon abgemeldet."]
    }


def test_confirmation_reduces_the_receivable_and_its_collection_once(app: Flask) -> None:
    client, registration = registered(app)
    sent = deregister(client)
    assert sent.status_code == 200, sent.get_json()
    reference = sent.get_json()["reference"]
    assert decide(app, reference) == [302, 302]

    with app.app_context():
        receivable = receivable_of(registration)
        assert receivable.amount_cents == 5600  # June to December
        [booking] = cancellations(receivable)
        assert booking.amount_cents == 4000  # August to December
        assert booking.note == f"Absetzung: Hund abgemeldet, Steuer bis 07/2026, {reference}"
        assert balance_of(db.session, receivable).open_cents == 1600
        [debit] = db.session.scalars(select(DirectDebit)).all()
        assert (debit.state, debit.amount_cents) == ("requested", 1600)
        [mandate] = db.session.scalars(select(SepaMandate)).all()
        assert mandate.ended_at is not None
        # The mandate is not used again: a further collection under it is not requested.
        with db.transaction() as session:
            later = add_receivable(
                session,
                purpose=tax.PURPOSE,
                amount_cents=9600,
                description="Hundesteuer 2027",
                debtor_name="Erika Mustermann",
                due_date=date(2027, 1, 15),
            )
            request_collection(
                session,
                later.receivable,
                Mandate(mandate.reference, mandate.debtor_name, mandate.debtor_iban, TODAY),
                date(2027, 1, 15),
            )
        assert db.session.scalar(select(func.count(DirectDebit.id))) == 1
        [ended] = db.session.scalars(select(DogDeregistration)).all()
        assert (ended.left_on, ended.taxed_until) == (date(2026, 7, 5), date(2026, 7, 31))
        # No later year: the yearly assessment would find the dog not taxed in 2027.
        assert tax.assessable(db.session, ended.registration_id, 2026)
        assert not tax.assessable(db.session, ended.registration_id, 2027)

    status = page_text(client.get(f"{FORM}/eingegangen/{reference}").get_data(as_text=True))
    assert "Abgemeldet" in status


def test_what_was_paid_beyond_the_tax_owed_is_refunded(app: Flask) -> None:
    client, registration = registered(
        app, zahlweise="ueberweisung", kontoinhaber="", iban="", mandat=""
    )
    with app.app_context():
        kassenzeichen = receivable_of(registration).kassenzeichen
    book_transfer(app, kassenzeichen, 5600)
    sent = deregister(client, bis="2026-06-01", anlass="weggezogen")
    assert decide(app, sent.get_json()["reference"]) == [302, 302]

    with app.app_context():
        receivable = find_by_kassenzeichen(kassenzeichen)
        assert receivable is not None
        [booking] = cancellations(receivable)
        assert booking.amount_cents == 4800  # July to December
        [refund] = db.session.scalars(select(Refund)).all()
        assert refund.amount_cents == 4800
        assert refund.creditor_iban == PAYER_IBAN  # back to the account it came from
        assert refund.state == "requested"  # in the next credit transfer file
        balance = balance_of(db.session, receivable)
        assert (balance.paid_cents, balance.open_cents) == (800, 0)
        assert db.session.scalars(select(DirectDebit)).all() == []


def test_a_collection_not_yet_exported_is_cancelled(app: Flask) -> None:
    client, registration = registered(app)
    sent = deregister(client, bis="2026-05-25")  # left before the first month taxed
    reference = sent.get_json()["reference"]
    assert decide(app, reference) == [302, 302]
    with app.app_context():
        receivable = receivable_of(registration)
        [booking] = cancellations(receivable)
        assert booking.amount_cents == 5600
        assert booking.note == (
            f"Absetzung: Steuerpflicht beendet (Hund abgemeldet, Steuer bis 05/2026, {reference})"
        )
        # Nothing owed for the year: the receivable is closed, not "paid".
        assert receivable.closed_reason == "ended"
        assert balance_of(db.session, receivable).status == "closed"
        assert balance_of(db.session, receivable).open_cents == 0
        [debit] = db.session.scalars(select(DirectDebit)).all()
        assert (debit.state, debit.amount_cents, debit.export_file) == ("cancelled", 5600, None)
        assert db.session.scalars(select(Refund)).all() == []
    # The cash office's pain.008 file has nothing to collect.
    from server.auth.roles import Role
    from tests.factories import make_clerk

    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    cash = checking_client(app)
    log_in_clerk(cash, "kasse")
    token = csrf_token(cash.get("/verwaltung/kasse/"))
    made = cash.post("/verwaltung/kasse/lastschriften", data={"csrf_token": token})
    assert made.mimetype != "application/xml"


def test_a_second_deregistration_of_the_dog_has_no_effect(app: Flask) -> None:
    client, registration = registered(app)
    first = deregister(client).get_json()["reference"]
    # A second one as if sent before the first arrived (the form refuses it after).
    with app.app_context(), db.transaction() as session:
        original = session.scalar(select(FormSubmission).where(FormSubmission.reference == first))
        assert original is not None
        copy = FormSubmission(
            submission_id=str(uuid.uuid4()),
            service=original.service,
            role=original.role,
            citizen_id=original.citizen_id,
            answers={**original.answers, "bis": "2026-06-02"},
            status="eingegangen",
        )
        session.add(copy)
        session.flush()
        copy.reference = f"HSTAB-2026-{copy.id:06d}"
        second = copy.reference
    assert decide(app, first) == [302, 302]
    clerk = checking_client(app)
    log_in_clerk(clerk, "steueramt")
    with app.app_context():
        copy_id = db.session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == second)
        )
    url = f"{INBOX}{copy_id}"
    refused = clerk.post(
        url, data={"csrf_token": csrf_token(clerk.get(url)), "status": "abgemeldet"}
    )
    assert refused.status_code == 422
    assert "Dieser Hund ist schon abgemeldet." in page_text(refused.get_data(as_text=True))
    with app.app_context():
        receivable = receivable_of(registration)
        assert [b.amount_cents for b in cancellations(receivable)] == [4000]
        assert db.session.scalar(select(func.count(DogDeregistration.id))) == 1
        still = db.session.get(FormSubmission, copy_id)
        assert still is not None
        assert still.status == "eingegangen"
        assert (
            db.session.scalar(
                select(func.count(FormStatusEvent.id)).where(
                    FormStatusEvent.submission_id == copy_id
                )
            )
            == 0
        )


def test_a_refusal_changes_nothing(app: Flask) -> None:
    client, registration = registered(app)
    sent = deregister(client)
    assert decide(app, sent.get_json()["reference"], "abgelehnt", grund="Hund lebt noch.") == [
        302,
        302,
    ]
    with app.app_context():
        receivable = receivable_of(registration)
        assert cancellations(receivable) == []
        [debit] = db.session.scalars(select(DirectDebit)).all()
        assert (debit.state, debit.amount_cents) == ("requested", 5600)
    status = page_text(
        client.get(f"{FORM}/eingegangen/{sent.get_json()['reference']}").get_data(as_text=True)
    )
    assert "Hund lebt noch." in status


def test_the_catalogue_offers_it_next_to_the_registration_on_one_tile(app: Flask) -> None:
    client = checking_client(app)
    page = client.get("/dienste/hundesteuer").get_data(as_text=True)
    assert 'href="/dienste/hundesteuer-abmeldung"' in page
    deregistering = page_text(client.get("/dienste/hundesteuer-abmeldung").get_data(as_text=True))
    assert "Hund abmelden (Hundesteuer)" in deregistering
    assert "Die Nummer der Steuermarke oder die Eingangsnummer der Anmeldung" in deregistering
    start = client.get("/").get_data(as_text=True)
    assert 'href="/dienste/hundesteuer"' in start or "/antraege/hundesteuer" in start
    assert "hundesteuer-abmeldung" not in start
    privacy = page_text(client.get(f"{FORM}/datenschutz").get_data(as_text=True))
    assert "Hundesteuersatzung" in privacy


def test_the_new_year_assesses_every_taxed_dog_once(app: Flask) -> None:
    """The yearly job: January's run gives each registered dog the year's tax from January,
    with its collection under the mandate, once however often it runs; a dog deregistered
    last year gets nothing."""
    _client, kept = registered(app)
    leaving = citizen(app, trust="low")
    gone = register(leaving, seit=KEPT_SINCE, hund_name="Rex").get_json()["reference"]
    clerk = checking_client(app)
    log_in_clerk(clerk, "steueramt")
    with app.app_context():
        gone_id = db.session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == gone)
        )
    url = f"/verwaltung/antraege/hundesteuer/{gone_id}"
    approved = clerk.post(
        url,
        data={
            "csrf_token": csrf_token(clerk.get(url)),
            "status": "angemeldet",
            "angemeldet-steuermarke": "2026-0816",
        },
    )
    assert approved.status_code == 302
    assert deregister(leaving, anmeldung=gone).status_code == 200
    with app.app_context():
        reference = db.session.scalars(
            select(FormSubmission.reference).where(
                FormSubmission.service == "hundesteuer-abmeldung"
            )
        ).one()
    assert reference is not None
    assert decide(app, reference)[0] == 302
    january = date(TODAY.year + 1, 1, 2)
    with app.test_request_context():
        first = tax.assess_new_year(january)
        again = tax.assess_new_year(january)
        assessed = db.session.execute(
            select(FormSubmission.reference, Receivable.amount_cents, Receivable.description)
            .join(DogTaxYear, DogTaxYear.submission_id == FormSubmission.id)
            .join(Receivable, Receivable.id == DogTaxYear.receivable_id)
            .where(DogTaxYear.year == january.year)
        ).all()
        collections = db.session.scalars(
            select(DirectDebit.amount_cents)
            .join(DogTaxYear, DogTaxYear.receivable_id == DirectDebit.receivable_id)
            .where(DogTaxYear.year == january.year)
        ).all()
        full_year = tax.rates().first_dog_cents
    assert first == {"assessed": 1, "unchanged": 1}  # Rex left in July: not taxed
    assert again == {"assessed": 0, "unchanged": 1}
    assert [(ref, cents) for ref, cents, _text in assessed] == [(kept, full_year)]
    assert f"Hundesteuer {january.year} ab 01/{january.year}, Steuermarke {TAG}" in assessed[0][2]
    assert collections == [full_year]  # the mandate collects the new year too


def test_a_dog_leaving_in_january_owes_the_new_year_only_to_then(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    december = date(2026, 12, 20)
    monkeypatch.setattr(tax, "city_today", lambda: december)
    monkeypatch.setattr(deregistration, "city_today", lambda: december)
    client, registration = registered(app)
    sent = deregister(client, bis="2027-01-10")  # the tax ends with January 2027
    assert sent.status_code == 200, sent.get_data(as_text=True)[:400]
    assert decide(app, sent.get_json()["reference"])[0] == 302
    with app.test_request_context():
        assert tax.assess_new_year(date(2027, 1, 2)) == {"assessed": 1, "unchanged": 0}
        amounts = db.session.scalars(
            select(Receivable.amount_cents)
            .join(DogTaxYear, DogTaxYear.receivable_id == Receivable.id)
            .join(FormSubmission, FormSubmission.id == DogTaxYear.submission_id)
            .where(FormSubmission.reference == registration, DogTaxYear.year == 2027)
        ).all()
        one_month = round(tax.rates().first_dog_cents / 12)
    assert amounts == [one_month]
