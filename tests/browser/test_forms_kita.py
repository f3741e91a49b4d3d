"""A parent registers a child for a Kita place on a phone (online, without the offline
features); the youth office makes an offer, and the parent sees it."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, expect

from server.auth.roles import Role
from server.formatting import city_today
from server.mail.outbox import send_pending
from tests.browser.conftest import PHONE, assert_accessible, clerk_desk, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_kita_registration_from_start_to_the_offer(
    phone: Page, live_server: LiveServer, browser: Browser, playwright: Playwright
) -> None:
    start = (city_today() + timedelta(days=120)).isoformat()
    visit(phone, "/dienste/kita")
    expect(phone.get_by_role("heading", name="Was Sie brauchen")).to_be_visible()
    phone.get_by_role("link", name="Jetzt starten").click()
    expect(phone.locator("h1")).to_have_text("Ihr Kind")
    # The step for a second guardian counts until the parent says there is none.
    expect(phone.get_by_text("Schritt 1 von 7")).to_be_visible()

    # Errors: summarised on top and next to each field, nothing typed is lost.
    phone.get_by_label("Vorname des Kindes").fill("Mia")
    weiter(phone)
    summary = phone.locator("#error-summary")
    expect(summary).to_contain_text("Geben Sie den Nachnamen Ihres Kindes an.")
    expect(summary).to_contain_text("Geben Sie das Geburtsdatum Ihres Kindes an.")
    expect(phone.locator("#kind_nachname-error")).to_be_visible()
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia")
    assert_accessible(phone)
    summary.get_by_role("link", name="Geben Sie den Nachnamen Ihres Kindes an.").click()
    expect(phone.get_by_label("Nachname des Kindes")).to_be_focused()
    phone.get_by_label("Nachname des Kindes").fill("Muster")
    phone.get_by_label("Geburtsdatum des Kindes").fill("2024-03-01")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Ihre Angaben")
    assert_accessible(phone)
    phone.get_by_label("Ihr Vorname").fill("Erika")
    phone.get_by_label("Ihr Nachname").fill("Muster")
    phone.get_by_label("Straße und Hausnummer").fill("Hauptstraße 5")
    phone.get_by_label("Postleitzahl und Ort").fill("12345 Musterstadt")
    phone.get_by_label("E-Mail-Adresse").fill("erika@example.de")
    phone.get_by_role("group", name="Gibt es eine zweite").get_by_label("Nein").check()
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Gewünschte Betreuung")
    expect(phone.get_by_text("Schritt 3 von 6")).to_be_visible()
    phone.get_by_label("Gewünschter Beginn").fill(start)
    phone.get_by_label("bis 35 Stunden").check()
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Wunsch-Kitas")
    assert_accessible(phone)
    phone.get_by_label("Erster Wunsch").select_option("kita-regenbogen")
    phone.get_by_label("Zweiter Wunsch (freiwillig)").select_option("kita-regenbogen")
    weiter(phone)
    expect(phone.locator("#error-summary")).to_contain_text("schon getroffen")
    phone.get_by_label("Zweiter Wunsch (freiwillig)").select_option("kita-pusteblume")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Besonderer Förderbedarf")
    phone.get_by_role("group", name="Förderbedarf?").get_by_label("Nein").check()
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Einwilligungen")
    phone.get_by_label(re.compile("speichert und verarbeitet")).check()
    phone.get_by_label(re.compile("an die gewählten Kitas weitergibt")).check()
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("Kita Regenbogen, Am Markt 12")).to_be_visible()
    expect(phone.get_by_text("bis 35 Stunden")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Absenden").click()

    expect(phone.locator("h1")).to_have_text("Kita-Anmeldung: eingegangen")
    reference = re.search(r"KITA-\d{4}-\d{6}", phone.locator(".kern-alert").inner_text())
    assert reference is not None
    expect(phone.locator("#status-history")).to_contain_text("Eingegangen")
    assert_accessible(phone)
    confirmation_url = phone.url

    make_clerk(live_server.app, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    with clerk_desk(browser, live_server, "jugendamt") as desk:
        desk.get_by_role("link", name="Kita-Anmeldungen").click()
        desk.get_by_label("Kita-Wunsch").select_option("kita-regenbogen")
        desk.get_by_label("Beginn ab").fill(start)
        desk.get_by_role("button", name="Filtern").click()
        assert_accessible(desk)
        desk.get_by_role("link", name=reference.group(0)).click()
        expect(desk.get_by_text("Mia")).to_be_visible()
        assert_accessible(desk)
        desk.get_by_label("Platzangebot gemacht").check()
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Platzangebot gemacht")

    phone.goto(confirmation_url)
    expect(phone.locator("#status-history")).to_contain_text("Platzangebot gemacht")

    # The parent's mail on the offer; its link opens the status in a browser that never saw it.
    offer = parents_mail(live_server, "erika@example.de", "Platzangebot gemacht")
    assert reference.group(0) in offer.get_body().get_content()  # type: ignore[union-attr]
    link = re.search(r"http://\S+/antraege/stand/\S+", offer.get_body().get_content())  # type: ignore[union-attr]
    assert link is not None
    other_phone = browser.new_context(locale="de-DE", bypass_csp=True, **phone_device(playwright))
    try:
        second = other_phone.new_page()
        second.goto(f"{confirmation_url}")
        expect(second.get_by_text("Bitte geben Sie den Abrufcode ein.")).to_be_visible()
        expect(second.get_by_text("Mia")).to_have_count(0)
        second.goto(link.group(0))
        expect(second.locator("h1")).to_have_text("Kita-Anmeldung: eingegangen")
        expect(second.locator("#status-history")).to_contain_text("Platzangebot gemacht")
        assert_accessible(second)
    finally:
        other_phone.close()


def phone_device(playwright: Playwright) -> dict[str, Any]:
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    return device


def parents_mail(live_server: LiveServer, recipient: str, subject: str) -> EmailMessage:
    """The outbox delivered (the file transport writes .eml files), and the mail found."""
    with live_server.app.app_context():
        send_pending()
        folder = Path(live_server.app.config["MAIL_FILE_DIR"])
    for path in sorted(folder.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == recipient and subject in str(message["Subject"]):
            assert isinstance(message, EmailMessage)
            return message
    raise AssertionError(f"no mail to {recipient} about {subject}")
