"""A citizen with the fine authority's letter, on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, assert_accessible, visit
from tests.factories import make_fine_case


def test_from_the_letters_qr_code_to_paid_in_few_taps(phone: Page, live_server: LiveServer) -> None:
    case = make_fine_case(live_server.app)
    # The phone camera opens the URL in the QR code.
    visit(phone, case["portal_url"].removeprefix(live_server.url))
    expect(phone.locator(".kern-preline")).to_have_text(f"Aktenzeichen {case['aktenzeichen']}")
    taps = 0
    phone.get_by_role("button", name=re.compile("online bezahlen")).click()
    taps += 1
    expect(phone).to_have_url(re.compile("/sandbox-zahlung/bezahlen/"))
    phone.get_by_role("button", name="Bezahlen", exact=True).click()
    taps += 1
    expect(
        phone.get_by_text("Vielen Dank. Ihre Zahlung ist eingegangen und verbucht.")
    ).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name=f"Zurück zum Vorgang {case['aktenzeichen']}").click()
    taps += 1
    expect(phone.get_by_text("Bezahlt: Der Vorgang ist abgeschlossen.")).to_be_visible()
    assert_accessible(phone)
    assert taps <= 5


def test_typed_access_code_path(phone: Page, live_server: LiveServer) -> None:
    case = make_fine_case(live_server.app, kind="hearing")
    visit(phone, "/")
    phone.get_by_role("link", name="Knöllchen und Bußgeld").click()
    expect(phone.locator("h1")).to_have_text("Ihr Schreiben der Bußgeldstelle")
    assert_accessible(phone)
    phone.get_by_label("Aktenzeichen").fill(case["aktenzeichen"])
    phone.get_by_label("Zugangscode").fill("WRONG-CODE")
    phone.get_by_role("button", name="Vorgang öffnen").click()
    expect(phone.get_by_text("Aktenzeichen und Zugangscode passen nicht zusammen.")).to_be_visible()
    expect(phone.get_by_label("Aktenzeichen")).to_have_value(case["aktenzeichen"])
    assert_accessible(phone)
    phone.get_by_label("Zugangscode").fill(case["access_code"].lower())
    phone.get_by_role("button", name="Vorgang öffnen").click()
    expect(phone.locator("h1")).to_have_text("Anhörung im Bußgeldverfahren")
    expect(phone.get_by_text("MU-EM 123")).to_be_visible()
    assert_accessible(phone)
