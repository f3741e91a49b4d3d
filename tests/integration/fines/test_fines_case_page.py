"""The case page as the citizen sees it after the hearing and after part of the money: what was
received, whether paying is still offered and why, what is still owed and why, and the
Einspruch letter only while the case is open."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from werkzeug.test import TestResponse

from server.extensions import db
from server.fines import hearing
from server.fines.cases import get_case
from server.fines.models import HearingStatement, StatementKind, Upload
from server.formatting import city_time, euro
from server.payments.statement_import import import_statement_file
from tests.checking_client import CheckingClient, csrf_token
from tests.factories import make_fine_case
from tests.integration.payments.test_payments_citizen import text_of
from tests.integration.payments.test_payments_statements import camt, credit, transfer

SILENCE = "Sie müssen sich zum Vorwurf nicht äußern."


def shown(cents: int) -> str:
    """An amount as ``text_of`` reads it (the non-breaking space made a plain one)."""
    return " ".join(euro(cents).split())


def opened(client: CheckingClient) -> dict[str, str]:
    case = make_fine_case(client.application)
    client.get(f"/b/{case['token']}")
    return case


def page_of(client: CheckingClient, case: dict[str, str]) -> TestResponse:
    return client.get(f"/bussgeld/fall/{case['aktenzeichen']}")


def state(client: CheckingClient, case: dict[str, str], kind: StatementKind) -> str:
    """A statement as the hearing records it; returns its EB number as the page should show it."""
    with client.application.test_request_context("/"):
        found = get_case(int(case["case_id"]))
        assert found is not None
        statement, _new = hearing.submit_statement(
            found,
            submission_id=f"{kind.value}-{found.id}",
            kind=kind,
            text="Ich stand dort nicht." if kind == StatementKind.CONTEST else "",
            person=hearing.Person("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", None),
            driver=hearing.Person("Jonas Weiß", "Lindenallee 40", "12345 Musterstadt", None)
            if kind == StatementKind.NOMINATE
            else None,
            email=None,
        )
        return hearing.receipt_reference(statement, found)


def received_at(client: CheckingClient) -> str:
    with client.application.app_context():
        when = db.session.query(HearingStatement).one().received_at
        return city_time(when).strftime("%d.%m.%y, %H:%M")


def test_an_open_case_counts_down_and_tells_about_the_right_to_remain_silent(
    client: CheckingClient,
) -> None:
    case = opened(client)
    text = text_of(page_of(client, case))
    assert re.search(r"Noch \d+ Tage: bitte bis", text)
    assert SILENCE in text
    assert "§ 55 OWiG in Verbindung mit § 163a StPO" in text
    assert "Stellung nehmen oder Fahrer benennen" in text


@pytest.mark.parametrize(
    ("kind", "title", "note"),
    [
        (
            StatementKind.ADMIT,
            "Ihre Äußerung ist eingegangen.",
            "Sie haben den Verstoß eingeräumt. Mit der Zahlung des Verwarnungsgeldes ist der "
            "Vorgang abgeschlossen.",
        ),
        (
            StatementKind.CONTEST,
            "Ihre Äußerung ist eingegangen.",
            "Sie haben den Verstoß bestritten. Sie können das Verwarnungsgeld trotzdem bezahlen: "
            "Dann ist der Vorgang abgeschlossen, und die Bußgeldstelle prüft Ihre Äußerung nicht "
            "mehr",
        ),
    ],
)
def test_after_admitting_or_contesting_the_page_shows_the_statement_and_paying_stays_possible(
    client: CheckingClient, kind: StatementKind, title: str, note: str
) -> None:
    case = opened(client)
    reference = state(client, case, kind)
    page = page_of(client, case)
    text = text_of(page)
    assert title in text
    assert f"Eingangsnummer {reference} vom {received_at(client)}." in text
    assert "Tage: bitte bis" not in text
    assert "Frist" not in text
    assert note in text
    assert f"{shown(int(case['amount_cents']))} online bezahlen" in text
    assert "Weitere Äußerung senden" in text
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    receipt = soup.find("a", string="Eingangsbestätigung herunterladen (PDF)")
    assert receipt is not None
    assert client.get(str(receipt["href"])).mimetype == "application/pdf"


def test_after_naming_the_driver_the_page_shows_the_nomination_and_offers_no_payment(
    client: CheckingClient,
) -> None:
    case = opened(client)
    reference = state(client, case, StatementKind.NOMINATE)
    page = page_of(client, case)
    text = text_of(page)
    assert "Ihre Fahrerbenennung ist eingegangen." in text
    assert f"Eingangsnummer {reference} vom {received_at(client)}." in text
    assert "Tage: bitte bis" not in text
    assert "online bezahlen" not in text
    assert "Per Überweisung bezahlen" not in text
    assert "Das Verwarnungsgeld wird Ihnen deshalb nicht mehr zur Zahlung angeboten" in text
    # The pay button's address refuses too: back to the case page, no payment started.
    refused = client.post(
        f"/bussgeld/fall/{case['aktenzeichen']}/bezahlen", data={"csrf_token": csrf_token(page)}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/bussgeld/fall/{case['aktenzeichen']}")


def test_a_partial_payment_is_explained_next_to_the_smaller_button(
    client: CheckingClient,
) -> None:
    case = opened(client)
    amount = int(case["amount_cents"])
    part = amount // 4
    with client.application.test_request_context("/"):
        import_statement_file(camt(credit("E1", part, transfer(part, rf=case["rf_reference"]))))
    total, paid, rest = shown(amount), shown(part), shown(amount - part)
    text = text_of(page_of(client, case))
    assert f"Verwarnungsgeld {total}" in text
    assert f"Bereits gezahlt {paid}" in text
    assert f"Noch offen {rest}" in text
    assert (
        f"Von {total} sind bereits {paid} bei der Stadtkasse eingegangen. Deshalb ist nur noch "
        f"der Rest von {rest} zu zahlen." in text
    )
    assert f"{rest} online bezahlen" in text


def test_the_einspruch_letter_is_offered_only_while_the_case_is_open(
    client: CheckingClient,
) -> None:
    case = opened(client)
    letter = f"/bussgeld/fall/{case['aktenzeichen']}/einspruch.pdf"
    assert "Vordruck für einen Einspruch" in text_of(page_of(client, case))
    assert client.get(letter).mimetype == "application/pdf"
    with client.application.test_request_context("/"):
        amount = int(case["amount_cents"])
        import_statement_file(camt(credit("E1", amount, transfer(amount, rf=case["rf_reference"]))))
    text = text_of(page_of(client, case))
    assert "Bezahlt: Der Vorgang ist abgeschlossen." in text
    assert "Einspruch" not in text
    assert SILENCE not in text
    closed = client.get(letter)
    assert closed.status_code == 302
    assert closed.headers["Location"].endswith(f"/bussgeld/fall/{case['aktenzeichen']}")


def test_the_page_stands_on_the_last_statement_received(client: CheckingClient) -> None:
    """A contest and then an admission: the page speaks of the admission, with its number."""
    case = opened(client)
    state(client, case, StatementKind.CONTEST)
    later = state(client, case, StatementKind.ADMIT)
    text = text_of(page_of(client, case))
    assert f"Eingangsnummer {later} vom" in text
    assert "Sie haben den Verstoß eingeräumt." in text
    assert "Sie haben den Verstoß bestritten." not in text


def test_the_offices_photos_appear_in_the_order_they_were_added_and_no_other_file(
    client: CheckingClient,
) -> None:
    """Ids 2, 9 and 10 (an order that text would sort as 10, 2, 9); the citizen's own
    attachment (5) is for the fines office only."""
    case = opened(client)
    with client.application.app_context():
        for upload_id, evidence in ((10, True), (5, False), (2, True), (9, True)):
            db.session.add(
                Upload(
                    id=upload_id,
                    case_id=int(case["case_id"]),
                    stored_name=f"stored-{upload_id}",
                    original_name=f"foto-{upload_id}.jpg",
                    content_type="image/jpeg",
                    size=100,
                    sha256=f"{upload_id:064d}",
                    evidence=evidence,
                )
            )
        db.session.commit()
    soup = BeautifulSoup(page_of(client, case).get_data(as_text=True), "lxml")
    images = soup.select(".portal-evidence img")
    assert [str(image["src"]).rsplit("/", 1)[1] for image in images] == ["2", "9", "10"]
    assert [str(image["alt"]).split()[1] for image in images] == ["1", "2", "3"]
