"""Every page of a sample speaks one language: English pages carry no German words of the
portal's domain (and show British dates and 24-hour times), German pages no English words, and
every page names itself in its ``<title>`` and has exactly one ``<h1>``.

The sample is what a citizen meets most: the start page, a parking-fine case opened with its QR
link, a notice opened with its link, the certificate order's first step, the Kita form's first
step and the account, logged in.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from tests.checking_client import CheckingClient, csrf_token
from tests.factories import make_fine_case, make_receivable
from tests.integration.accounts_helpers import log_in, registered_account

# German words that must never be left on an English page: the portal's domain vocabulary.
GERMAN_WORDS = (
    "Parkverstoß",
    "Kreditkarte",
    "Lastschrift",
    "Geburtsurkunde",
    "Eheurkunde",
    "Sterbeurkunde",
    "bezahlt",
    "offen",
    "Antrag",
    "Zahlung",
    "Betrag",
    "Frist",
    "Fahrzeug",
    "Halter",
    "Tatort",
    "Tatzeit",
    "Kennzeichen",
    "Sie parkten",
    "Bürgerportal",
    "Anmelden",
    "Weiter",
    "Zurück",
    "Uhr",
)
# Proper German terms an English page may keep, because the English text around them explains
# them ("Payment reference (Kassenzeichen)") and the citizen finds them on their German letter:
# Verwarnungsgeld, Bußgeldbescheid, Kassenzeichen, Tatbestandsnummer, Einspruch, Kita, GiroCode.
# The legal basis ("§ 13 Abs. 1, 2, § 49 StVO") is a citation and stays as the law is cited.
# These are not checked for; the words above are, as whole words.

# English words that must never be left on a German page.
ENGLISH_WORDS = (
    "Submit",
    "Cancel",
    "Back",
    "Next",
    "Error",
    "Payment",
    "Continue",
    "Log in",
    "Credit card",
    "Pay",
    "Deadline",
    "Offence",
)


def _sample(app: Flask, client: CheckingClient) -> dict[str, str]:
    """The sample's addresses, after logging in (a citizen sees the account's own page)."""
    case = make_fine_case(app)
    _id, _kz, token = make_receivable(app)
    registered_account(app, client, "erika@example.org")
    assert log_in(client, "erika@example.org").status_code == 302
    case_page = client.get(f"/b/{case['token']}").headers["Location"]
    notice_page = client.get(f"/zahlungen/z/{token}").headers["Location"]
    return {
        "start page": "/",
        "parking-fine case": case_page,
        "notice": notice_page,
        "certificate order": "/antraege/urkunden",
        "Kita registration": "/antraege/kita-anmeldung",
        "account": "/konto",
    }


def _page(client: CheckingClient, url: str) -> BeautifulSoup:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def _visible_text(page: BeautifulSoup) -> str:
    for hidden in page.select("script, style, template, [hidden]"):
        hidden.decompose()
    return " ".join(page.get_text(" ").split())


def _words_found(text: str, words: tuple[str, ...]) -> list[str]:
    return [word for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]


def _switch(client: CheckingClient, language: str) -> None:
    response = client.post(
        "/sprache", data={"csrf_token": csrf_token(client.get("/")), "language": language}
    )
    assert response.status_code == 302


def test_english_pages_leave_no_german_domain_word(client: CheckingClient) -> None:
    sample = _sample(client.application, client)
    _switch(client, "en")
    for name, url in sample.items():
        page = _page(client, url)
        assert page.html is not None, name
        assert page.html["lang"] == "en-GB", name
        text = _visible_text(page)
        assert not _words_found(text, GERMAN_WORDS), (name, _words_found(text, GERMAN_WORDS))
        # British formats: 24-hour times, the day before the month.
        assert not re.search(r"\b[AP]M\b", text), name
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b(?!\d)", text), name


def test_english_case_page_shows_the_offence_and_time_in_english(client: CheckingClient) -> None:
    from datetime import UTC, datetime

    case = make_fine_case(client.application, offence_at=datetime(2026, 11, 19, 18, 30, tzinfo=UTC))
    _switch(client, "en")
    text = _visible_text(_page(client, f"/b/{case['token']}"))
    assert "19/11/2026, 19:30" in text  # Berlin's time, en_GB's short format
    assert "You parked in the area of a parking ticket machine" in text


def test_english_notice_page_names_the_notice_and_methods_in_english(
    client: CheckingClient,
) -> None:
    app = client.application
    case = make_fine_case(app)
    _switch(client, "en")
    # The Kassenzeichen typed into the lookup opens the notice (as the letter prints it).
    lookup = client.post(
        "/zahlungen/",
        data={
            "csrf_token": csrf_token(client.get("/zahlungen/")),
            "kassenzeichen": case["kassenzeichen"],
            "amount": "20,00",
        },
    )
    assert lookup.status_code == 302
    notice = _page(client, lookup.headers["Location"])
    assert notice.h1 is not None
    assert notice.h1.get_text(strip=True) == f"Warning fine {case['aktenzeichen']}"
    text = _visible_text(notice)
    assert "Credit card" in text
    assert "SEPA direct debit" in text


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_sample_page_has_one_h1_and_a_title_of_its_own(
    client: CheckingClient, language: str
) -> None:
    sample = _sample(client.application, client)
    _switch(client, language)
    for name, url in sample.items():
        page = _page(client, url)
        assert len(page.find_all("h1")) == 1, name
        assert page.title is not None, name
        own = page.title.get_text().split(" – ")[0].strip()
        assert own, name
        assert own not in ("Bürgerportal", "Citizen portal"), (name, page.title)


def test_german_pages_leave_no_english_word(client: CheckingClient) -> None:
    sample = _sample(client.application, client)
    _switch(client, "de")
    for name, url in sample.items():
        page = _page(client, url)
        assert page.html is not None, name
        assert page.html["lang"] == "de", name
        text = _visible_text(page)
        assert not _words_found(text, ENGLISH_WORDS), (name, _words_found(text, ENGLISH_WORDS))
