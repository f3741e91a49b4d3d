"""The letter opens the case; the Verwarnungsgeld closes it, whichever way it is paid."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.extensions import db
from server.fines.models import FineCase
from server.formatting import city_today
from server.payments.statement_import import import_statement_file
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.model import Entry, Statement, TransactionDetail
from tests.checking_client import CheckingClient, checking_client, csrf_in, csrf_token, element
from tests.conftest import LiveServer, make_test_app
from tests.factories import make_fine_case
from tests.integration.payments.test_payments_citizen import text_of


def open_by_code(client: CheckingClient, aktenzeichen: str, code: str) -> TestResponse:
    page = client.get("/bussgeld")
    return client.post(
        "/bussgeld",
        data={"csrf_token": csrf_token(page), "aktenzeichen": aktenzeichen, "access_code": code},
    )


def page_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def client_from(app: Flask, address: str) -> CheckingClient:
    client = checking_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def case_status(app: Flask, aktenzeichen: str) -> str:
    with app.app_context():
        case = db.session.query(FineCase).filter_by(aktenzeichen=aktenzeichen).one()
        return case.status


def test_the_qr_link_opens_the_case_with_everything_on_the_letter(client: CheckingClient) -> None:
    case = make_fine_case(client.application, plate="mu-em 123")
    response = client.get(f"/b/{case['token']}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = text_of(page)
    assert case["aktenzeichen"] in text
    assert "MU-EM 123" in text
    assert "Marktplatz 4" in text
    assert "online bezahlen" in text
    assert "Einspruch ist erst gegen einen Bußgeldbescheid möglich" in text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/b/not-a-token").status_code == 404


def test_typed_access_code_opens_the_case_however_it_is_typed(client: CheckingClient) -> None:
    case = make_fine_case(client.application)
    sloppy = case["access_code"].lower().replace("-", " ")
    response = open_by_code(client, f" {case['aktenzeichen'].lower()} ", sloppy)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bussgeld/fall/{case['aktenzeichen']}"


def test_wrong_code_and_unknown_aktenzeichen_get_the_same_answer(client: CheckingClient) -> None:
    case = make_fine_case(client.application)
    wrong_code = open_by_code(client, case["aktenzeichen"], "AAAA-BBBB-CCCC-DDDD")
    unknown = open_by_code(client, "BG-2026-999999", case["access_code"])
    assert wrong_code.status_code == unknown.status_code == 422
    assert "passen nicht zusammen" in text_of(wrong_code)
    assert text_of(wrong_code).replace(case["aktenzeichen"], "X") == text_of(unknown).replace(
        "BG-2026-999999", "X"
    )
    soup = BeautifulSoup(wrong_code.get_data(as_text=True), "lxml")
    assert (
        element(soup.find("input", attrs={"name": "aktenzeichen"}))["value"] == case["aktenzeichen"]
    )
    # Another browser without the letter is asked for the code, not shown the case.
    other = checking_client(client.application)
    asked = other.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    assert asked.status_code == 403
    assert "Bitte geben Sie den Zugangscode ein." in text_of(asked)
    assert case["access_code"] not in text_of(asked)
    assert "MU-EM" not in text_of(asked)


def test_a_case_link_without_access_asks_for_the_code_alike_for_unknown_cases(
    client: CheckingClient,
) -> None:
    case = make_fine_case(client.application)
    known = client.get(f"/bussgeld/fall/{case['aktenzeichen'].lower()}")
    unknown = client.get("/bussgeld/fall/BG-2026-999999")
    assert known.status_code == unknown.status_code == 403
    assert text_of(known).replace(case["aktenzeichen"], "X") == text_of(unknown).replace(
        "BG-2026-999999", "X"
    )
    soup = BeautifulSoup(known.get_data(as_text=True), "lxml")
    field = element(soup.find("input", attrs={"name": "aktenzeichen"}))
    assert field["value"] == case["aktenzeichen"]
    # The portal's own scanner is one tap away, and the code opens the case from here.
    assert element(soup.find("a", href="/bussgeld/scannen"))
    opened = open_by_code(client, case["aktenzeichen"], case["access_code"])
    assert opened.headers["Location"] == f"/bussgeld/fall/{case['aktenzeichen']}"
    assert client.get(opened.headers["Location"]).status_code == 200


def test_guessing_is_throttled_per_address_and_the_case_is_never_locked(backend: str) -> None:
    app = make_test_app(backend, FINES_ACCESS_RATE_LIMIT="3 per minute")
    case = make_fine_case(app)
    guesser = checking_client(app)
    for _ in range(3):
        assert open_by_code(guesser, case["aktenzeichen"], "WRONG").status_code == 422
    refused = open_by_code(guesser, case["aktenzeichen"], case["access_code"])
    assert refused.status_code == 429
    assert "Zu viele Anfragen" in text_of(refused)
    citizen = client_from(app, "10.1.2.3")
    assert open_by_code(citizen, case["aktenzeichen"], case["access_code"]).status_code == 302


def audit_actions(app: Flask, action: str) -> list[str]:
    from server.audit.models import AuditEntry

    with app.app_context():
        return [e.record_id for e in db.session.query(AuditEntry).filter_by(action=action)]


def test_wrong_codes_from_many_addresses_alert_but_never_lock_out_a_letter_holder(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_test_app(backend, FINES_ACCESS_GLOBAL_RATE_LIMIT="4 per minute")
    case = make_fine_case(app)
    for number in range(12):
        client = client_from(app, f"10.0.0.{number}")
        assert open_by_code(client, f"BG-2026-{number:06d}", "WRONG").status_code == 422
    # The operators hear of the burst once; the citizen with the letter still gets in.
    assert audit_actions(app, "security.guessing_burst") == ["fines-access"]
    assert capsys.readouterr().err.count("ERROR portal.security: guessing.burst") == 1
    late = client_from(app, "10.0.9.9")
    assert open_by_code(late, case["aktenzeichen"], case["access_code"]).status_code == 302


def test_guessing_one_aktenzeichen_stops_at_that_case_and_its_qr_link_still_opens_it(
    backend: str,
) -> None:
    app = make_test_app(backend, FINES_ACCESS_CASE_RATE_LIMIT="3 per hour")
    case = make_fine_case(app)
    other = make_fine_case(app)
    for number in range(3):
        guesser = client_from(app, f"10.0.1.{number}")
        assert open_by_code(guesser, case["aktenzeichen"], "WRONG").status_code == 422
    citizen = client_from(app, "10.0.2.1")
    # However it is typed, it is the same Aktenzeichen.
    refused = open_by_code(citizen, f" {case['aktenzeichen'].lower()} ", case["access_code"])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    text = text_of(refused)
    assert "Für dieses Aktenzeichen gab es zu viele Versuche" in text
    assert "QR-Code" in text
    soup = BeautifulSoup(refused.get_data(as_text=True), "lxml")
    assert (
        element(soup.find("input", attrs={"name": "access_code"}))["value"] == case["access_code"]
    )
    # Other letters open as usual, and the QR link opens this one.
    assert open_by_code(citizen, other["aktenzeichen"], other["access_code"]).status_code == 302
    assert citizen.get(f"/b/{case['token']}").status_code == 302
    assert citizen.get(f"/bussgeld/fall/{case['aktenzeichen']}").status_code == 200


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(backend: str) -> None:
    for trusted, expected in (("", 429), ("1", 302)):
        app = make_test_app(
            backend, FINES_ACCESS_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=trusted
        )
        case = make_fine_case(app)
        client = checking_client(app)
        for number in range(2):
            client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{number}"
            assert open_by_code(client, case["aktenzeichen"], "WRONG").status_code == 422
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.77"
        answer = open_by_code(client, case["aktenzeichen"], case["access_code"])
        assert answer.status_code == expected, trusted


def test_a_late_case_says_so_but_can_still_be_paid(client: CheckingClient) -> None:
    case = make_fine_case(client.application, days_ago=12, letter_days_ago=10)
    client.get(f"/b/{case['token']}")
    text = text_of(client.get(f"/bussgeld/fall/{case['aktenzeichen']}"))
    assert "Die Frist ist am" in text
    assert "online bezahlen" in text


def pay_fine_online(live_server: LiveServer, case: dict[str, str]) -> tuple[CheckingClient, str]:
    """The citizen opens the letter's link, starts paying the case and pays on the sandbox
    platform's page (real HTTP to the live server); their client and the path the platform sends
    them back to."""
    import requests

    client = checking_client(live_server.app)
    client.get(f"/b/{case['token']}")
    page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    started = client.post(
        f"/bussgeld/fall/{case['aktenzeichen']}/bezahlen", data={"csrf_token": csrf_token(page)}
    )
    paypage = started.headers["Location"]
    browser = requests.Session()
    form = browser.get(paypage, timeout=10).text
    paid = browser.post(
        paypage,
        data={"csrf_token": csrf_in(form), "outcome": "PAYED", "method": "Wero"},
        allow_redirects=False,
        timeout=10,
    )
    return client, paid.headers["Location"].removeprefix(live_server.url)


def test_paying_online_closes_the_case(live_server: LiveServer) -> None:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    case = make_fine_case(app)
    client, return_path = pay_fine_online(live_server, case)
    receipt = client.get(return_path, follow_redirects=True)
    assert "Ihre Zahlung ist eingegangen" in text_of(receipt)
    assert f"Zurück zum Vorgang {case['aktenzeichen']}" in text_of(receipt)
    assert case_status(app, case["aktenzeichen"]) == "paid"
    closed_page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    closed = text_of(closed_page)
    assert "Bezahlt: Der Vorgang ist abgeschlossen." in closed
    assert "online bezahlen" not in closed
    # The proof of payment is on the case page, and its PDF opens from there.
    proof = element(page_of(closed_page).select_one("#zahlungsbestaetigung"))
    assert "Wero" in proof.get_text()
    link = proof.select_one("a[href$='zahlungsbestaetigung.pdf']")
    assert link is not None
    pdf = client.get(str(link["href"]))
    assert pdf.mimetype == "application/pdf"


def transfer_for(app: Flask, case: dict[str, str], cents: int, statement_id: str) -> bytes:
    """A camt.053 statement with one transfer of ``cents`` to the case's RF reference, paid by
    Erika Mustermann from her account (where a refund goes back to)."""
    statement = Statement(
        statement_id=statement_id,
        account_iban=app.config["PAYEE_IBAN"],
        from_date=city_today(),
        to_date=city_today(),
        opening_balance_cents=0,
        closing_balance_cents=cents,
        entries=(
            Entry(
                entry_ref="E1",
                amount_cents=cents,
                credit=True,
                booking_date=city_today(),
                details=(
                    TransactionDetail(
                        amount_cents=cents,
                        creditor_reference=case["rf_reference"],
                        debtor_name="Erika Mustermann",
                        debtor_iban="DE89370400440532013000",
                    ),
                ),
            ),
        ),
        source_format="camt.053.001.08",
    )
    return write_camt053([statement])


def test_a_partly_paid_fine_that_is_discontinued_shows_the_refund_on_the_case_page(
    app: Flask,
) -> None:
    from server.fines import hearing
    from server.fines.cases import get_case

    case = make_fine_case(app)
    client = checking_client(app)
    client.get(f"/b/{case['token']}")
    with app.test_request_context("/"):
        import_statement_file(transfer_for(app, case, 1000, "S-PART"))
        found = get_case(int(case["case_id"]))
        assert found is not None
        hearing.decide(found, hearing.Decision.DISCONTINUE, clerk="anna")
    page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    text = text_of(page)
    assert "Das Verfahren wurde eingestellt. Sie müssen nichts zahlen." in text
    refunds = element(page_of(page).select_one("#refunds")).get_text(" ", strip=True)
    assert "10,00\xa0€ Überweisung auf Ihr Konto" in refunds
    assert "online bezahlen" not in text


def test_a_girocode_transfer_in_the_bank_statement_closes_the_case(app: Flask) -> None:

    case = make_fine_case(app)
    with app.app_context():
        import_statement_file(transfer_for(app, case, int(case["amount_cents"]), "S-FINE"))
    assert case_status(app, case["aktenzeichen"]) == "paid"
