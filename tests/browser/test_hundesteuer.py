"""A citizen registers a dog on a phone with a SEPA mandate; the Steueramt approves with the tax
tag number at its desk; the cash office downloads the pain.008 file with the collection. Then
the citizen deregisters the dog (given away) on the phone and the Steueramt confirms it."""

from __future__ import annotations

import re
from datetime import timedelta

from lxml import etree
from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from server.formatting import city_today
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.browser.test_certificate_levels import enter_name_and_address
from tests.browser.test_certificates import register_and_log_in
from tests.browser.test_parkausweis import server_draft_read
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.integration.hundesteuer.test_hundesteuer import PAIN_008


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_a_dog_is_registered_and_its_tax_collected(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    register_and_log_in(phone)
    enter_name_and_address(phone)
    visit(phone, "/dienste/hundesteuer")
    # The first step binds to the server draft too: waited for here, so that the wait after
    # the first "Weiter" cannot be answered by this read arriving late.
    with phone.expect_response(server_draft_read):
        phone.get_by_role("link", name="Jetzt starten").click()
    expect(phone.locator("h1")).to_have_text("Halterin oder Halter")
    expect(phone.get_by_label("Ihr Name")).to_have_value("Nina Neu")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Ihr Hund")
    phone.get_by_label("Name des Hundes").fill("Bello")
    phone.get_by_label("Rasse oder Mischling").fill("Mischling")
    phone.get_by_label("Seit wann halten Sie den Hund?").fill(
        (city_today() - timedelta(days=20)).isoformat()
    )
    phone.get_by_label("Mein erster Hund").check()
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Wie zahlen Sie die Steuer?")
    phone.get_by_label("Per SEPA-Lastschrift von meinem Konto").check()
    phone.get_by_label("Kontoinhaberin oder Kontoinhaber").fill("Nina Neu")
    phone.get_by_label("IBAN").fill("DE02 1203 0000 0000 2020 52")
    phone.get_by_label(re.compile("SEPA-Lastschriftmandat")).check()
    with phone.expect_response(server_draft_read):  # see test_parkausweis
        weiter(phone)
    expect(phone.locator("#error-summary")).to_contain_text("Diese IBAN ist nicht gültig.")
    phone.get_by_label("IBAN").fill("DE02 1203 0000 0000 2020 51")
    expect(phone.get_by_label("IBAN")).to_have_value("DE02 1203 0000 0000 2020 51")
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Hund anmelden (Hundesteuer): eingegangen")
    found = re.search(r"HST-\d{4}-\d{6}", phone.locator(".kern-alert").inner_text())
    assert found is not None
    confirmation = phone.url

    make_clerk(live_server.app, username="steueramt", roles=[Role.TAX_OFFICE])
    with clerk_desk(browser, live_server, "steueramt") as desk:
        desk.get_by_role("link", name="Hundeanmeldungen").click()
        desk.get_by_role("link", name=found.group(0)).click()
        desk.get_by_role("radio", name="Angemeldet, Steuermarke unterwegs").check()
        desk.get_by_label(re.compile("Nummer der Steuermarke")).fill("2026-0815")
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Angemeldet")
        assert_accessible(desk)

    phone.goto(confirmation)
    expect(phone.locator("#status-history")).to_contain_text("Steuermarke: 2026-0815")

    make_clerk(live_server.app, username="kasse", roles=[Role.CASH_OFFICE])
    with clerk_desk(browser, live_server, "kasse") as desk:
        desk.goto("/verwaltung/kasse/")
        with desk.expect_download() as download:
            desk.get_by_role("button", name="Lastschriftdatei (pain.008)").click()
        document = etree.parse(str(download.value.path()))
        etree.XMLSchema(etree.parse(str(PAIN_008))).assertValid(document)
        assert "Steuermarke 2026-0815" in etree.tostring(document, encoding="unicode")

    deregister_on_the_phone(phone, browser, live_server)


def deregister_on_the_phone(phone: Page, browser: Browser, live_server: LiveServer) -> None:
    visit(phone, "/dienste/hundesteuer")
    phone.get_by_role("link", name="Hund abmelden (Hundesteuer)").click()
    # The first step binds to the server draft too: waited for here, so that the wait after
    # the first "Weiter" cannot be answered by this read arriving late.
    with phone.expect_response(server_draft_read):
        phone.get_by_role("link", name="Jetzt starten").click()
    expect(phone.locator("h1")).to_have_text("Welchen Hund melden Sie ab?")
    expect(phone.get_by_label("Ihr Name")).to_have_value("Nina Neu")
    phone.get_by_label("Nummer der Steuermarke oder Eingangsnummer der Anmeldung").fill("2026-0999")
    with phone.expect_response(server_draft_read):  # see test_parkausweis
        weiter(phone)
    expect(phone.locator("#error-summary")).to_contain_text("keinen Hund")
    phone.get_by_label("Nummer der Steuermarke oder Eingangsnummer der Anmeldung").fill("2026-0815")
    expect(
        phone.get_by_label("Nummer der Steuermarke oder Eingangsnummer der Anmeldung")
    ).to_have_value("2026-0815")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Warum und seit wann?")
    expect(phone.locator("main")).to_contain_text("Die Steuermarke geben Sie bitte zurück")
    expect(phone.locator("main")).to_contain_text("Sie melden Bello ab (Steuermarke 2026-0815")
    phone.get_by_label("Ich habe den Hund abgegeben").check()
    phone.get_by_label("Name der neuen Halterin oder des neuen Halters (freiwillig)").fill(
        "Max Muster"
    )
    phone.get_by_label("An welchem Tag ist der Hund gegangen?").fill(city_today().isoformat())
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Hund abmelden (Hundesteuer): eingegangen")
    found = re.search(r"HSTAB-\d{4}-\d{6}", phone.locator(".kern-alert").inner_text())
    assert found is not None
    confirmation = phone.url

    with clerk_desk(browser, live_server, "steueramt") as desk:
        desk.get_by_role("link", name="Hundeabmeldungen").click()
        desk.get_by_role("link", name=found.group(0)).click()
        expect(desk.locator("main")).to_contain_text("Max Muster")
        desk.get_by_role("radio", name="Abgemeldet").check()
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Abgemeldet")
        assert_accessible(desk)

    phone.goto(confirmation)
    expect(phone.locator("#status-history")).to_contain_text("Abgemeldet")
