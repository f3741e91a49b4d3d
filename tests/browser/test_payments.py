"""A citizen pays a notice on a phone: online through the sandbox platform, or by transfer."""

from __future__ import annotations

import re

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, visit
from tests.conftest import LiveServer
from tests.factories import make_receivable
from tests.qr_codes import read_qr_codes


def test_citizen_pays_a_notice_online_and_sees_the_receipt(
    phone: Page, live_server: LiveServer
) -> None:
    _, kassenzeichen, _ = make_receivable(
        live_server.app, amount_cents=3000, description="Gebühr Bewohnerparkausweis"
    )
    visit(phone, "/")
    phone.get_by_role("link", name="Bescheide bezahlen").click()
    expect(phone.locator("h1")).to_have_text("Bescheid bezahlen")
    assert_accessible(phone)
    phone.get_by_label("Kassenzeichen").fill(kassenzeichen)
    phone.get_by_label("Betrag in Euro").fill("30")
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Gebühr Bewohnerparkausweis")
    assert_accessible(phone)

    phone.get_by_role("button", name=re.compile("30,00 € online bezahlen")).click()
    expect(phone).to_have_url(re.compile("/sandbox-zahlung/bezahlen/SBX-"))
    assert_accessible(phone)
    phone.get_by_label("Wero").check()
    phone.get_by_role("button", name="Bezahlen", exact=True).click()

    expect(
        phone.get_by_text("Vielen Dank. Ihre Zahlung ist eingegangen und verbucht.")
    ).to_be_visible()
    expect(phone.get_by_text("Per Überweisung")).to_have_count(0)
    assert_accessible(phone)


def test_the_girocode_on_the_page_is_what_a_banking_app_reads(
    phone: Page, live_server: LiveServer, tmp_path
) -> None:
    _, kassenzeichen, token = make_receivable(live_server.app, amount_cents=9600)
    visit(phone, f"/zahlungen/z/{token}")
    code = phone.locator(".portal-girocode svg")
    expect(code).to_be_visible()
    shot = tmp_path / "girocode.png"
    code.screenshot(path=str(shot))
    results = read_qr_codes(Image.open(shot))
    assert len(results) == 1
    lines = results[0].text.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[5:8] == ["Stadtkasse Musterstadt", "DE02120300000000202051", "EUR96.00"]
    assert re.fullmatch(r"RF\d\d" + kassenzeichen, lines[9])
    # The copy buttons appear where the browser can copy.
    expect(phone.get_by_role("button", name="IBAN kopieren")).to_be_visible()
