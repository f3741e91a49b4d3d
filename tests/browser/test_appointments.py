"""The Terminportal on a phone, with the CSP kept: two services booked anonymously (the ALTCHA
widget solving its challenge in Chromium), confirmed through the mail's link, the ICS file
downloaded and read, the appointment moved and cancelled."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.appointments.models import Appointment
from server.db import as_utc
from server.extensions import db
from server.mail.outbox import send_pending
from tests.browser.conftest import AXE, assert_accessible, problems
from tests.conftest import LiveServer
from tests.integration.accounts_helpers import link_in
from tests.integration.appointments.helpers import make_office

EMAIL = "erika@example.de"


def delivered(live_server: LiveServer, subject: str) -> EmailMessage:
    """The outbox sent (the file transport writes .eml files), and the mail found."""
    with live_server.app.app_context():
        send_pending()
        folder = Path(live_server.app.config["MAIL_FILE_DIR"])
    for path in sorted(folder.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == EMAIL and subject in str(message["Subject"]):
            assert isinstance(message, EmailMessage)
            return message
    raise AssertionError(f"no mail about {subject}")


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def accessible(page: Page) -> None:
    """axe, brought in by the test driver (the page's CSP refuses an injected script tag)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + ";true")
    assert_accessible(page)


def the_appointment(live_server: LiveServer) -> Appointment:
    with live_server.app.app_context():
        found: Appointment | None = db.session.scalars(select(Appointment)).first()
        assert found is not None
        db.session.expunge(found)
        return found


def test_book_two_services_confirm_download_move_and_cancel(
    strict_phone: Page, live_server: LiveServer
) -> None:
    page = strict_phone
    make_office(live_server.app)

    page.goto("/termine")
    page.get_by_label("Personalausweis beantragen").check()
    page.get_by_label("Wohnsitz anmelden").check()
    page.get_by_role("button", name="Weiter").click()

    # The proof of work: the widget stands in the form, and sending the form solves it first.
    page.get_by_label("Bürgerbüro Mitte").check()
    widget = page.locator("altcha-widget")
    expect(widget.get_by_text("Ich bin kein Roboter")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Freie Termine anzeigen").click()
    expect(page.get_by_role("heading", name="Wann möchten Sie kommen?")).to_be_visible(
        timeout=30000
    )
    assert "altcha=" not in page.url
    page.locator("input[name=zeit]").first.check()
    page.get_by_role("button", name="Weiter").click()

    expect(page.get_by_role("heading", name="Hinweise zum Datenschutz")).to_be_visible()
    page.get_by_label("Ihr Name").fill("Erika Mustermann")
    page.get_by_label("Ihre E-Mail-Adresse").fill(EMAIL)
    page.get_by_role("button", name="Termin buchen").click()
    expect(page.get_by_text("Bitte bestätigen Sie den Termin")).to_be_visible()

    # The mail's link opens a page; only its button confirms.
    ask = delivered(live_server, "Bitte bestätigen Sie Ihren Termin")
    page.goto(link_in(body_of(ask), "/termine/bestaetigen/"))
    page.get_by_role("button", name="Termin bestätigen").click()
    expect(page.get_by_text("Ihr Termin ist bestätigt")).to_be_visible()
    booked = the_appointment(live_server)
    assert booked.status == "confirmed"
    # 20 + 15 minutes, on the ten-minute grid.
    assert (as_utc(booked.ends_at) - as_utc(booked.starts_at)).seconds == 40 * 60
    accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("ICS-Datei")).click()
    event = Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == as_utc(booked.starts_at)
    assert event.decoded("dtend") == as_utc(booked.ends_at)
    assert "Rathausplatz 1" in str(event["location"])

    page.get_by_role("link", name="Termin verschieben").click()
    page.locator("input[name=zeit]").nth(3).check()
    page.get_by_role("button", name="Auf diese Zeit verschieben").click()
    expect(page.get_by_text("Ihr Termin ist verschoben")).to_be_visible()
    moved = the_appointment(live_server)
    assert moved.starts_at != booked.starts_at

    page.get_by_role("button", name="Termin absagen").click()
    expect(page.get_by_text("Ihr Termin ist abgesagt")).to_be_visible()
    assert the_appointment(live_server).status == "cancelled"
    assert problems(page).csp_violations == []
    assert problems(page).console_errors == []
