"""The legal pages on a phone: from any page's footer to the accessibility statement, and from
there a barrier reported with the feedback form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, visit


def test_a_barrier_is_reported_from_the_footer(phone: Page) -> None:
    visit(phone, "/bussgeld")
    footer = phone.locator("footer")
    footer.get_by_role("link", name="Barrierefreiheit").click()
    expect(phone).to_have_url(re.compile("/barrierefreiheit$"))
    expect(phone.locator("h1")).to_have_text("Erklärung zur Barrierefreiheit")
    expect(phone.get_by_text("teilweise vereinbar")).to_be_visible()
    assert_accessible(phone)

    phone.locator("main").get_by_role("link", name="Barriere melden").click()
    expect(phone.locator("h1")).to_have_text("Die Barriere")
    assert_accessible(phone)
    phone.get_by_label("Auf welcher Seite oder bei welchem Dienst?").fill("Bußgeld, Scanner")
    phone.get_by_label("Was funktioniert nicht?").fill(
        "Der Knopf zum Scannen hat keinen Namen für den Screenreader."
    )
    phone.get_by_role("button", name="Weiter").click()

    expect(phone.locator("h1")).to_have_text("Ihre Kontaktdaten")
    phone.get_by_label("E-Mail-Adresse für unsere Antwort (freiwillig)").fill("erika@example.de")
    assert_accessible(phone)
    phone.get_by_role("button", name="Weiter").click()

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("Bußgeld, Scanner")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Absenden").click()

    expect(phone.locator("h1")).to_have_text("Barriere melden: eingegangen")
    assert re.search(r"BFR-\d{4}-\d{6}", phone.locator(".kern-alert").inner_text())
    assert_accessible(phone)


def test_the_other_legal_pages_are_accessible(phone: Page) -> None:
    for path in ("/impressum", "/datenschutz", "/leichte-sprache", "/gebaerdensprache"):
        visit(phone, path)
        expect(phone.locator("main p").first).to_be_visible()
        assert_accessible(phone)
