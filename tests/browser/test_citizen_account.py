"""A citizen creates an account on a phone, confirms it from the mail and logs in and out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, problems, visit

EMAIL = "erika.mustermann@example.org"
PASSWORD = "Sommer in der Heide 2026"


def test_register_confirm_from_the_mail_log_in_and_out(strict_phone: Page) -> None:
    phone = strict_phone
    phone.goto("/")
    phone.get_by_role("link", name="Mein Konto").click()
    expect(phone.get_by_role("button", name="Mit Passwort anmelden")).to_be_visible()
    phone.get_by_role("link", name="Konto erstellen").click()
    expect(phone.locator("h1")).to_have_text("Konto erstellen")

    # A common password first: the form says why and keeps the address.
    phone.get_by_label("E-Mail-Adresse").fill(EMAIL)
    phone.get_by_label("Passwort", exact=True).fill("password1234")
    phone.get_by_role("button", name="Konto erstellen").click()
    expect(phone.get_by_text("häufigsten Passwörter").first).to_be_visible()
    expect(phone.get_by_label("E-Mail-Adresse")).to_have_value(EMAIL)
    phone.get_by_label("Passwort", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Konto erstellen").click()
    expect(phone.locator("h1")).to_have_text("Bitte sehen Sie in Ihr Postfach")

    # The demo's mail page stands in for the mailbox.
    phone.goto("/entwicklung/post")
    expect(phone.get_by_text(f"An {EMAIL}")).to_be_visible()
    phone.locator('a[href*="/konto/bestaetigen/"]').first.click()
    expect(phone.locator("h1")).to_have_text("E-Mail-Adresse bestätigen")
    phone.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    expect(phone.get_by_text("Ihre E-Mail-Adresse ist bestätigt.")).to_be_visible()

    phone.get_by_label("E-Mail-Adresse").fill(EMAIL)
    phone.get_by_label("Passwort", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Mit Passwort anmelden").click()
    expect(phone.get_by_text("Angemeldet mit E-Mail-Adresse und Passwort.")).to_be_visible()
    expect(phone.get_by_text(EMAIL)).to_be_visible()
    phone.get_by_role("button", name="Abmelden", exact=True).click()
    expect(phone.locator("h1")).to_have_text("Bürgerportal")
    phone.goto("/konto")
    expect(phone.get_by_role("button", name="Mit Passwort anmelden")).to_be_visible()
    assert problems(phone).csp_violations == []


def test_account_pages_are_accessible(phone: Page) -> None:
    for path in (
        "/konto",
        "/konto/registrieren",
        "/konto/passwort-vergessen",
        "/konto/post-unterwegs?art=registrierung",
        "/entwicklung/post",
    ):
        visit(phone, path)
    phone.goto("/konto/bestaetigen/no-such-link")
    assert_accessible(phone)
    # The login form's errors are announced and accessible too.
    phone.goto("/konto")
    phone.get_by_label("E-Mail-Adresse").fill(EMAIL)
    phone.get_by_label("Passwort", exact=True).fill("not the right one")
    phone.get_by_role("button", name="Mit Passwort anmelden").click()
    expect(phone.locator("#error-summary")).to_contain_text(
        "E-Mail-Adresse oder Passwort ist falsch."
    )
    assert_accessible(phone)
