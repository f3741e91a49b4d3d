"""The citizen sees the truth about the money: a closed notice or fine says why and offers no
payment, refunds show how the money goes back, and a paid notice or fine gives a proof of
payment on the page, as a PDF and once by mail."""

from __future__ import annotations

import uuid

import pypdfium2
from flask import Flask
from sqlalchemy import func, select, update

from server.extensions import db
from server.fines.models import CaseStatus, FineCase
from server.formatting import city_today
from server.mail.models import OutboxMail
from server.payments import events
from server.payments.closing import close_receivable
from server.payments.journal import book
from server.payments.models import (
    BookingKind,
    BookingSource,
    ClosingReason,
    OnlinePayment,
    Refund,
)
from server.payments.receivables import find_by_kassenzeichen
from server.payments.references import format_kassenzeichen
from server.payments.statement_import import import_statement_file
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.model import Entry, Statement, TransactionDetail
from tests.checking_client import CheckingClient, csrf_token
from tests.conftest import LiveServer
from tests.factories import make_fine_case, make_receivable
from tests.integration.certificates.test_certificates import citizen_browser, make_citizen
from tests.integration.payments.test_payments_citizen import grant_by_lookup, pay_online, text_of
from tests.threads import Wait, times, together

DISCONTINUED = "Das Verfahren wurde eingestellt. Sie müssen nichts zahlen."
PAYER_IBAN = "DE89370400440532013000"


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def close(app: Flask, kassenzeichen: str, reason: ClosingReason) -> None:
    with app.app_context():
        receivable = find_by_kassenzeichen(kassenzeichen)
        assert receivable is not None
        close_receivable(receivable, reason=reason, actor="test")


def book_transfer(app: Flask, kassenzeichen: str, amount_cents: int, entry: str = "E-1") -> None:
    """A bank transfer as the statement import books it."""
    with app.app_context(), db.transaction() as session:
        receivable = find_by_kassenzeichen(kassenzeichen)
        assert receivable is not None
        book(
            session,
            receivable=receivable,
            kind=BookingKind.PAYMENT,
            amount_cents=amount_cents,
            source=BookingSource.BANK,
            source_ref=f"bank:DE02120300000000202051:{entry}:0",
            counterparty_name="Erika Mustermann",
            counterparty_iban=PAYER_IBAN,
        )


def statement_paying(app: Flask, case: dict[str, str]) -> bytes:
    amount = int(case["amount_cents"])
    return write_camt053(
        [
            Statement(
                statement_id="S-PROOF",
                account_iban=app.config["PAYEE_IBAN"],
                from_date=city_today(),
                to_date=city_today(),
                opening_balance_cents=0,
                closing_balance_cents=amount,
                entries=(
                    Entry(
                        entry_ref="E-PROOF-1",
                        amount_cents=amount,
                        credit=True,
                        booking_date=city_today(),
                        details=(
                            TransactionDetail(
                                amount_cents=amount,
                                creditor_reference=case["rf_reference"],
                                debtor_name="Erika Mustermann",
                                debtor_iban=PAYER_IBAN,
                            ),
                        ),
                    ),
                ),
                source_format="camt.053.001.08",
            )
        ]
    )


def add_hearing_email(app: Flask, case: dict[str, str], email: str) -> None:
    from server.fines import hearing
    from server.fines.models import StatementKind

    with app.test_request_context("/"):
        found = db.session.get(FineCase, int(case["case_id"]))
        assert found is not None
        hearing.submit_statement(
            found,
            submission_id=uuid.uuid4().hex,
            kind=StatementKind.ADMIT,
            text="",
            person=hearing.Person("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", None),
            driver=None,
            email=email,
        )


def proof_mails(app: Flask) -> list[OutboxMail]:
    with app.app_context():
        mails = db.session.scalars(
            select(OutboxMail).where(OutboxMail.attachment_name.like("zahlungsbestaetigung-%"))
        ).all()
        for mail in mails:
            db.session.expunge(mail)
        return list(mails)


def online_payments(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(OnlinePayment.id))) or 0)


# --- closed notices and fines ------------------------------------------------------------------


