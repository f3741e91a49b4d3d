"""A citizen orders a bulky waste pickup on a phone without an account: the district's days,
the fee above the free volume, paying; the Baubetriebshof plans it at its desk; the citizen
cancels and is told the fee comes back."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_a_pickup_is_ordered_paid_planned_and_cancelled(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    live_server.app.extensions["sandbox_notifier"].synchronous = True
    visit(phone, "/dienste/sperrmuell")
    phone.get_by_role("link", name="Jetzt starten").click()
    expect(phone.locator("h1")).to_have_text("Wo sollen wir abholen?")
    phone.get_by_label("Ihr Name").fill("Erika Mustermann")
    phone.get_by_label("Straße und Hausnummer").fill("Feldweg 3")
    phone.get_by_label("E-Mail-Adresse").fill("erika@example.de")
    weiter(phone)
    # No district there: said at the field, and what was typed stays.
    expect(phone.locator("#error-summary")).to_contain_text("keinen Abfuhrbezirk")
    expect(phone.get_by_label("Ihr Name")).to_have_value("Erika Mustermann")
    phone.get_by_label("Straße und Hausnummer").fill("Heidestraße 17")
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Was sollen wir abholen?")
    count = phone.get_by_label("Wie viele Stück: Sofa oder Couch?")
    expect(count).to_be_hidden()
    phone.get_by_label("Sofa oder Couch (2 m³ je Stück)").check()
    expect(count).to_be_visible()  # asked once the sofa is ticked
    count.select_option("2")
    phone.get_by_label("Matratze (0,5 m³ je Stück)").check()
    phone.get_by_label("Wie viele Stück: Matratze?").select_option("1")
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Wann sollen wir abholen?")
    expect(phone.get_by_text("Ihre Anschrift liegt im Abfuhrbezirk Mitte.")).to_be_visible()
    expect(phone.get_by_text("kostet die Abholung 50,00 €")).to_be_visible()
    day = phone.get_by_label("Abholtag", exact=True)
    first_day = day.locator("option").nth(1).inner_text()
    assert first_day.startswith("Dienstag, "), first_day
    day.select_option(index=1)
    phone.get_by_label(re.compile("Ich stelle alles am Abholtag bis 6 Uhr")).check()
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("50,00 €").first).to_be_visible()
    expect(phone.get_by_text(first_day)).to_be_visible()
    phone.get_by_role("button", name="Zahlungspflichtig absenden und bezahlen").click()
    expect(phone).to_have_url(re.compile("/sandbox-zahlung/bezahlen/SBX-"))
    phone.get_by_label("Wero").check()
    phone.get_by_role("button", name="Bezahlen", exact=True).click()
    back = phone.get_by_role("link", name=re.compile("Zurück zu Ihrem Antrag SPM-"))
    found = re.search(r"SPM-\d{4}-\d{6}", back.inner_text())
    assert found is not None
    reference = found.group(0)
    back.click()
    confirmation = phone.url

    make_clerk(live_server.app, username="baubetriebshof", roles=[Role.PUBLIC_WORKS])
    with clerk_desk(browser, live_server, "baubetriebshof") as desk:
        # The tours: each district's days with their places, a day's link lists its orders.
        desk.get_by_role("link", name=re.compile("Sperrmüll: Abholungen morgen")).click()
        expect(desk.locator("#bezirk-mitte")).to_contain_text("Abfuhrbezirk Mitte")
        assert_accessible(desk)
        desk.locator("#bezirk-mitte").get_by_role("link", name=first_day).click()
        expect(desk.get_by_role("link", name=reference)).to_be_visible()
        desk.get_by_role("link", name="Arbeitsübersicht").click()
        desk.get_by_role("link", name="Sperrmüll-Abholungen").click()
        desk.get_by_role("link", name=reference).click()
        expect(desk.get_by_text("Heidestraße 17").first).to_be_visible()
        desk.get_by_role("radio", name="Eingeplant").check()
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Eingeplant")
        assert_accessible(desk)

    phone.goto(confirmation)
    expect(phone.locator("#status-history")).to_contain_text("Eingeplant")
    phone.get_by_role("link", name="Abholung stornieren").click()
    expect(phone.get_by_text("Wollen Sie die Abholung wirklich stornieren?")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Abholung stornieren").click()
    expect(phone.get_by_text("Stand jetzt: Storniert.")).to_be_visible()
    expect(
        phone.get_by_text(re.compile("Was Sie bezahlt haben, erhalten Sie zurück"))
    ).to_be_visible()
    expect(phone.get_by_role("link", name="Abholung stornieren")).to_have_count(0)
