"""The cash office on a desktop: import the bank's statement, see the bookings, clarify."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright, expect

from server.auth.roles import Role
from server.extensions import db
from server.payments.models import Refund
from tests.browser.conftest import assert_accessible, clerk_desk
from tests.conftest import LiveServer
from tests.factories import make_clerk, make_receivable


def test_cash_clerk_imports_a_statement_and_assigns_an_unknown_transfer(
    playwright: Playwright, browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    app = live_server.app
    for cents in (3000, 9600, 1300):
        make_receivable(app, amount_cents=cents)
    make_clerk(app, username="kasse", display_name="Karla Kasse", roles=[Role.CASH_OFFICE])
    statement = tmp_path / "auszug.xml"
    result = app.test_cli_runner().invoke(
        args=["payments", "demo-statement", "--out", str(statement)]
    )
    assert result.exit_code == 0, result.output

    with clerk_desk(browser, live_server, "kasse") as page:
        page.get_by_role("link", name="Klärungsfälle der Stadtkasse").click()
        expect(page.get_by_text("Keine offenen Klärungsfälle.")).to_be_visible()
        assert_accessible(page)

        page.get_by_role("link", name="Kontoauszug einlesen").click()
        page.get_by_label("Datei (camt.053 oder MT940)").set_input_files(str(statement))
        page.get_by_role("button", name="Einlesen und verbuchen").click()
        expect(page.get_by_text("Kontoauszug auszug.xml verbucht")).to_be_visible()
        assert_accessible(page)

        page.get_by_role("link", name="Zu den Klärungsfällen").click()
        expect(page.get_by_role("cell", name="Teilzahlung", exact=True)).to_be_visible()
        page.get_by_role("row", name="Spende Stadtfest").get_by_role("link").click()
        assert_accessible(page)
        page.get_by_role("button", name="Erstatten").click()
        expect(page.get_by_role("row", name="Spende Stadtfest")).to_have_count(0)

        page.get_by_role("link", name="Sollstellungen", exact=True).click()
        expect(page.get_by_role("cell", name="bezahlt", exact=True)).to_have_count(2)
        assert_accessible(page)


def test_cash_clerk_gives_the_account_a_refund_waits_for(
    browser: Browser, live_server: LiveServer
) -> None:
    app = live_server.app
    receivable_id, kassenzeichen, _token = make_receivable(app, amount_cents=2500)
    with app.app_context(), db.transaction() as session:
        session.add(
            Refund(
                receivable_id=receivable_id,
                amount_cents=2500,
                reason="Absetzung: Verfahren eingestellt",
                reference=f"Erstattung {kassenzeichen}",
                created_by="anna",
            )
        )
    make_clerk(app, username="kasse", display_name="Karla Kasse", roles=[Role.CASH_OFFICE])

    with clerk_desk(browser, live_server, "kasse") as page:
        page.get_by_role("link", name="Erstattungen ohne Konto").first.click()
        expect(page.locator("h1")).to_have_text("Erstattungen ohne Konto")
        assert_accessible(page)
        page.get_by_role("link", name=kassenzeichen).click()
        page.get_by_label("Kontoinhaberin oder Kontoinhaber").fill("Erika Mustermann")
        page.get_by_label("IBAN").fill("DE02 1203 0000 0000 2020 50")
        page.get_by_role("button", name="Konto angeben").click()
        expect(page.locator("#error-summary")).to_contain_text("Diese IBAN ist nicht gültig.")
        expect(page.get_by_label("Kontoinhaberin oder Kontoinhaber")).to_have_value(
            "Erika Mustermann"
        )
        assert_accessible(page)
        page.get_by_label("IBAN").fill("DE02 1203 0000 0000 2020 51")
        page.get_by_role("button", name="Konto angeben").click()
        expect(page.get_by_text("Keine Erstattung wartet auf ein Konto.")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text(
            "Die Erstattung geht mit der nächsten Überweisungsdatei an Erika Mustermann."
        )