def test_a_discontinued_fine_says_why_and_offers_no_payment(client: CheckingClient) -> None:
    app = client.application
    case = make_fine_case(app)
    client.get(f"/b/{case['token']}")
    close(app, case["kassenzeichen"], ClosingReason.DISCONTINUED)

    page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    text = text_of(page)
    assert DISCONTINUED in text
    assert "online bezahlen" not in text
    assert "Per Überweisung bezahlen" not in text
    assert "bitte bis" not in text  # no countdown
    assert "Frist" not in text
    # A POST from a page opened before the decision starts no payment.
    refused = client.post(
        f"/bussgeld/fall/{case['aktenzeichen']}/bezahlen", data={"csrf_token": csrf_token(page)}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/bussgeld/fall/{case['aktenzeichen']}"
    assert DISCONTINUED in text_of(client.get(refused.headers["Location"]))

    notice_url = client.get(f"/bussgeld/fall/{case['aktenzeichen']}/ueberweisung").location
    notice = client.get(notice_url)
    text = text_of(notice)
    assert DISCONTINUED in text
    assert "online bezahlen" not in text
    assert "Per Überweisung" not in text
    assert "GiroCode" not in text
    assert "Fällig am" not in text
    assert "Bezahlt" not in text
    assert "<svg" not in notice.get_data(as_text=True)
    refused = client.post(f"{notice_url}/online", data={"csrf_token": csrf_token(notice)})
    assert (refused.status_code, refused.headers["Location"]) == (302, notice_url)
    assert online_payments(app) == 0


def test_the_payment_lookup_of_a_closed_notice_says_why(client: CheckingClient) -> None:
    _, kassenzeichen, _ = make_receivable(client.application, amount_cents=2500)
    close(client.application, kassenzeichen, ClosingReason.WITHDRAWN)
    found = grant_by_lookup(client, kassenzeichen, "25,00")
    assert found.status_code == 302
    text = text_of(client.get(found.headers["Location"]))
    assert "Der Antrag wurde zurückgenommen. Sie müssen nichts zahlen." in text
    assert "online bezahlen" not in text


def test_a_continued_case_offers_no_payment_of_its_verwarnungsgeld(
    client: CheckingClient,
) -> None:
    app = client.application
    case = make_fine_case(app)
    client.get(f"/b/{case['token']}")
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(FineCase)
            .where(FineCase.aktenzeichen == case["aktenzeichen"])
            .values(status=CaseStatus.CONTINUED.value)
        )
    # Even before (or without) the closing of its receivable: no pay button, no payment.
    page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    text = text_of(page)
    assert "online bezahlen" not in text
    assert "Die Bußgeldstelle erlässt einen Bußgeldbescheid." in text
    client.post(
        f"/bussgeld/fall/{case['aktenzeichen']}/bezahlen", data={"csrf_token": csrf_token(page)}
    )
    assert online_payments(app) == 0
    close(app, case["kassenzeichen"], ClosingReason.REPLACED)
    text = text_of(client.get(f"/bussgeld/fall/{case['aktenzeichen']}"))
    assert "durch einen neuen Bescheid ersetzt" in text
    assert "online bezahlen" not in text


def fine_paid_by_transfer(app: Flask) -> tuple[dict[str, str], CheckingClient, int]:
    """A fine case opened by a logged-in citizen (the notice linked to the account) and paid
    in full by bank transfer: the case, the citizen's browser, the amount."""
    citizen_id = make_citizen(app)
    client = citizen_browser(app, citizen_id=citizen_id)
    case = make_fine_case(app)
    client.get(f"/b/{case['token']}")
    client.get(f"/bussgeld/fall/{case['aktenzeichen']}/ueberweisung")  # links the notice
    amount = int(case["amount_cents"])
    book_transfer(app, case["kassenzeichen"], amount)
    return case, client, amount


