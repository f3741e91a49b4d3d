"""Appointment an appointment as a citizen on both databases: the steps, the mails and their links,
a time taken meanwhile, expired holds, forged links, cancelling, moving and the limits."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from icalendar import Calendar
from sqlalchemy import select, update

from server.appointments.models import Appointment, Slot
from server.db import as_utc, utcnow
from server.extensions import db
from server.mail.models import OutboxMail, PostfachMessage
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.integration.accounts_helpers import link_in, mails_to, text_of
from tests.integration.appointments.helpers import (
    book,
    first_time,
    hidden_fields,
    make_office,
    offered,
    post_button,
    soup,
    time_clear_of_now,
    times_page,
    times_url,
)

AUSWEIS = "Personalausweis beantragen"
WOHNSITZ = "Wohnsitz anmelden"


def bookings(app: Flask) -> list[Appointment]:
    with app.app_context():
        return list(db.session.scalars(select(Appointment).order_by(Appointment.id)))


def test_the_tile_leads_to_the_booking_and_a_service_must_be_chosen(
    client: CheckingClient,
) -> None:
    make_office(client.application)
    start = soup(client.get("/"))
    tile = next(a for a in start.select(".portal-tiles a") if "Termin vereinbaren" in a.text)
    page = client.get(str(tile["href"]))
    assert page.status_code == 200
    assert AUSWEIS in text_of(page)
    assert WOHNSITZ in text_of(page)
    refused = client.get("/termine/standort?personen=1")
    assert refused.status_code == 422
    assert "Wählen Sie mindestens ein Anliegen." in text_of(refused)


def test_anonymous_booking_is_confirmed_only_by_the_button_behind_the_mail_link(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)
    where = client.get(
        f"/termine/standort?dienst={office.service_ids[AUSWEIS]}&dienst="
        f"{office.service_ids[WOHNSITZ]}&personen=1"
    )
    assert "Bürgerbüro Mitte" in text_of(where)
    zeit = first_time(client, office, AUSWEIS, WOHNSITZ)
    booked = book(client, office, zeit, AUSWEIS, WOHNSITZ)
    assert booked.status_code == 303
    page = client.get(booked.headers["Location"])
    assert "Bitte bestätigen Sie den Termin" in text_of(page)
    assert "Termin bestätigen" not in [b.text.strip() for b in soup(page).select("button")]
    [booking] = bookings(app)
    # 20 + 15 minutes, rounded up to the ten-minute grid.
    assert as_utc(booking.ends_at) - as_utc(booking.starts_at) == timedelta(minutes=40)
    [ask] = mails_to(app, "erika@example.de")
    link = link_in(ask.body, "/termine/bestaetigen/")

    # A mail scanner (another browser) opening the link confirms nothing.
    scanner = checking_client(app)
    shown = scanner.get(link)
    assert shown.status_code == 200
    assert "Termin bestätigen" in text_of(shown)
    assert bookings(app)[0].status == "held"

    done = scanner.post(link, data={"csrf_token": csrf_token(shown)})
    assert done.status_code == 303
    confirmed = scanner.get(done.headers["Location"])
    text = text_of(confirmed)
    assert "Ihr Termin ist bestätigt" in text
    assert "Ihr Termin ist gebucht" in text
    assert booking.number in text
    assert "Rathausplatz 1" in text
    assert text.count("Alter Ausweis") == 1
    assert "Wohnungsgeberbestätigung" in text
    again = scanner.post(link, data={"csrf_token": csrf_token(shown)}, follow_redirects=True)
    assert "bereits bestätigt" in text_of(again)

    mails = mails_to(app, "erika@example.de")
    assert [m.subject for m in mails] == [
        f"Bitte bestätigen Sie Ihren Termin {booking.number}",
        f"Terminbestätigung {booking.number}",
    ]
    confirmation = mails[1]
    assert "Biometrisches Passfoto" in confirmation.body
    assert "Rathausplatz 1" in confirmation.body
    assert confirmation.attachment_name == f"termin-{booking.number}.ics"
    event = Calendar.from_ical(confirmation.attachment or b"").walk("VEVENT")[0]
    assert event.decoded("dtstart") == as_utc(booking.starts_at)
    assert event.decoded("dtend") == as_utc(booking.ends_at)
    assert "Rathausplatz 1" in str(event["location"])

    # The manage link opens the booking in yet another browser.
    other = checking_client(app)
    assert other.get(f"/termine/termin/{booking.number}").status_code == 404
    opened = other.get(link_in(confirmation.body, "/termine/t/"), follow_redirects=True)
    assert booking.number in text_of(opened)
    assert "Termin absagen" in text_of(opened)
    ics = other.get(f"/termine/termin/{booking.number}/termin.ics")
    assert ics.mimetype == "text/calendar"
    assert str(Calendar.from_ical(ics.data).walk("VEVENT")[0]["uid"]).startswith(booking.number)


def test_a_time_taken_meanwhile_says_so_keeps_what_was_typed_and_offers_the_next(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)
    zeit = first_time(client, office, AUSWEIS)
    assert book(client, office, zeit, AUSWEIS, email="first@example.de").status_code == 303
    late = checking_client(app)
    refused = book(late, office, zeit, AUSWEIS, name="Max Muster", email="max@example.de")
    assert refused.status_code == 409
    assert "Diese Zeit ist inzwischen vergeben" in text_of(refused)
    page = soup(refused)
    assert page.select_one("input[name=name]")["value"] == "Max Muster"  # type: ignore[index]
    assert page.select_one("input[name=email]")["value"] == "max@example.de"  # type: ignore[index]
    choices = offered(refused)
    assert choices
    assert zeit not in choices
    # Choosing one of them books it, with what was typed.
    data = hidden_fields(refused)
    data.add("zeit", choices[0])
    data.add("name", "Max Muster")
    data.add("email", "max@example.de")
    assert late.post("/termine/angaben", data=data).status_code == 303
    assert len(bookings(app)) == 2


def test_an_expired_hold_frees_its_time_and_its_link_says_so(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    zeit = time_clear_of_now(client, office, AUSWEIS)  # looked for again below
    book(client, office, zeit, AUSWEIS)
    link = link_in(mails_to(app, "erika@example.de")[0].body, "/termine/bestaetigen/")
    with app.app_context(), db.transaction() as session:
        session.execute(update(Appointment).values(hold_expires_at=utcnow() - timedelta(minutes=1)))
    assert zeit in offered(times_page(client, office, AUSWEIS))
    with app.app_context():
        assert db.session.scalars(select(Slot)).all() == []
    gone = client.get(link)
    assert gone.status_code == 410
    assert "Die Reservierung ist abgelaufen" in text_of(gone)
    assert client.post(link, data={"csrf_token": csrf_token(gone)}).status_code == 410
    assert bookings(app)[0].status == "expired"


def test_forged_links_and_foreign_bookings_get_clear_pages(client: CheckingClient) -> None:
    for link in ("/termine/bestaetigen/forged-token", "/termine/t/forged-token"):
        page = client.get(link)
        assert page.status_code == 404
        assert "Dieser Link öffnet keinen Termin" in text_of(page)
    office = make_office(client.application)
    book(client, office, first_time(client, office, AUSWEIS), AUSWEIS)
    number = bookings(client.application)[0].number
    stranger = checking_client(client.application)
    assert stranger.get(f"/termine/termin/{number}").status_code == 404
    assert stranger.get(f"/termine/termin/{number}/termin.ics").status_code == 404
    refused = stranger.post(
        f"/termine/termin/{number}/absagen", data={"csrf_token": csrf_token(stranger.get("/"))}
    )
    assert refused.status_code == 404
    assert bookings(client.application)[0].status == "held"


def test_cancelling_frees_the_time_at_once_and_is_done_once(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    zeit = time_clear_of_now(client, office, AUSWEIS)  # looked for again below
    book(client, office, zeit, AUSWEIS)
    link = link_in(mails_to(app, "erika@example.de")[0].body, "/termine/bestaetigen/")
    post_button(client, link)
    number = bookings(app)[0].number
    assert zeit not in offered(times_page(client, office, AUSWEIS))
    page = f"/termine/termin/{number}"
    done = post_button(client, page, f"{page}/absagen")
    assert done.status_code == 303
    assert "Ihr Termin ist abgesagt" in text_of(client.get(page))
    assert zeit in offered(times_page(client, office, AUSWEIS))
    again = client.post(f"{page}/absagen", data={"csrf_token": csrf_token(client.get(page))})
    assert "bereits abgesagt" in text_of(client.get(again.headers["Location"]))
    cancelled = client.get(link)
    assert cancelled.status_code == 410
    assert "Dieser Termin ist abgesagt" in text_of(cancelled)
    subjects = [m.subject for m in mails_to(app, "erika@example.de")]
    assert subjects.count(f"Termin {number} abgesagt") == 1


def test_moving_takes_the_new_time_and_frees_the_old(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    zeit = first_time(client, office, AUSWEIS)
    book(client, office, zeit, AUSWEIS)
    post_button(client, link_in(mails_to(app, "erika@example.de")[0].body, "/termine/bestaetigen/"))
    number = bookings(app)[0].number
    move_page = client.get(f"/termine/termin/{number}/verschieben")
    choices = offered(move_page)
    target = choices[-1]
    moved = client.post(
        f"/termine/termin/{number}/verschieben",
        data={"csrf_token": csrf_token(move_page), "zeit": target},
    )
    assert moved.status_code == 303
    assert "Ihr Termin ist verschoben" in text_of(client.get(moved.headers["Location"]))
    free = offered(times_page(client, office, AUSWEIS))
    assert zeit in free
    assert target not in free
    assert mails_to(app, "erika@example.de")[-1].subject == f"Termin {number} verschoben"


def test_over_the_limit_says_which_appointments_to_cancel_first(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    for _ in range(2):
        zeit = first_time(client, office, AUSWEIS)
        assert book(client, office, zeit, AUSWEIS, email="Viel@Example.de").status_code == 303
    numbers = [b.number for b in bookings(app)]
    third = book(
        client, office, first_time(client, office, AUSWEIS), AUSWEIS, email="viel@example.de"
    )
    assert third.status_code == 409
    text = text_of(third)
    assert "Für diese E-Mail-Adresse sind schon 2 Termine offen." in text
    assert "mit dem Link in der E-Mail zu diesem Termin" in text
    # Whoever typed the address learns nothing of that person's appointments.
    assert not any(number in text for number in numbers)
    assert len(bookings(app)) == 2


def test_over_the_limit_a_logged_in_citizen_sees_which_to_cancel(client: CheckingClient) -> None:
    from server.auth.models import Citizen

    app = client.application
    office = make_office(app)
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(given_name="Max", family_name="Muster", email="max@example.de")
        session.add(citizen)
    with client.session_transaction() as browser_session:
        browser_session["citizen_id"] = citizen.id
    for _ in range(2):
        zeit = first_time(client, office, AUSWEIS)
        assert book(client, office, zeit, AUSWEIS, email="max@example.de").status_code == 303
    numbers = [b.number for b in bookings(app)]
    third = book(
        client, office, first_time(client, office, AUSWEIS), AUSWEIS, email="max@example.de"
    )
    assert third.status_code == 409
    text = text_of(third)
    assert "Sie haben schon 2 offene Termine" in text
    assert all(number in text for number in numbers)
    # Typing someone else's address shows nothing of theirs, logged in or not.
    stranger = checking_client(app)
    for _ in range(2):
        zeit = first_time(stranger, office, AUSWEIS)
        assert book(stranger, office, zeit, AUSWEIS, email="anna@example.de").status_code == 303
    theirs = [b.number for b in bookings(app) if b.number not in numbers]
    typed = text_of(
        book(client, office, first_time(client, office, AUSWEIS), AUSWEIS, email="anna@example.de")
    )
    assert "Für diese E-Mail-Adresse sind schon 2 Termine offen." in typed
    assert not any(number in typed for number in theirs)


def test_a_logged_in_citizen_is_prefilled_and_confirmed_at_once(client: CheckingClient) -> None:
    from server.auth.models import Citizen

    app = client.application
    office = make_office(app)
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(given_name="Leonie", family_name="Weber", email="leonie@example.de")
        session.add(citizen)
        session.flush()
        citizen_id = citizen.id
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "low"
    zeit = first_time(client, office, AUSWEIS, persons=2)
    details = client.get(
        times_url(office, AUSWEIS, persons=2).replace("/zeiten", "/angaben") + f"&zeit={zeit}"
    )
    page = soup(details)
    assert page.select_one("input[name=name]")["value"] == "Leonie Weber"  # type: ignore[index]
    assert page.select_one("input[name=email]")["value"] == "leonie@example.de"  # type: ignore[index]
    booked = book(
        client, office, zeit, AUSWEIS, name="Leonie Weber", email="leonie@example.de", persons=2
    )
    assert "Ihr Termin ist gebucht" in text_of(client.get(booked.headers["Location"]))
    [booking] = bookings(app)
    assert booking.status == "confirmed"
    assert booking.citizen_id == citizen_id
    assert as_utc(booking.ends_at) - as_utc(booking.starts_at) == timedelta(minutes=40)
    [mail] = mails_to(app, "leonie@example.de")
    assert mail.subject == f"Terminbestätigung {booking.number}"
    with app.app_context():
        postfach = db.session.scalars(select(PostfachMessage)).all()
        assert [m.subject for m in postfach] == [mail.subject]
        assert len(db.session.scalars(select(OutboxMail)).all()) == 1
    account = text_of(client.get("/konto"))
    assert "Termine" in account
    assert "Personalausweis beantragen" in account


def test_the_delivered_confirmation_carries_a_calendar_file(client: CheckingClient) -> None:
    from email import message_from_bytes
    from pathlib import Path

    from server.mail.outbox import send_pending

    app = client.application
    office = make_office(app)
    book(client, office, first_time(client, office, AUSWEIS), AUSWEIS)
    post_button(client, link_in(mails_to(app, "erika@example.de")[0].body, "/termine/bestaetigen/"))
    with app.app_context():
        assert send_pending() == (2, 0)
    delivered = [
        message_from_bytes(path.read_bytes())
        for path in sorted(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    ]
    attachments = [part for mail in delivered for part in mail.walk() if part.get_filename()]
    assert [part.get_content_type() for part in attachments] == ["text/calendar"]
    payload = attachments[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    event = Calendar.from_ical(payload).walk("VEVENT")[0]
    assert str(event["summary"]) == f"Termin: {AUSWEIS}"
