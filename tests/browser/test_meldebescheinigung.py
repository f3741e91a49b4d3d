"""A citizen applies for a certificate of registration on a phone: the eID login at the
development identity provider, the fee on the sandbox platform; the Bürgerbüro issues it at its
desk, and the citizen downloads the PDF."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.integration.forms.test_forms import pdf_text


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_an_eid_citizen_gets_the_certificate_as_a_pdf(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    live_server.app.extensions["sandbox_notifier"].synchronous = True
    visit(phone, "/dienste/meldebescheinigung")
    phone.get_by_role("link", name="Jetzt starten").click()
    phone.get_by_role("link", name="Mit Online-Ausweis anmelden").first.click()
    expect(phone.locator("h1")).to_have_text("Mit Online-Ausweis anmelden")
    phone.get_by_label("Erika Mustermann").check()
    phone.get_by_role("button", name="Anmelden").click()

    expect(phone.locator("h1")).to_have_text("Welche Bescheinigung?")
    phone.get_by_label(re.compile("Erweiterte Meldebescheinigung")).check()
    phone.get_by_label("Als PDF zum Herunterladen").check()
    assert_accessible(phone)
    weiter(phone)
    expect(phone.locator("h1")).to_have_text("Ihre Angaben")
    expect(phone.get_by_label("Nachname")).to_have_value("Mustermann")
    if not phone.get_by_label("E-Mail-Adresse").input_value():
        phone.get_by_label("E-Mail-Adresse").fill("erika@example.de")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("15,00 €").first).to_be_visible()
    phone.get_by_role("button", name="Zahlungspflichtig absenden und bezahlen").click()
    expect(phone).to_have_url(re.compile("/sandbox-zahlung/bezahlen/SBX-"))
    phone.get_by_label("Wero").check()
    phone.get_by_role("button", name="Bezahlen", exact=True).click()
    back = phone.get_by_role("link", name=re.compile("Zurück zu Ihrem Antrag MB-"))
    found = re.search(r"MB-\d{4}-\d{6}", back.inner_text())
    assert found is not None
    reference = found.group(0)
    back.click()
    expect(phone.locator("h1")).to_have_text("Meldebescheinigung: eingegangen")
    confirmation = phone.url

    make_clerk(live_server.app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
    with clerk_desk(browser, live_server, "buergerbuero") as desk:
        desk.get_by_role("link", name="Meldebescheinigungen").click()
        desk.get_by_role("link", name=reference).click()
        desk.get_by_role("radio", name="Ausgestellt: als PDF bereit").check()
        issued = "Für „Ausgestellt: als PDF bereit“"
        desk.get_by_label(re.compile(f"{issued}: Anschrift")).fill("Heidestraße 17\n51147 Köln")
        desk.get_by_label(re.compile(f"{issued}: Einzugsdatum")).fill("2001-04-01")
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Ausgestellt: als PDF bereit")
        assert_accessible(desk)

    phone.goto(confirmation)
    expect(phone.locator("#status-history")).to_contain_text("Ausgestellt: als PDF bereit")
    assert_accessible(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Meldebescheinigung herunterladen (PDF)").click()
    text = pdf_text(download.value.path().read_bytes())
    assert "Erweiterte Meldebescheinigung" in text
    assert "Heidestraße 17" in text
    assert "01.04.2001" in text
