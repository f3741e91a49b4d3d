"""On a phone: a paid fine gives its proof of payment, a discontinued one offers no payment."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, visit
from tests.conftest import LiveServer
from tests.factories import make_fine_case


def test_a_paid_fine_shows_and_downloads_its_proof_of_payment(
    phone: Page, live_server: LiveServer
) -> None:
    case = make_fine_case(live_server.app)
    visit(phone, case["portal_url"].removeprefix(live_server.url))
    phone.get_by_role("button", name=re.compile("online bezahlen")).click()
    expect(phone).to_have_url(re.compile("/sandbox-zahlung/bezahlen/"))
    phone.get_by_role("button", name="Bezahlen", exact=True).click()
    expect(
        phone.get_by_text("Vielen Dank. Ihre Zahlung ist eingegangen und verbucht.")
    ).to_be_visible()
    proof = phone.locator("#zahlungsbestaetigung")
    expect(proof.get_by_role("heading", name="Zahlungsbestätigung")).to_be_visible()
    expect(proof).to_contain_text("Online-Zahlung")
    expect(proof).to_contain_text(case["kassenzeichen"][:2])
    assert_accessible(phone)
    phone.get_by_role("link", name=f"Zurück zum Vorgang {case['aktenzeichen']}").click()
    expect(phone.get_by_text("Bezahlt: Der Vorgang ist abgeschlossen.")).to_be_visible()
    expect(phone.locator("#zahlungsbestaetigung")).to_contain_text("Bezahlt am")
    expect(phone.get_by_role("button", name=re.compile("online bezahlen"))).to_have_count(0)
    assert_accessible(phone)
    link = phone.get_by_role("link", name="Zahlungsbestätigung herunterladen (PDF)")
    href = link.get_attribute("href")
    assert href == f"/zahlungen/{case['kassenzeichen']}/zahlungsbestaetigung.pdf"
    # Fetched with the phone's cookies: the same access rule as the notice.
    response = phone.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_a_discontinued_fine_says_so_and_offers_no_payment(
    phone: Page, live_server: LiveServer
) -> None:
    from server.payments.closing import close_receivable
    from server.payments.models import ClosingReason
    from server.payments.receivables import find_by_kassenzeichen

    app = live_server.app
    case = make_fine_case(app)
    with app.app_context():
        receivable = find_by_kassenzeichen(case["kassenzeichen"])
        assert receivable is not None
        close_receivable(receivable, reason=ClosingReason.DISCONTINUED, actor="test")
    visit(phone, case["portal_url"].removeprefix(live_server.url))
    expect(
        phone.get_by_text("Das Verfahren wurde eingestellt. Sie müssen nichts zahlen.")
    ).to_be_visible()
    expect(phone.get_by_role("button", name=re.compile("online bezahlen"))).to_have_count(0)
    expect(phone.get_by_text(re.compile("Per Überweisung bezahlen"))).to_have_count(0)
    expect(phone.get_by_text(re.compile("bitte bis"))).to_have_count(0)