def test_a_paid_fine_that_is_discontinued_shows_the_refund_and_the_account_says_so(
    app: Flask,
) -> None:
    case, client, amount = fine_paid_by_transfer(app)
    assert "bezahlt" in text_of(client.get("/konto"))
    close(app, case["kassenzeichen"], ClosingReason.DISCONTINUED)
    with app.app_context():
        refunds = db.session.scalars(select(Refund)).all()
        assert [(r.amount_cents, r.creditor_iban) for r in refunds] == [(amount, PAYER_IBAN)]

    text = text_of(client.get(f"/bussgeld/fall/{case['aktenzeichen']}"))
    assert DISCONTINUED in text
    assert "Erstattung" in text
    euros = f"{amount // 100},{amount % 100:02d}\xa0€".replace("\xa0", " ")
    assert f"{euros} Überweisung auf Ihr Konto, veranlasst am" in text
    assert "Zahlungsbestätigung" not in text
    notice = text_of(client.get(f"/zahlungen/{case['kassenzeichen']}"))
    assert "Überweisung auf Ihr Konto" in notice
    assert "online bezahlen" not in notice
    assert client.get(f"/zahlungen/{case['kassenzeichen']}/zahlungsbestaetigung.pdf").status == (
        "404 NOT FOUND"
    )
    account = text_of(client.get("/konto"))
    assert "erledigt: Verfahren eingestellt, erstattet" in account
    assert "eingestellt" in account
    # The refund is news: by mail to the account's address and in its Postfach, once.
    page = client.get("/konto").get_data(as_text=True)
    box = page[page.index('id="postfach-nachrichten"') :]
    printed = format_kassenzeichen(case["kassenzeichen"])
    assert f"Erstattung zum Kassenzeichen {printed}" in box
    assert box.count(f"Erstattung zum Kassenzeichen {printed}</summary>") == 1
    with app.app_context():
        mails = [
            mail
            for mail in db.session.scalars(select(OutboxMail))
            if mail.subject.startswith("Erstattung")
        ]
    assert len(mails) == 1
    assert f"{euros} zum Kassenzeichen" in mails[0].body.replace("\xa0", " ")
    assert "Überweisung auf Ihr Konto" in mails[0].body


def test_the_account_says_erledigt_for_a_closed_notice_without_money(app: Flask) -> None:
    client = citizen_browser(app)
    _, kassenzeichen, token = make_receivable(app)
    client.get(f"/zahlungen/z/{token}")
    assert "offen" in text_of(client.get("/konto"))
    close(app, kassenzeichen, ClosingReason.FORWARDED)
    account = text_of(client.get("/konto"))
    assert "erledigt: an die benannte Person abgegeben" in account
    assert "erstattet" not in account


# --- proof of payment --------------------------------------------------------------------------


