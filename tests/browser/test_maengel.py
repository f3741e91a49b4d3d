"""A citizen reports a pothole from a phone, with the phone's position and a photo; the
Baubetriebshof answers at its desk, and the answer is on the public list."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk

ANSWER = "Abgesperrt; die Reparatur ist für Montag beauftragt."


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (80, 80, 80)).save(out, format="JPEG")
    return out.getvalue()


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_a_pothole_reported_from_the_phone_is_answered_in_public(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    phone.context.grant_permissions(["geolocation"], origin=live_server.url)
    phone.context.set_geolocation({"latitude": 50.9375, "longitude": 6.960279})
    visit(phone, "/dienste/maengelmelder")
    phone.get_by_role("link", name="Jetzt starten").click()

    expect(phone.locator("h1")).to_have_text("Was möchten Sie melden?")
    phone.get_by_label("Schlagloch oder Schaden an Straße und Gehweg").check()
    phone.get_by_label("Beschreibung").fill("Tiefes Loch am Radweg.")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Wo ist es?")
    phone.get_by_label("Ort").fill("Bahnhofstraße 12, vor der Apotheke")
    # A typed position that is none: said next to the field, the place typed is kept.
    phone.get_by_label("Position (freiwillig)").fill("beim Rathaus")
    weiter(phone)
    expect(phone.locator("#position-error")).to_contain_text("als Breite und Länge")
    expect(phone.get_by_label("Ort")).to_have_value("Bahnhofstraße 12, vor der Apotheke")
    phone.get_by_role("button", name="Meinen Standort verwenden").click()
    expect(phone.get_by_label("Position (freiwillig)")).to_have_value("50.93750, 6.96028")
    expect(phone.get_by_text("Standort übernommen.")).to_be_visible()
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Fotos")
    phone.get_by_label("Fotos (freiwillig)").set_input_files(
        {"name": "loch.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Antwort")
    phone.get_by_label("Ja, per E-Mail").check()
    phone.get_by_label("E-Mail-Adresse").fill("erika@example.de")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("50.93750, 6.96028")).to_be_visible()
    expect(phone.get_by_text("loch.jpg")).to_be_visible()
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Mängelmelder: eingegangen")
    found = re.search(r"MAE-\d{4}-\d{6}", phone.locator(".kern-alert").inner_text())
    assert found is not None
    reference = found.group(0)

    make_clerk(live_server.app, username="baubetriebshof", roles=[Role.PUBLIC_WORKS])
    with clerk_desk(browser, live_server, "baubetriebshof") as desk:
        desk.get_by_role("link", name="Gemeldete Mängel").click()
        desk.get_by_role("link", name=reference).click()
        expect(desk.get_by_text("Tiefes Loch am Radweg.")).to_be_visible()
        desk.get_by_role("radio", name="In Bearbeitung").check()
        desk.get_by_label(re.compile("Für „In Bearbeitung“")).fill(ANSWER)
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("In Bearbeitung")
        assert_accessible(desk)

    visit(phone, "/maengelmelder/")
    phone.get_by_label("Art des Mangels").select_option("muell")
    expect(phone.get_by_text("Keine offenen Meldungen.")).to_be_visible()
    phone.get_by_label("Art des Mangels").select_option("strasse")
    item = phone.locator(f"[data-report='{reference}']")
    expect(item).to_contain_text("Bahnhofstraße 12, vor der Apotheke")
    expect(item).to_contain_text("Stand: In Bearbeitung")
    expect(item).to_contain_text(ANSWER)
    expect(phone.get_by_text("Tiefes Loch am Radweg.")).to_have_count(0)
    assert "kategorie=strasse" in phone.url
    assert_accessible(phone)
