"""Privacy notices of the form services (Art. 13 DSGVO): the short notice before the first
question, the full notice page in German and English, and the block on the receipt PDF."""

from __future__ import annotations

import pypdfium2
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.test import TestResponse

from server.auth.models import Citizen
from server.extensions import db
from server.forms.registry import get_definition
from server.privacy import GENERAL_PAGE, RIGHTS, PrivacyNotice
from tests.checking_client import CheckingClient, csrf_token, element

SERVICES = ("kita-anmeldung", "kontakt", "belege-nachreichen", "urkunden")
# The headings of the full notice: controller, purposes, legal basis, retention, recipients,
# rights (ids are stable, the words follow the language).
HEADINGS = {
    "verantwortlich": "Verantwortlich",
    "zwecke": "Zwecke der Verarbeitung",
    "rechtsgrundlage": "Rechtsgrundlage",
    "speicherdauer": "Speicherdauer",
    "empfaenger": "Empfänger Ihrer Daten",
    "rechte": "Ihre Rechte",
}


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return " ".join(page.get_textpage().get_text_range() for page in document)


def flat(text: str) -> str:
    return " ".join(text.split())


def log_in_citizen(client: CheckingClient) -> None:
    """The certificate order needs a login at level "high" (§ 6 Abs. 3 PStV): the eID."""
    with client.application.app_context(), db.transaction() as sql:
        citizen = Citizen(given_name="Erika", family_name="Mustermann", email="e@example.de")
        sql.add(citizen)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen.id
        session["trust_level"] = "high"


def notice_of(app: Flask, service: str) -> PrivacyNotice:
    definition = get_definition(service)
    assert definition is not None
    return definition.privacy


def words(app: Flask, notice: PrivacyNotice, language: str = "de") -> dict[str, list[str]]:
    """The notice's parts as plain text in ``language``."""
    with app.test_request_context(), force_locale(language):
        return {
            "controller": [notice.controller_name()],
            "purposes": [flat(str(p)) for p in notice.purposes],
            "legal_basis": [flat(str(notice.legal_basis))],
            "retention": [flat(str(notice.retention))],
            "recipients": [flat(str(r)) for r in notice.recipients],
            "rights": [flat(str(RIGHTS))],
            "headings": [str(_(h)) for h in HEADINGS.values()],
        }


@pytest.mark.parametrize("service", SERVICES)
def test_the_first_step_shows_the_short_notice_with_a_working_link(
    client: CheckingClient, service: str
) -> None:
    if service == "urkunden":
        log_in_citizen(client)
    start = client.get(f"/antraege/{service}")
    first = client.get(start.headers["Location"])
    assert first.status_code == 200
    page = soup_of(first)
    short = page.find(id="datenschutz-kurz")
    assert short is not None
    said = words(client.application, notice_of(client.application, service))
    text = flat(short.get_text(" "))
    assert f"Verantwortlich ist: {said['controller'][0]}." in text
    assert said["purposes"][0] in text
    assert said["legal_basis"][0] in text
    # Before the first question: the notice comes before the form.
    assert page.find(id="step-form") in short.find_all_next("form")
    link = element(short.find("a", string="Mehr zum Datenschutz bei diesem Antrag"))
    assert link["href"] == f"/antraege/{service}/datenschutz"
    full = client.get(link["href"])
    assert full.status_code == 200


def test_later_steps_do_not_repeat_the_notice(client: CheckingClient) -> None:
    assert soup_of(client.get("/antraege/kontakt/antwort")).find(id="datenschutz-kurz") is None


@pytest.mark.parametrize("service", SERVICES)
def test_the_full_notice_names_everything_in_german(client: CheckingClient, service: str) -> None:
    response = client.get(f"/antraege/{service}/datenschutz")  # no login needed to read it
    assert response.status_code == 200
    page = soup_of(response)
    assert element(page.html)["lang"] == "de"
    for anchor, heading in HEADINGS.items():
        assert element(page.find("h2", id=anchor)).get_text(strip=True) == heading
    text = flat(page.get_text(" "))
    said = words(client.application, notice_of(client.application, service))
    for key, parts in said.items():
        for part in parts:
            assert part in text, key
    assert page.find("a", href=GENERAL_PAGE) is not None
    assert page.find("a", href=f"/antraege/{service}") is not None  # back to the service


