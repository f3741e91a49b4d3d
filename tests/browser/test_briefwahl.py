"""A voter applies for a postal vote on a phone; the Wahlamt records the dispatch at its desk;
the voter sees "Versandt"."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from server.briefwahl import election
from server.formatting import city_today
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_a_voter_applies_and_sees_the_documents_sent(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    day = city_today() + timedelta(days=12)
    live_server.app.config[election.CONFIG_KEY] = election.parse(
        {"ELECTION_NAME": "Bundestagswahl 2029", "ELECTION_DATE": day.isoformat()}
    )
    visit(phone, "/dienste/briefwahl")
    phone.get_by_role("link", name="Jetzt starten").click()

    expect(phone.locator("h1")).to_have_text("Ihre Person")
    expect(phone.get_by_text("Briefwahl zur Bundestagswahl 2029")).to_be_visible()
    phone.get_by_label("Vorname").fill("Erika")
    phone.get_by_label("Nachname").fill("Mustermann")
    phone.get_by_label("Geburtsdatum").fill("1964-08-12")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Ihre Wohnanschrift")
    phone.get_by_label("Straße und Hausnummer").fill("Heidestraße 17")
    phone.get_by_label("Postleitzahl und Ort").fill("51147 Köln")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Wohin sollen die Unterlagen?")
    phone.get_by_label("An eine andere Anschrift").check()
    phone.get_by_label("E-Mail-Adresse").fill("erika@example.de")
    weiter(phone)
    # Nothing typed is lost; what is missing is said.
    expect(phone.locator("#error-summary")).to_contain_text(
        "Geben Sie die Anschrift an, an die die Unterlagen gehen."
    )
    expect(phone.get_by_label("E-Mail-Adresse")).to_have_value("erika@example.de")
    phone.get_by_role("textbox", name="Andere Anschrift").fill(
        "Erika Mustermann\nStrandweg 3\n18225 Kühlungsborn"
    )
    phone.get_by_label(re.compile("Ich beantrage den Wahlschein für mich selbst")).check()
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Briefwahl beantragen: eingegangen")
    found = re.search(r"WS-\d{4}-\d{6}", phone.locator(".kern-alert").inner_text())
    assert found is not None
    reference = found.group(0)
    confirmation = phone.url

    make_clerk(live_server.app, username="wahlamt", roles=[Role.ELECTION_OFFICE])
    with clerk_desk(browser, live_server, "wahlamt") as desk:
        desk.get_by_role("link", name="Briefwahlanträge").click()
        desk.get_by_role("link", name=reference).click()
        expect(desk.get_by_text("Strandweg 3")).to_be_visible()
        desk.get_by_role("radio", name="Versandt").check()
        desk.get_by_label(re.compile("Für „Versandt“")).fill(city_today().isoformat())
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Versandt")
        assert_accessible(desk)

    phone.goto(confirmation)
    expect(phone.locator("#status-history")).to_contain_text(
        f"Versandt; Versandt am: {city_today():%d.%m.%Y}"
    )
    assert_accessible(phone)


def test_a_late_send_is_refused_with_the_reason(phone: Page, live_server: LiveServer) -> None:
    day = city_today() + timedelta(days=12)
    settings = {"ELECTION_NAME": "Landtagswahl", "ELECTION_DATE": day.isoformat()}
    live_server.app.config[election.CONFIG_KEY] = election.parse(settings)
    visit(phone, "/antraege/briefwahl/person")
    phone.get_by_label("Vorname").fill("Erika")
    phone.get_by_label("Nachname").fill("Mustermann")
    phone.get_by_label("Geburtsdatum").fill("1964-08-12")
    weiter(phone)
    phone.get_by_label("Straße und Hausnummer").fill("Heidestraße 17")
    phone.get_by_label("Postleitzahl und Ort").fill("51147 Köln")
    weiter(phone)
    phone.get_by_label("An meine Wohnanschrift").check()
    phone.get_by_label("E-Mail-Adresse").fill("erika@example.de")
    phone.get_by_label(re.compile("Ich beantrage den Wahlschein für mich selbst")).check()
    weiter(phone)
    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")

    # The deadline passes while the page is open.
    passed = (city_today() - timedelta(days=1)).isoformat() + "T18:00"
    live_server.app.config[election.CONFIG_KEY] = election.parse(
        {**settings, "ELECTION_DEADLINE": passed}
    )
    phone.get_by_role("button", name="Absenden").click()
    # The drafts client keeps the application in its outbox, marked not sent, with the reason
    # the portal gave.
    refused = phone.locator('[data-outbox-panel="failed"]')
    expect(refused).to_contain_text("Die Frist für den Antrag auf Briefwahl zur Landtagswahl")
    assert_accessible(phone)
