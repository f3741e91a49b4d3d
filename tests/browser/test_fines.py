"""A citizen with the fine authority's letter, on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.browser.drafts_store import drafts_and_outbox, wait_for_draft_saved, wait_for_drafts
from tests.conftest import LiveServer
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
    expect(phone.locator("#error-summary")).to_contain_text(
        "Aktenzeichen und Zugangscode passen nicht zusammen."
    )
    expect(phone.get_by_label("Aktenzeichen")).to_have_value(case["aktenzeichen"])
    assert_accessible(phone)
    phone.get_by_label("Zugangscode").fill(case["access_code"].lower())
    phone.get_by_role("button", name="Vorgang öffnen").click()
    expect(phone.locator("h1")).to_have_text("Anhörung im Bußgeldverfahren")
    expect(phone.get_by_text("MU-EM 123")).to_be_visible()
    assert_accessible(phone)


def test_the_hearing_step_by_step_with_a_photo_check_your_answers_and_a_kept_draft(
    phone: Page, live_server: LiveServer, tmp_path
) -> None:
    from PIL import Image

    case = make_fine_case(live_server.app)
    photo = tmp_path / "parkplatz.jpg"
    Image.new("RGB", (1200, 900), (40, 120, 200)).save(photo, format="JPEG")
    visit(phone, case["portal_url"].removeprefix(live_server.url))
    phone.get_by_role("link", name="Stellung nehmen oder Fahrer benennen").click()
    # What to do first, beside the accusation and the notice that nobody has to comment on it.
    expect(phone.locator("h1")).to_have_text("Stellung nehmen")
    expect(phone.get_by_text("Sie müssen sich zum Vorwurf nicht äußern.")).to_be_visible()
    expect(phone.get_by_label("Ihre Äußerung")).to_have_count(0)
    assert_accessible(phone)
    phone.get_by_label("Ich bestreite den Verstoß").check()
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Den Verstoß bestreiten")
    expect(phone.get_by_label("Name der Fahrerin oder des Fahrers")).to_have_count(0)
    wait_for_drafts(phone)
    phone.get_by_label("Ihre Äußerung").fill("Der Parkschein lag gut sichtbar aus.")
    wait_for_draft_saved(phone)
    # The tab is closed and opened again: what was typed is still there.
    phone.reload()
    wait_for_drafts(phone)
    expect(phone.get_by_label("Ihre Äußerung")).to_have_value(
        "Der Parkschein lag gut sichtbar aus."
    )
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Ihre Angaben zur Person")
    expect(phone.get_by_label("Vor- und Nachname")).to_have_value("Erika Mustermann")
    phone.get_by_label("Geburtsdatum", exact=True).fill("1980-04-01")
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Fotos oder Dokumente")
    phone.get_by_label("Fotos oder PDF (freiwillig, höchstens 5)").set_input_files(str(photo))
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    for shown in (
        "Ich bestreite den Verstoß",
        "Der Parkschein lag gut sichtbar aus.",
        "parkplatz.jpg",
    ):
        expect(phone.get_by_text(shown, exact=False).first).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Äußerung absenden").click()
    expect(phone.locator("h1")).to_have_text("Ihre Äußerung ist eingegangen")
    expect(phone.locator("#statement-reference")).to_have_text(
        re.compile(rf"Ihre Eingangsnummer: EB-{case['aktenzeichen']}-\d+")
    )
    assert_accessible(phone)
    wait_for_drafts(phone)
    assert drafts_and_outbox(phone) == []


def test_naming_the_driver_reaches_the_fines_office(
    phone: Page, live_server: LiveServer, browser
) -> None:
    from server.auth.roles import Role
    from tests.factories import make_clerk

    case = make_fine_case(live_server.app)
    make_clerk(live_server.app, username="bussgeld", roles=[Role.FINES])
    visit(phone, case["portal_url"].removeprefix(live_server.url))
    phone.get_by_role("link", name="Stellung nehmen oder Fahrer benennen").click()
    phone.get_by_label("Ich bin nicht gefahren").check()
    phone.get_by_role("button", name="Weiter").click()
    # Each step waits for the next page: a step is posted only once its draft is saved, so a
    # second tap at once would press the same step's button again.
    expect(phone.locator("h1")).to_have_text("Fahrerin oder Fahrer benennen")
    phone.get_by_label("Name der Fahrerin oder des Fahrers").fill("Jonas Weiß")
    phone.get_by_label("Straße und Hausnummer der Fahrerin oder des Fahrers").fill("Lindenallee 40")
    phone.get_by_label("Postleitzahl und Ort der Fahrerin oder des Fahrers").fill(
        "12345 Musterstadt"
    )
    phone.get_by_label("Geburtsdatum der Fahrerin oder des Fahrers").fill("1999-12-24")
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Ihre Angaben zur Person")
    phone.get_by_label("Geburtsdatum", exact=True).fill("1980-04-01")
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Fotos oder Dokumente")
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("Jonas Weiß")).to_be_visible()
    phone.get_by_role("button", name="Äußerung absenden").click()
    expect(phone.locator("h1")).to_have_text("Ihre Äußerung ist eingegangen")
    reference = phone.locator("#statement-reference").inner_text().rsplit(" ", 1)[-1]

    # The case page now says what arrived instead of counting down, and offers no payment.
    phone.get_by_role("link", name=f"Zurück zum Vorgang {case['aktenzeichen']}").click()
    expect(phone.get_by_text("Ihre Fahrerbenennung ist eingegangen.")).to_be_visible()
    expect(phone.locator("#statement-status")).to_contain_text(f"Eingangsnummer {reference} vom")
    expect(phone.get_by_text(re.compile("Noch \\d+ Tage"))).to_have_count(0)
    expect(phone.get_by_role("button", name=re.compile("online bezahlen"))).to_have_count(0)
    expect(phone.locator("#payment-note")).to_contain_text("nicht mehr zur Zahlung angeboten")
    assert_accessible(phone)

    with clerk_desk(browser, live_server, "bussgeld") as clerk:
        clerk.get_by_role("link", name="Anhörungen und Fahrerbenennungen").click()
        clerk.get_by_role("link", name=case["aktenzeichen"]).click()
        expect(clerk.get_by_text("Jonas Weiß").first).to_be_visible()
        assert_accessible(clerk)
        clerk.get_by_label("Verfahren gegen die benannte Person einleiten").check()
        clerk.get_by_role("button", name="Entscheidung speichern").click()
        expect(clerk.locator("h1")).to_contain_text("Vorgang BG-")
        expect(clerk.get_by_text("Jonas Weiß, Lindenallee 40").first).to_be_visible()
