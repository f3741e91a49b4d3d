"""A resident applies for a parking permit on a phone and pays; the Straßenverkehrsbehörde
approves at its desk; the permit's QR code, read with zxing-cpp, opens the verification page
an enforcement officer sees."""

from __future__ import annotations

import io
import re

import pypdfium2
from PIL import Image
from playwright.sync_api import Browser, Page, Response, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.browser.test_certificate_levels import enter_name_and_address
from tests.browser.test_certificates import register_and_log_in
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.qr_codes import read_qr_codes


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 50), (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def server_draft_read(response: Response) -> bool:
    return response.url.endswith("/entwurf") and response.request.method == "GET"


def weiter(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_a_resident_gets_a_permit_an_officer_can_check(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    live_server.app.extensions["sandbox_notifier"].synchronous = True
    register_and_log_in(phone)
    enter_name_and_address(phone)  # Lindenweg 3: zone B

    visit(phone, "/dienste/bewohnerparkausweis")
    # The first step binds to the server draft too: waited for here, so that the wait after
    # the first "Weiter" cannot be answered by this read arriving late.
    with phone.expect_response(server_draft_read):
        phone.get_by_role("link", name="Jetzt starten").click()
    expect(phone.locator("h1")).to_have_text("Wo wohnen Sie?")
    expect(phone.get_by_label("Straße und Hausnummer")).to_have_value("Lindenweg 3")
    # Outside every zone: said, and what was typed stays.
    phone.get_by_label("Straße und Hausnummer").fill("Lindenweg 99")
    # The returned step binds to the account's server draft first: typing before that can be
    # taken back by the draft's older answer.
    with phone.expect_response(server_draft_read):
        weiter(phone)
    expect(phone.locator("#error-summary")).to_contain_text("in keiner Bewohnerparkzone")
    expect(phone.get_by_label("Ihr Name")).to_have_value("Nina Neu")
    phone.get_by_label("Straße und Hausnummer").fill("Lindenweg 3")
    assert_accessible(phone)
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Ihr Fahrzeug")
    phone.get_by_label("Kennzeichen").fill("mu-nn 42")
    phone.get_by_label("Zulassungsbescheinigung Teil I").set_input_files(
        {"name": "schein.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    phone.get_by_label("Ein Jahr").check()
    weiter(phone)

    expect(phone.locator("h1")).to_have_text("Prüfen Sie Ihre Angaben")
    expect(phone.get_by_text("30,60 €").first).to_be_visible()
    phone.get_by_role("button", name="Zahlungspflichtig absenden und bezahlen").click()
    expect(phone).to_have_url(re.compile("/sandbox-zahlung/bezahlen/SBX-"))
    phone.get_by_label("Wero").check()
    phone.get_by_role("button", name="Bezahlen", exact=True).click()
    back = phone.get_by_role("link", name=re.compile("Zurück zu Ihrem Antrag BPA-"))
    found = re.search(r"BPA-\d{4}-\d{6}", back.inner_text())
    assert found is not None
    reference = found.group(0)
    back.click()
    confirmation = phone.url

    make_clerk(live_server.app, username="verkehr", roles=[Role.TRAFFIC_OFFICE])
    with clerk_desk(browser, live_server, "verkehr") as desk:
        desk.get_by_role("link", name="Bewohnerparkausweise").click()
        desk.get_by_role("link", name=reference).click()
        expect(desk.get_by_role("link", name="schein.jpg")).to_be_visible()
        desk.get_by_role("radio", name="Genehmigt").check()
        desk.get_by_role("button", name="Stand speichern").click()
        expect(desk.locator(".kern-subline")).to_contain_text("Genehmigt")
        assert_accessible(desk)

    phone.goto(confirmation)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Bewohnerparkausweis herunterladen (PDF)").click()
    page = pypdfium2.PdfDocument(download.value.path().read_bytes())[0]
    [code] = read_qr_codes(page.render(scale=200 / 72).to_pil())

    # The officer's phone opens what the code says.
    phone.goto(code.text)
    expect(phone.locator("#permit-status")).to_have_text("Gültig")
    expect(phone.get_by_text("Der Ausweis gilt heute in Zone B (Nordviertel).")).to_be_visible()
    expect(phone.get_by_text("MU-NN 42")).to_be_visible()
    assert_accessible(phone)
