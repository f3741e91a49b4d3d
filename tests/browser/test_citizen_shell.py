"""What a citizen sees on a phone: start page, tiles, catalogue, language."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from server.web.catalogue import SERVICES
from tests.browser.conftest import assert_accessible, visit


def test_start_page_shows_every_service_tile_without_sideways_scrolling(phone: Page) -> None:
    visit(phone, "/")
    expect(phone).to_have_title(re.compile("^Startseite – Bürgerportal"))
    expect(phone.locator("h1")).to_have_text("Bürgerportal")
    expect(phone.locator(".portal-tiles li")).to_have_count(
        len([s for s in SERVICES if s.start_tile])
    )
    width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is wider than the phone: {width}"


def test_the_appointment_tile_leads_to_the_booking(phone: Page) -> None:
    visit(phone, "/")
    phone.get_by_role("link", name="Termin vereinbaren").click()
    expect(phone).to_have_url(re.compile("/termine$"))
    expect(phone.locator("h1")).to_have_text("Termin vereinbaren")
    expect(phone.get_by_role("group", name="Für wie viele Personen?")).to_be_visible()
    assert_accessible(phone)


def test_a_form_tile_leads_to_its_service_page(phone: Page) -> None:
    visit(phone, "/")
    phone.get_by_role("link", name="Kita-Anmeldung").click()
    expect(phone).to_have_url(re.compile("/dienste/kita$"))
    expect(phone.get_by_role("heading", name="Was es kostet")).to_be_visible()
    assert_accessible(phone)


def test_catalogue_search_filters_as_the_citizen_types(phone: Page) -> None:
    visit(phone, "/dienste")
    phone.get_by_label("Dienst suchen").fill("urkunde")
    expect(phone.locator("#service-list li")).to_have_count(1)
    expect(phone.locator("#service-list")).to_contain_text("Urkunden bestellen")
    expect(phone).to_have_url(re.compile(r"/dienste\?q=urkunde"))
    assert_accessible(phone)
    phone.get_by_label("Dienst suchen").fill("mondlandung")
    expect(phone.locator("#service-list")).to_contain_text("Kein Dienst passt")
    assert_accessible(phone)


def test_language_switch_to_english_persists(phone: Page) -> None:
    visit(phone, "/dienste/urkunden")
    phone.get_by_role("button", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en-GB")
    expect(phone.locator("h1")).to_have_text("Order certificates")
    assert_accessible(phone)
    visit(phone, "/")
    expect(phone.locator("h1")).to_have_text("Citizen portal")
    phone.get_by_role("button", name="Deutsch").click()
    expect(phone.locator("html")).to_have_attribute("lang", "de")
