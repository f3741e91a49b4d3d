"""A clerk at the back-office entrance."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, pass_second_factor, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk


def test_clerk_logs_in_sees_the_work_overview_and_logs_out(
    phone: Page, live_server: LiveServer
) -> None:
    make_clerk(
        live_server.app,
        username="standesamt",
        display_name="Stefan Standesamt",
        roles=[Role.REGISTRY_OFFICE],
    )
    visit(phone, "/")
    phone.get_by_role("link", name="Zugang für die Verwaltung").click()
    expect(phone).to_have_url(re.compile(r"/verwaltung/anmelden\?next="))
    assert_accessible(phone)

    phone.get_by_label("Benutzername").fill("standesamt")
    phone.get_by_label("Passwort").fill("not the password")
    phone.get_by_role("button", name="Anmelden").click()
    expect(phone.locator("#error-summary")).to_contain_text(
        "Benutzername oder Passwort ist falsch."
    )
    expect(phone.get_by_label("Benutzername")).to_have_value("standesamt")
    assert_accessible(phone)

    phone.get_by_label("Passwort").fill("correct horse battery")
    phone.get_by_role("button", name="Anmelden").click()
    expect(phone.locator("h1")).to_have_text("Code eingeben")
    assert_accessible(phone)
    phone.get_by_label("Sechsstelliger Code").fill("000000")
    phone.get_by_role("button", name="Bestätigen").click()
    expect(phone.locator("#error-summary")).to_contain_text("Der Code ist nicht richtig.")
    assert_accessible(phone)
    pass_second_factor(phone, live_server, "standesamt")
    expect(phone.locator("h1")).to_have_text("Arbeitsübersicht")
    expect(phone.get_by_text("Angemeldet als Stefan Standesamt")).to_be_visible()
    expect(phone.get_by_role("rowheader", name="Urkundenbestellungen")).to_be_visible()
    expect(phone.get_by_text("Keine offenen Vorgänge")).to_be_visible()
    assert_accessible(phone)

    phone.get_by_role("button", name="Abmelden").click()
    expect(phone.locator("h1")).to_have_text("Bürgerportal")
    phone.goto("/verwaltung/")
    expect(phone).to_have_url(re.compile("/verwaltung/anmelden"))
