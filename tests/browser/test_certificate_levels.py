"""§ 6 Abs. 3 PStV on a phone: a citizen logged in with e-mail and password only wants a birth
certificate; the portal says why that needs the eID, offers the application to print (filled
in with the account's name and address) and an appointment; after logging in with the eID at
the development identity provider the same citizen orders and pays."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, visit
from tests.browser.test_certificates import (
    choose_document,
    delivery,
    entry,
    pay_in_sandbox,
    register_and_log_in,
    relationship,
)
from tests.conftest import LiveServer
from tests.integration.forms.test_forms import pdf_text


def enter_name_and_address(phone: Page) -> None:
    phone.get_by_role("link", name="Name und Anschrift eintragen oder ändern").click()
    phone.get_by_label("Vorname(n)").fill("Nina")
    phone.get_by_label("Familienname").fill("Neu")
    phone.get_by_label("Straße und Hausnummer").fill("Lindenweg 3")
    phone.get_by_label("Postleitzahl").fill("12345")
    phone.get_by_label("Ort", exact=True).fill("Musterstadt")
    phone.get_by_role("button", name="Speichern").click()
    expect(phone.get_by_text("Ihre Angaben sind gespeichert.")).to_be_visible()


def test_a_password_login_gets_the_paper_way_and_orders_after_the_eid_login(
    phone: Page, live_server: LiveServer
) -> None:
    live_server.app.extensions["sandbox_notifier"].synchronous = True
    register_and_log_in(phone)
    enter_name_and_address(phone)

    # The catalogue says it before anything is typed.
    visit(phone, "/dienste/urkunden")
    expect(phone.get_by_text(re.compile(r"nur mit ihm \(§ 6 Abs\. 3 PStV\)"))).to_be_visible()
    phone.get_by_role("link", name="Jetzt starten").click()

    # Refused before the first question, with why and the ways.
    expect(phone.locator("h1")).to_have_text("Urkunden ohne Online-Ausweis")
    expect(phone.locator("#why")).to_contain_text("So schreibt es § 6 Abs. 3 PStV vor.")
    expect(phone.locator("#wallet")).to_contain_text("noch nicht verfügbar")
    expect(phone.get_by_role("link", name="Termin vereinbaren")).to_have_attribute(
        "href", "/termine"
    )
    assert_accessible(phone)

    # The application to print: a PDF with the account's name and address.
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Antrag zum Ausdrucken (PDF)").click()
    path = download.value.path()
    text = pdf_text(path.read_bytes())
    assert "Antrag auf Ausstellung einer Personenstandsurkunde" in text
    assert "Nina Neu" in text
    assert "Lindenweg 3" in text
    assert "Stadt Musterstadt – Standesamt" in text
    assert "§ 6 Abs. 3 PStV" in text

    # The eID at the development identity provider: back to the order, at level high.
    phone.get_by_role("link", name="Mit Online-Ausweis anmelden").click()
    expect(phone.locator("h1")).to_have_text("Mit Online-Ausweis anmelden")
    phone.get_by_label("Erika Mustermann").check()
    phone.get_by_role("button", name="Anmelden").click()
    expect(phone.locator("h1")).to_have_text("Welche Urkunde?")
    assert_accessible(phone)

    # The same citizen orders: the eID proves who she is, no ID copy, nothing to prove.
    choose_document(phone, "Geburtsurkunde", "1", "Persönliche Unterlagen")
    entry(phone, "Erika", "Mustermann", "1964-08-12", parents="Hans und Gabi Mustermann")
    relationship(phone, "Ich bin die Person im Eintrag")
    delivery(phone)
    expect(phone.get_by_text("Kopie Ihres Personalausweises")).to_have_count(0)
    reference = pay_in_sandbox(phone)
    assert reference.startswith("URK-")
