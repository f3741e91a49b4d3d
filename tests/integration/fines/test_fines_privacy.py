"""The privacy notice of the online hearing (Art. 13 DSGVO): short on the hearing form, in full
at /bussgeld/datenschutz (German and English), and at the end of the hearing's receipt PDF."""

from __future__ import annotations

import pypdfium2
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale
from werkzeug.test import TestResponse

from server.fines.privacy import PRIVACY
from server.privacy import GENERAL_PAGE, RIGHTS
from tests.checking_client import CheckingClient, csrf_token, element
from tests.factories import make_fine_case
from tests.integration.fines.test_fines_hearing import submit

NOTICE = "/bussgeld/datenschutz"
HEADINGS = ("verantwortlich", "zwecke", "rechtsgrundlage", "speicherdauer", "empfaenger", "rechte")


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def flat(text: str) -> str:
    return " ".join(text.split())


def said(app: Flask, language: str = "de") -> list[str]:
    """Every part of the notice as plain text in ``language``."""
    with app.test_request_context(), force_locale(language):
        parts = (*PRIVACY.purposes, PRIVACY.legal_basis, PRIVACY.retention, *PRIVACY.recipients)
        return [PRIVACY.controller_name(), *(flat(str(p)) for p in parts), flat(str(RIGHTS))]


def hearing_url(client: CheckingClient) -> tuple[dict[str, str], str]:
    case = make_fine_case(client.application)
    client.get(f"/b/{case['token']}")
    return case, f"/bussgeld/fall/{case['aktenzeichen']}/anhoerung"


def test_the_hearing_form_shows_the_short_notice_before_the_questions(
    client: CheckingClient,
) -> None:
    _case, url = hearing_url(client)
    page = soup_of(client.get(f"{url}/absicht"))
    short = page.find(id="datenschutz-kurz")
    assert short is not None
    assert page.find("form", attrs={"data-draft-form": True}) in short.find_all_next("form")
    text = flat(short.get_text(" "))
    assert "Stadt Musterstadt, Bußgeldstelle" in text
    assert "§ 55 OWiG" in text
    link = element(short.find("a", string="Mehr zum Datenschutz bei der Anhörung"))
    assert link["href"] == NOTICE
    assert client.get(NOTICE).status_code == 200


def test_the_full_notice_in_german_and_english(client: CheckingClient) -> None:
    page = soup_of(client.get(NOTICE))
    assert element(page.html)["lang"] == "de"
    assert [h["id"] for h in page.find_all("h2", id=list(HEADINGS))] == list(HEADINGS)
    text = flat(page.get_text(" "))
    for part in said(client.application):
        assert part in text
    assert page.find("a", href=GENERAL_PAGE) is not None

    client.post(
        "/sprache",
        data={"csrf_token": csrf_token(client.get(NOTICE)), "language": "en", "next": NOTICE},
    )
    english = soup_of(client.get(NOTICE))
    assert element(english.html)["lang"] == "en-GB"
    text = flat(english.get_text(" "))
    for part in said(client.application, "en"):
        assert part in text
    assert english.find("a", href=GENERAL_PAGE) is not None


def test_the_hearing_receipt_repeats_the_notice(client: CheckingClient) -> None:
    case, _url = hearing_url(client)
    sent = submit(client, case, kind="admit", text="")
    assert sent.status_code == 302
    received = soup_of(client.get(sent.headers["Location"]))
    receipt = element(received.find("a", string="Eingangsbestätigung herunterladen (PDF)"))
    document = pypdfium2.PdfDocument(client.get(receipt["href"]).get_data())
    text = flat(" ".join(page.get_textpage().get_text_range() for page in document))
    assert "Datenschutz" in text
    assert "Rechtsgrundlage" in text
    assert "§ 55 OWiG" in text
    assert "Stadt Musterstadt, Bußgeldstelle" in text
    assert "/bussgeld/datenschutz" in text.replace(" ", "")
