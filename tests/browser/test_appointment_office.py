"""The Bürgerbüro's day in a real browser: a clerk checks an appointment in and calls it; the
waiting room's screen (another page, nobody logged in) shows the number by itself (htmx)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from tests.browser.conftest import assert_accessible, clerk_desk, visit
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.integration.appointments.helpers import make_office
from tests.integration.appointments.office_helpers import appointment, at, today


def test_check_in_and_call_show_the_number_on_the_call_display(
    browser: Browser, phone: Page, live_server: LiveServer
) -> None:
    app = live_server.app
    office = make_office(app, counters=2)
    number = appointment(app, office, at(today(), 0, 10), name="Erika Mustermann")
    make_clerk(app, username="termine", roles=[Role.APPOINTMENTS])

    visit(phone, f"/aufruf/{office.location_id}")  # the screen, opened before anyone arrives
    expect(phone.get_by_text("Gerade wird niemand aufgerufen.")).to_be_visible()

    with clerk_desk(browser, live_server, "termine") as desk:
        desk.get_by_role("link", name="Termine im Bürgerbüro heute").click()
        desk.get_by_role("link", name="Heute").click()
        row = desk.locator(f"tr[data-booking='{number}']")
        expect(row).to_contain_text("Erika Mustermann")
        assert_accessible(desk)
        desk.get_by_label("Ihr Schalter").select_option(label="Schalter 2")
        desk.get_by_role("button", name="Schalter wählen").click()
        row.get_by_role("button", name="Angekommen").click()
        expect(desk.get_by_text("Angekommen: Wartenummer 1.")).to_be_visible()
        row.get_by_role("button", name="Aufrufen").click()
        expect(desk.get_by_text("Wartenummer 1 ist aufgerufen (Schalter 2).")).to_be_visible()
        assert_accessible(desk)

    # The screen was not reloaded: its poll brought the call.
    call = phone.locator("[data-call='1']")
    expect(call).to_contain_text("Schalter 2", timeout=15000)
    expect(phone.get_by_text("Erika Mustermann")).to_have_count(0)
    assert_accessible(phone)