def test_a_fine_paid_by_transfer_gives_a_proof_on_the_page_as_pdf_and_once_by_mail(
    client: CheckingClient,
) -> None:
    app = client.application
    case = make_fine_case(app)
    add_hearing_email(app, case, "erika@example.de")
    client.get(f"/b/{case['token']}")
    statement = statement_paying(app, case)
    with app.app_context():
        import_statement_file(statement)
        import_statement_file(statement)  # the same statement again books and mails nothing
        receivable = find_by_kassenzeichen(case["kassenzeichen"])
        assert receivable is not None
        with db.transaction():  # a settlement reported again
            events.receivable_settled(receivable)
    amount = int(case["amount_cents"])
    euros = f"{amount // 100},{amount % 100:02d}"
    printed = format_kassenzeichen(case["kassenzeichen"])

    page = text_of(client.get(f"/bussgeld/fall/{case['aktenzeichen']}"))
    assert "Bezahlt: Der Vorgang ist abgeschlossen." in page
    assert "Zahlungsbestätigung" in page
    assert "Zahlungsweg Überweisung" in page
    assert f"Betrag {euros} €" in page
    assert "Referenz E-PROOF-1" in page
    assert f"Kassenzeichen {printed}" in page
    assert "Zahlungsbestätigung herunterladen (PDF)" in page

    pdf = client.get(f"/zahlungen/{case['kassenzeichen']}/zahlungsbestaetigung.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data())
    for expected in ("Zahlungsbestätigung", printed, f"{euros}", "Überweisung", "E-PROOF-1"):
        assert expected in text, expected
    # Another browser without the letter gets nothing.
    assert (
        app.test_client()
        .get(f"/zahlungen/{case['kassenzeichen']}/zahlungsbestaetigung.pdf")
        .status_code
        == 404
    )

    mails = proof_mails(app)
    assert [m.recipient for m in mails] == ["erika@example.de"]
    assert mails[0].subject == f"Zahlungsbestätigung zum Kassenzeichen {printed}"
    assert "Zahlungsweg: Überweisung" in mails[0].body
    assert mails[0].attachment is not None
    assert printed in pdf_text(mails[0].attachment)


def test_parallel_imports_of_the_paying_statement_mail_the_proof_once(app: Flask) -> None:
    case = make_fine_case(app)
    add_hearing_email(app, case, "erika@example.de")
    statement = statement_paying(app, case)

    def run(wait: Wait) -> None:
        with app.app_context():
            try:
                wait()
                import_statement_file(statement)
            finally:
                db.session.close()

    together(times(2, run))  # any thread's exception fails the test
    assert len(proof_mails(app)) == 1


def test_a_notice_paid_online_shows_the_method_and_the_platforms_reference(
    live_server: LiveServer,
) -> None:
    app = live_server.app
    client, kassenzeichen, return_path = pay_online(live_server, "PAYED")
    page = client.get(return_path, follow_redirects=True)
    client.get(return_path)  # reloading the return page reports the payment again
    text = text_of(page)
    assert "Zahlungsbestätigung" in text
    assert "Zahlungsweg Online-Zahlung (PayPal)" in text
    with app.app_context():
        payment = db.session.scalars(select(OnlinePayment)).one()
        reference = payment.provider_payment_id
    assert f"Referenz {reference}" in text
    pdf = pdf_text(client.get(f"/zahlungen/{kassenzeichen}/zahlungsbestaetigung.pdf").get_data())
    assert "Online-Zahlung (PayPal)" in pdf
    assert "35,00" in pdf
    # Nobody gave an address for this notice: no mail.
    assert proof_mails(app) == []


def test_a_logged_in_citizens_online_payment_mails_the_proof_to_the_account(
    live_server: LiveServer,
) -> None:
    import re

    import requests

    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    client = citizen_browser(app)
    _, kassenzeichen, token = make_receivable(app, amount_cents=3500)
    client.get(f"/zahlungen/z/{token}")  # links the notice to the account
    page = client.get(f"/zahlungen/{kassenzeichen}")
    started = client.post(
        f"/zahlungen/{kassenzeichen}/online", data={"csrf_token": csrf_token(page)}
    )
    browser = requests.Session()
    form = browser.get(started.headers["Location"], timeout=10)
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token_field
    back = browser.post(
        started.headers["Location"],
        data={"csrf_token": token_field.group(1), "outcome": "PAYED", "method": "Wero"},
        allow_redirects=False,
        timeout=10,
    )
    client.get(back.headers["Location"].removeprefix(live_server.url))
    mails = proof_mails(app)
    assert [m.recipient for m in mails] == ["erika@example.de"]
    assert "Zahlungsweg: Online-Zahlung (Wero)" in mails[0].body
    # The account's Postfach holds the same proof, linked to the notice.
    account = client.get("/konto").get_data(as_text=True)
    box = account[account.index('id="postfach-nachrichten"') :]
    assert mails[0].subject in box
    assert f"/zahlungen/{kassenzeichen}" in box


# --- a rejected order --------------------------------------------------------------------------


def test_a_rejected_order_shows_the_reason_and_the_refund_not_the_success_panel(
    live_server: LiveServer,
) -> None:
    from tests.integration.certificates.test_certificates import (
        ORDER,
        decide,
        paid_order,
        registry_clerk,
    )

    app = live_server.app
    citizen, order = paid_order(live_server)
    clerk = registry_clerk(app)
    decided = decide(clerk, order, "abgelehnt", grund="Kein Eintrag im Geburtenregister der Stadt.")
    assert decided.status_code == 302
    assert order.kassenzeichen
    # The closing of the fee's receivable (the registry office's decision reaching the money).
    close(app, order.kassenzeichen, ClosingReason.REJECTED)

    page = citizen.get(f"{ORDER}/eingegangen/{order.reference}")
    text = text_of(page)
    assert f"Abgelehnt: Ihr Antrag {order.reference}" in text
    assert "Grund der Ablehnung: Kein Eintrag im Geburtenregister der Stadt." in text
    assert "18,00 € zurück über PayPal, erstattet am" in text
    assert "Ihre Eingangsnummer:" not in text  # the success panel
    assert "kern-alert--success" not in page.get_data(as_text=True)
    assert "Die Urkunde kommt mit der Post" not in text
    assert "Jetzt bezahlen" not in text

    account = text_of(citizen.get("/konto"))
    assert "Abgelehnt" in account
    assert "erledigt: Antrag abgelehnt, erstattet" in account
    assert "Jetzt bezahlen" not in account
    assert "offen" not in account.replace("Zahlung offen", "")

    notice = text_of(citizen.get(f"/zahlungen/{order.kassenzeichen}"))
    assert "Der Antrag wurde abgelehnt. Sie müssen nichts zahlen." in notice
    assert "zurück über PayPal" in notice
    assert "online bezahlen" not in notice
    again = citizen.post(
        f"{ORDER}/eingegangen/{order.reference}/bezahlen",
        data={"csrf_token": csrf_token(page)},
    )
    assert again.status_code == 303
    assert again.location.endswith(f"{ORDER}/eingegangen/{order.reference}")
    assert online_payments(app) == 1