def test_the_full_notice_follows_the_language_switch(client: CheckingClient) -> None:
    url = "/antraege/kita-anmeldung/datenschutz"
    switched = client.post(
        "/sprache", data={"csrf_token": csrf_token(client.get(url)), "language": "en", "next": url}
    )
    assert switched.headers["Location"] == url
    page = soup_of(client.get(url))
    assert element(page.html)["lang"] == "en-GB"
    text = flat(page.get_text(" "))
    # Whatever the English catalogue says (a msgid not translated yet stays German).
    said = words(client.application, notice_of(client.application, "kita-anmeldung"), "en")
    headings = [h.get_text(strip=True) for h in page.find_all("h2", id=list(HEADINGS))]
    assert headings == said.pop("headings")
    for key, parts in said.items():
        for part in parts:
            assert part in text, key
    assert page.find("a", href=GENERAL_PAGE) is not None


def test_an_unknown_service_has_no_notice(client: CheckingClient) -> None:
    assert client.get("/antraege/gibt-es-nicht/datenschutz").status_code == 404


def test_the_receipt_repeats_the_notice(client: CheckingClient) -> None:
    url = "/antraege/kontakt"
    token = csrf_token(client.get(f"{url}/anliegen"))
    steps = {
        "anliegen": {"thema": "frage", "betreff": "Parkplatz", "nachricht": "Wo parke ich?"},
        "anhaenge": {},
        "antwort": {"name": "Erika Mustermann", "antwortweg": "keine"},
    }
    for step, values in steps.items():
        response = client.post(f"{url}/{step}", data={"csrf_token": token, **values})
        assert response.status_code == 303, step
    check = client.get(f"{url}/pruefen")
    submission_id = element(soup_of(check).find("input", attrs={"name": "submission_id"}))["value"]
    sent = client.post(
        f"{url}/absenden", data={"csrf_token": token, "submission_id": submission_id}
    )
    received = soup_of(client.get(sent.headers["Location"]))
    receipt = element(received.find("a", href=lambda href: bool(href and href.endswith(".pdf"))))
    text = flat(pdf_text(client.get(receipt["href"]).get_data()))
    said = words(client.application, notice_of(client.application, "kontakt"))
    assert "Datenschutz" in text
    assert "Rechtsgrundlage" in text
    assert said["legal_basis"][0] in text
    assert "Stadt Musterstadt, Bürgerbüro" in text
    assert "/antraege/kontakt/datenschutz" in text.replace(" ", "")


def test_the_catalogue_page_of_every_form_links_its_notice(client: CheckingClient) -> None:
    from server.web.catalogue import SERVICES

    for service in SERVICES:
        if not service.form:
            continue
        page = client.get(f"/dienste/{service.slug}").get_data(as_text=True)
        link = f'href="/antraege/{service.form}/datenschutz"'
        assert link in page, service.slug
        assert client.get(f"/antraege/{service.form}/datenschutz").status_code == 200


# The German words the notices give a retention of so many years in.
YEARS_IN_WORDS = {1: "ein Jahr", 2: "zwei Jahre", 3: "drei Jahre", 4: "vier Jahre"}


@pytest.mark.parametrize("service", ["kontakt", "barrierefreiheit-feedback"])
def test_the_notice_names_the_retention_the_deletion_applies(app: Flask, service: str) -> None:
    """These services' submissions are deleted RETENTION_FORM_SUBMISSION_YEARS after the end
    of the year they were dealt with (``server.retention``); the notices once said three years
    after, and one of them promised to keep reports the deletion takes with it."""
    years = int(app.config["RETENTION_FORM_SUBMISSION_YEARS"])
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        retention = str(notice_of(app, service).retention)
    assert f"{YEARS_IN_WORDS[years]} nach dem Ende des Jahres" in retention
    assert "bewahren wir" not in retention
