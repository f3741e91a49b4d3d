"""Errors on a phone: the summary takes focus, the title says "Fehler:", a link in it takes the
citizen to the field, after a page load and after an htmx swap alike. The offline and update
banners never cover the header, a field or the button."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, problems, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk

ERROR_TITLE = re.compile(r"^Fehler: ")


def test_the_error_summary_takes_focus_and_leads_to_the_field(
    phone: Page, live_server: LiveServer
) -> None:
    visit(phone, "/bussgeld")
    expect(phone).not_to_have_title(ERROR_TITLE)
    phone.get_by_role("button", name="Vorgang öffnen").click()
    summary = phone.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(phone).to_have_title(re.compile(r"^Fehler: Knöllchen und Bußgeld"))
    assert_accessible(phone)
    summary.get_by_role("link", name="Geben Sie den Zugangscode von Ihrem Schreiben ein.").click()
    expect(phone.get_by_label("Zugangscode")).to_be_focused()
    expect(phone.get_by_text("Zugangscode", exact=True)).to_be_in_viewport()

    phone.get_by_label("Aktenzeichen").fill("BG-2026-999999")
    phone.get_by_label("Zugangscode").fill("AAAA-BBBB-CCCC-DDDD")
    phone.get_by_role("button", name="Vorgang öffnen").click()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Aktenzeichen und Zugangscode passen nicht zusammen.")
    summary.get_by_role("link").click()
    expect(phone.get_by_label("Aktenzeichen")).to_be_focused()

    # The clerk login answers htmx with its form only: focus and title follow the swap.
    make_clerk(live_server.app, username="bussgeld", roles=[Role.FINES])
    visit(phone, "/verwaltung/anmelden")
    phone.get_by_label("Benutzername").fill("bussgeld")
    phone.get_by_label("Passwort").fill("nicht das Passwort")
    phone.get_by_role("button", name="Anmelden").click()
    expect(summary).to_be_focused()
    expect(phone).to_have_title(re.compile(r"^Fehler: Anmeldung für die Verwaltung"))
    summary.get_by_role("link", name="Benutzername oder Passwort ist falsch.").click()
    expect(phone.get_by_label("Passwort")).to_be_focused()
    assert_accessible(phone)
    # Put right, the next swap takes the prefix away again (a missing username here).
    phone.get_by_label("Benutzername").fill("")
    phone.get_by_label("Passwort").fill("correct horse battery")
    phone.get_by_role("button", name="Anmelden").click()
    expect(summary.get_by_role("link")).to_have_text("Geben Sie Ihren Benutzernamen ein.")
    expect(phone).to_have_title(re.compile(r"^Fehler: Anmeldung für die Verwaltung"))
    assert not phone.title().startswith("Fehler: Fehler:")
    # The refusals themselves (422) are all the console has to say: no script failed.
    assert [e for e in problems(phone).console_errors if "status of 422" not in e] == []


OVERLAPS = """(banners) => {
    const boxes = (selector) => [...document.querySelectorAll(selector)]
        .filter((el) => el.getClientRects().length).map((el) => el.getBoundingClientRect());
    const covered = (a, b) => a.left < b.right && b.left < a.right
        && a.top < b.bottom && b.top < a.bottom;
    const content = [
        ...boxes(".portal-header"), ...boxes("main h1"), ...boxes("main input"),
        ...boxes("main button"), ...boxes("main a"),
    ];
    return boxes(banners).flatMap((banner) => content.filter((box) => covered(banner, box)))
        .length;
}"""


def test_the_banners_take_space_instead_of_covering_the_page(phone: Page) -> None:
    visit(phone, "/zahlungen/")
    phone.context.set_offline(True)
    try:
        expect(phone.locator("#offline-banner")).to_be_visible()
        # What app.js does when a new version waits (shown here without waiting for one).
        phone.evaluate("document.getElementById('update-banner').hidden = false")
        banners = "#offline-banner, #update-banner"
        expect(phone.locator("#update-banner")).to_be_visible()
        assert phone.evaluate(OVERLAPS, banners) == 0
        # Wherever the citizen is on the page: at the first field, at "Weiter", at the end.
        for target in ("#kassenzeichen", "main button[type=submit]", "footer"):
            phone.locator(target).evaluate("(el) => el.scrollIntoView({block: 'center'})")
            assert phone.evaluate(OVERLAPS, banners) == 0, target
        phone.get_by_label("Kassenzeichen").focus()
        assert phone.evaluate(OVERLAPS, banners) == 0
        assert_accessible(phone)
    finally:
        phone.context.set_offline(False)
