"""The booking's privacy notice (Art. 13 DSGVO): short before the name and e-mail are asked,
in full at /termine/datenschutz, linked from the catalogue's service page."""

from __future__ import annotations

from tests.checking_client import CheckingClient
from tests.integration.accounts_helpers import text_of
from tests.integration.appointments.helpers import details_url, first_time, make_office, soup

AUSWEIS = "Personalausweis beantragen"


def test_the_booking_tells_who_processes_what_and_why(client: CheckingClient) -> None:
    office = make_office(client.application)
    zeit = first_time(client, office, AUSWEIS)
    page = soup(client.get(details_url(office, zeit, AUSWEIS)))
    short = page.select_one("#datenschutz-kurz")
    assert short is not None
    assert "Stadt Musterstadt, Bürgerbüro" in short.get_text()
    assert "Art. 6 Abs. 1 lit. e DSGVO" in short.get_text()
    # Before the first personal question.
    name = page.select_one("input[name=name]")
    assert name is not None
    assert name in short.find_all_next("input", attrs={"name": "name"})
    link = short.find("a")
    assert link is not None
    assert link["href"] == "/termine/datenschutz"

    full = client.get("/termine/datenschutz")
    assert full.status_code == 200
    text = text_of(full)
    for fact in (
        "Stadt Musterstadt, Bürgerbüro",
        "sechs Monate nach dem Termin",
        "Die Beschäftigten des Bürgerbüros",
        "ohne Cookies und ohne Dienste anderer Anbieter",
        "Art. 77 DSGVO",
    ):
        assert fact in text, fact

    service = soup(client.get("/dienste/termine"))
    assert service.find("a", href="/termine/datenschutz") is not None
