"""At a desktop: an administrator creates a clerk; the clerk sets up the second factor at the
first login, with the secret read off the page as an authenticator app would."""

from __future__ import annotations

import io
import re

import pyotp
from PIL import Image
from playwright.sync_api import Browser, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, clerk_desk
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.qr_codes import read_qr_codes


def test_admin_creates_a_clerk_who_enrols_and_reaches_the_overview(
    browser: Browser, live_server: LiveServer
) -> None:
    make_clerk(live_server.app, username="chefin", display_name="Clara Chefin", roles=[Role.ADMIN])

    with clerk_desk(browser, live_server, "chefin") as page:
        page.get_by_role(
            "link", name="Konten und Rollen der Mitarbeiterinnen und Mitarbeiter"
        ).click()
        expect(page.locator("h1")).to_have_text("Konten der Verwaltung")
        assert_accessible(page)
        page.get_by_role("link", name="Neues Konto").click()
        page.get_by_label("Benutzername").fill("b.berg")
        page.get_by_label("Name", exact=True).fill("Birgit Berg")
        page.get_by_label("Erstes Passwort").fill("zu kurz")
        page.get_by_role("checkbox", name="Stadtkasse").check()
        page.get_by_role("button", name="Konto anlegen").click()
        expect(page.get_by_role("alert").first).to_contain_text("mindestens 12 Zeichen")
        expect(page.get_by_label("Name", exact=True)).to_have_value("Birgit Berg")
        expect(page.get_by_role("checkbox", name="Stadtkasse")).to_be_checked()
        assert_accessible(page)
        page.get_by_label("Erstes Passwort").fill("ein gutes erstes Passwort")
        page.get_by_role("button", name="Konto anlegen").click()
        expect(page.get_by_text("Das Konto ist angelegt.")).to_be_visible()
        assert_accessible(page)
        # A role more: the fines office as well.
        page.get_by_role("checkbox", name="Bußgeldstelle").check()
        page.get_by_role("button", name="Rollen speichern").click()
        expect(page.get_by_text("Die Rollen sind gespeichert.")).to_be_visible()
        page.get_by_role("link", name="Konten", exact=True).click()
        row = page.get_by_role("row", name=re.compile("Birgit Berg"))
        expect(row).to_contain_text("Stadtkasse, Bußgeldstelle")
        expect(row).to_contain_text("noch nicht eingerichtet")

    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="de-DE",
        base_url=live_server.url,
        bypass_csp=True,  # axe is injected
        service_workers="block",  # as in clerk_desk
    )
    page = context.new_page()
    try:
        page.goto("/verwaltung/")
        page.get_by_label("Benutzername").fill("b.berg")
        page.get_by_label("Passwort").fill("ein gutes erstes Passwort")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator("h1")).to_have_text("Zweiten Faktor einrichten")
        qr_code = page.get_by_role("img", name=re.compile("QR-Code"))
        expect(qr_code).to_be_visible()
        assert qr_code.evaluate("image => image.complete && image.naturalWidth > 100")
        assert_accessible(page)
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        # What an authenticator app reads from the QR code: this secret, the city, the account.
        scanned = read_qr_codes(Image.open(io.BytesIO(qr_code.screenshot())))
        assert [code.text for code in scanned] == [
            f"otpauth://totp/B%C3%BCrgerportal%20Musterstadt:b.berg?secret={secret}"
            "&issuer=B%C3%BCrgerportal%20Musterstadt"
        ]
        page.get_by_label("Sechsstelliger Code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Einrichten und anmelden").click()
        expect(page.locator("h1")).to_have_text("Arbeitsübersicht")
        expect(page.get_by_text("Angemeldet als Birgit Berg")).to_be_visible()
        expect(page.get_by_role("rowheader", name="Klärungsfälle der Stadtkasse")).to_be_visible()
        expect(page.get_by_role("rowheader", name=re.compile("Anhörungen"))).to_be_visible()
    finally:
        context.close()
