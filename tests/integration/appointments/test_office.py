"""The Bürgerbüro's side on both databases: the role, the day view with arrivals, waiting
numbers, calls on the public call display, done and no-show; closing a day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from server.appointments import office as domain
from server.appointments.models import Appointment, AppointmentStatus, Slot, Visit
from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.extensions import db
from server.mail.models import OutboxMail
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.integration.accounts_helpers import mails_to, text_of
from tests.integration.appointments.helpers import make_office, soup
from tests.integration.appointments.office_helpers import (
    AUSWEIS,
    WOHNSITZ,
    appointment,
    at,
    booked,
    booking_id,
    clerk,
    day_url,
    today,
)
from tests.threads import Wait, together


def act(browser: CheckingClient, office_url: str, number: str, action: str) -> object:
    """Press a row's button as the day view shows it."""
    page = browser.get(office_url)
    row = soup(page).find("tr", attrs={"data-booking": number})
    assert row is not None, text_of(page)[:800]
    for form in row.find_all("form"):
        if form.find("input", attrs={"name": "aktion", "value": action}):
            data = {str(i["name"]): str(i["value"]) for i in form.find_all("input")}
            return browser.post(str(form["action"]), data=data)
    raise AssertionError(f"no button {action} for {number}: {row.get_text(' ', strip=True)}")


def row_text(page: object, number: str) -> str:
    row = soup(page).find("tr", attrs={"data-booking": number})  # type: ignore[arg-type]
    assert row is not None
    return " ".join(row.get_text(" ").split())


def test_only_the_appointments_role_works_the_day_and_the_overview_counts_today(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)
    appointment(app, office, at(today(), 0, 10))
    appointment(app, office, at(today() + timedelta(days=1), 9))
    other = clerk(app, "bussgeld", (Role.FINES,))
    assert other.get("/verwaltung/termine/").status_code == 403
    assert other.get(day_url(office)).status_code == 403
    browser = clerk(app)
    overview = browser.get("/verwaltung/")
    assert "Bürgerbüro: Termine" in text_of(overview)
    [line] = [tr for tr in soup(overview).select("tbody tr") if "Termine im Bürgerbüro" in tr.text]
    assert line.select_one("td").get_text(strip=True) == "1"  # type: ignore[union-attr]
    locations = browser.get("/verwaltung/termine/")
    assert "Bürgerbüro Mitte" in text_of(locations)


def test_check_in_call_done_and_the_call_display_shows_only_numbers_and_counters(
    app: Flask,
) -> None:
    office = make_office(app, counters=2)
    first = appointment(app, office, at(today(), 0, 10), name="Erika Mustermann")
    second = appointment(app, office, at(today(), 0, 30), name="Max Mustermann")
    browser = clerk(app)
    url = day_url(office)
    page = browser.get(url)
    assert "Erika Mustermann" in text_of(page)
    assert "Gebucht" in row_text(page, first)

    arrived = act(browser, url, first, "ankunft")
    assert arrived.status_code == 303  # type: ignore[attr-defined]
    assert "Angekommen: Wartenummer 1." in text_of(browser.get(arrived.location))  # type: ignore[attr-defined]
    act(browser, url, second, "ankunft")
    page = browser.get(url)
    assert "Wartet 1" in row_text(page, first)
    assert "Wartet 2" in row_text(page, second)

    # A second tab still showing "Angekommen": the arrival stands, with its number.
    again = browser.post(
        f"/verwaltung/termine/termin/{booking_id(app, first)}",
        data={"csrf_token": csrf_token(page), "aktion": "ankunft", "schalter": ""},
    )
    assert again.status_code == 409
    assert "Die Ankunft ist bereits erfasst: Wartenummer 1." in text_of(again)

    screen = checking_client(app)  # the waiting room's screen: nobody logged in
    shown = screen.get(f"/aufruf/{office.location_id}")
    assert shown.status_code == 200
    assert "Gerade wird niemand aufgerufen." in text_of(shown)
    assert "Es warten: 2" in text_of(shown)

    with app.app_context():
        second_counter = domain.get_location(office.location_id).counters[1].id  # type: ignore[union-attr]
    called = act(browser, f"{url}?schalter={second_counter}", second, "aufrufen")
    assert "Wartenummer 2 ist aufgerufen (Schalter 2)." in text_of(browser.get(called.location))  # type: ignore[attr-defined]
    shown = screen.get(f"/aufruf/{office.location_id}")
    calls = [li.get_text(" ", strip=True) for li in soup(shown).select("[data-call]")]
    assert calls == ["2 Schalter 2"]
    assert "Es warten: 1" in text_of(shown)
    for private in ("Mustermann", "erika@", "T-"):
        assert private not in text_of(shown)

    # The screen's htmx poll gets the fragment that polls on.
    fragment = screen.get(f"/aufruf/{office.location_id}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert 'hx-trigger="every 5s"' in body
    assert "Schalter 2" in body

    done = act(browser, url, second, "erledigt")
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert "Erledigt" in row_text(browser.get(url), second)
    assert "Gerade wird niemand aufgerufen." in text_of(screen.get(f"/aufruf/{office.location_id}"))


def test_no_show_before_arrival_and_after_a_call_is_recorded_once(app: Flask) -> None:
    office = make_office(app)
    absent = appointment(app, office, at(today(), 0, 10))
    late = appointment(app, office, at(today(), 0, 20))
    future = appointment(app, office, at(today() + timedelta(days=1), 9))
    browser = clerk(app)
    url = day_url(office)
    assert act(browser, url, absent, "nicht-erschienen").status_code == 303  # type: ignore[attr-defined]
    page = browser.get(url)
    assert "Nicht erschienen" in row_text(page, absent)
    assert "Angekommen" not in row_text(page, absent)  # nothing left to press
    act(browser, url, late, "ankunft")
    act(browser, url, late, "aufrufen")
    act(browser, url, late, "nicht-erschienen")
    assert "Nicht erschienen" in row_text(browser.get(url), late)
    refused = browser.post(
        f"/verwaltung/termine/termin/{booking_id(app, absent)}",
        data={"csrf_token": csrf_token(page), "aktion": "nicht-erschienen"},
    )
    assert refused.status_code == 409
    assert "bereits als „nicht erschienen“ vermerkt" in text_of(refused)
    tomorrow = browser.get(day_url(office, today() + timedelta(days=1)))
    assert "Gebucht" in row_text(tomorrow, future)
    assert not soup(tomorrow).find("tr", attrs={"data-booking": future}).find("form")  # type: ignore[union-attr]
    early = browser.post(
        f"/verwaltung/termine/termin/{booking_id(app, future)}",
        data={"csrf_token": csrf_token(page), "aktion": "ankunft"},
    )
    assert early.status_code == 422
    assert "Ankommen kann man nur am Tag des Termins." in text_of(early)


def test_parallel_arrivals_get_distinct_numbers_and_one_arrival_per_booking(app: Flask) -> None:
    office = make_office(app)
    numbers = [appointment(app, office, at(today(), 0, 10 * n)) for n in range(4)]
    ids = [booking_id(app, number) for number in numbers]

    def arrive(target: int) -> Callable[[Wait], object]:
        def run(wait: Wait) -> object:
            with app.app_context():
                try:
                    wait()
                    return domain.check_in(target).waiting_number
                except domain.AlreadyDone:
                    return "already"
                finally:
                    db.session.close()

        return run

    # Four bookings arrive at once, and the first one's button is pressed three more times.
    outcomes = together([arrive(i) for i in ids] + [arrive(ids[0])] * 3)
    assert sorted(o for o in outcomes if o != "already") == [1, 2, 3, 4]  # type: ignore[type-var]
    assert outcomes.count("already") == 3
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 4


def test_closing_a_day_cancels_its_appointments_once_with_a_mail_each(app: Flask) -> None:
    office = make_office(app, counters=2)
    day = today() + timedelta(days=2)
    kept = booked(app, office, day + timedelta(days=1), 9, email="anders@example.de")
    cancelled = [
        booked(app, office, day, 9, email="erika@example.de"),
        booked(app, office, day, 10, email="max@example.de", confirmed=False),
    ]
    browser = clerk(app)
    page = browser.get(day_url(office, day))
    form = soup(page).find(
        "form", attrs={"action": f"/verwaltung/termine/{office.location_id}/schliessen"}
    )
    assert form is not None
    data = {"csrf_token": csrf_token(page), "tag": day.isoformat(), "grund": "Betriebsausflug"}
    closed = browser.post(str(form["action"]), data=data)
    assert closed.status_code == 303
    landed = text_of(browser.get(closed.location))
    assert "ist am" in landed
    assert "Abgesagte Termine: 2; jede Person bekommt eine Mail." in landed
    assert "An diesem Tag ist der Standort geschlossen." in landed
    assert "Grund: Betriebsausflug" in landed
    with app.app_context():
        statuses = dict(db.session.execute(select(Appointment.number, Appointment.status)).all())
        assert [statuses[n] for n in cancelled] == ["cancelled", "cancelled"]
        assert statuses[kept] == "confirmed"
        ids = [booking_id(app, n) for n in cancelled]
        assert db.session.scalar(select(func.count(Slot.id)).where(Slot.booking_id.in_(ids))) == 0
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "appointments.day.close")
        ).one()
        assert entry.actor == "clerk:termine"
    for address, number in (("erika@example.de", cancelled[0]), ("max@example.de", cancelled[1])):
        [mail] = [m for m in mails_to(app, address) if "entfällt" in m.subject]
        assert mail.subject == f"Termin {number} entfällt"
        assert "Grund: Betriebsausflug" in mail.body
        assert mail.attachment is not None
        assert b"STATUS:CANCELLED" in mail.attachment

    # The button pressed again (a second tab): nothing more happens, and it says so.
    again = browser.post(str(form["action"]), data=data)
    assert again.status_code == 409
    assert "Dieser Tag ist bereits geschlossen." in text_of(again)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(OutboxMail.id)).where(OutboxMail.subject.contains("entfällt"))
            )
            == 2
        )
    # Citizens are offered no time on that day any more.
    with app.test_request_context("/"):
        from server.appointments import booking

        location = booking.get_location(office.location_id)
        assert location is not None
        days = booking.offers(
            [location], booking.services_by_ids(list(office.service_ids.values())), 1, days=4
        )
        assert day not in [offer.day for offer in days]


def test_a_closure_needs_a_reason_and_a_day_not_past(app: Flask) -> None:
    office = make_office(app)
    browser = clerk(app)
    page = browser.get(day_url(office))
    url = f"/verwaltung/termine/{office.location_id}/schliessen"
    blank = browser.post(url, data={"csrf_token": csrf_token(page), "tag": today().isoformat()})
    assert blank.status_code == 422
    assert "Geben Sie einen Grund an." in text_of(blank)
    past = (today() - timedelta(days=1)).isoformat()
    late = browser.post(url, data={"csrf_token": csrf_token(page), "tag": past, "grund": "x"})
    assert late.status_code == 422
    assert "Ein vergangener Tag kann nicht mehr geschlossen werden." in text_of(late)


def test_statistics_per_location_and_service(app: Flask) -> None:
    office = make_office(app, counters=2)
    both = (AUSWEIS, WOHNSITZ)
    served = appointment(app, office, at(today(), 0, 10), services=both)
    absent = appointment(app, office, at(today(), 0, 20))
    appointment(app, office, at(today(), 0, 30), status=AppointmentStatus.CANCELLED)
    appointment(app, office, at(today(), 0, 40), status=AppointmentStatus.EXPIRED)
    appointment(app, office, at(today() - timedelta(days=40), 9))  # before the period
    with app.test_request_context("/"):
        target = booking_id(app, served)
        domain.check_in(target)
        location = domain.get_location(office.location_id)
        assert location is not None
        domain.call(target, location.counters[0].id)
        domain.finish(target)
        domain.no_show(booking_id(app, absent))
        with db.transaction():  # waited 12 minutes from arrival to call
            visit = db.session.scalars(select(Visit).where(Visit.booking_id == target)).one()
            assert visit.checked_in_at is not None
            visit.called_at = visit.checked_in_at + timedelta(minutes=12)
    browser = clerk(app)
    page = browser.get("/verwaltung/termine/statistik")
    assert page.status_code == 200
    rows = [
        [cell.get_text(" ", strip=True) for cell in tr.select("th, td")]
        for tr in soup(page).select("tbody tr")
    ]
    assert rows == [
        ["Bürgerbüro Mitte", AUSWEIS, "3", "1", "1", "1", "12 Min."],
        ["Bürgerbüro Mitte", WOHNSITZ, "1", "0", "0", "1", "12 Min."],
    ]
    earlier = browser.get(
        "/verwaltung/termine/statistik?von="
        f"{(today() - timedelta(days=45)).isoformat()}&bis={(today() - timedelta(days=35))}"
    )
    assert [td.get_text(strip=True) for td in soup(earlier).select("tbody td")][1:2] == ["1"]
    wrong = browser.get("/verwaltung/termine/statistik?von=2026-05-01&bis=2026-04-01")
    assert wrong.status_code == 422
    assert "Der Zeitraum muss vorwärts laufen" in text_of(wrong)


def test_the_limit_counts_per_service_group(app: Flask) -> None:
    """Two open appointments for an identity card use up that group's limit (2), not the limit
    for registering an address."""
    from server.appointments import booking
    from server.appointments.models import Service

    office = make_office(app, counters=3)
    with app.app_context(), db.transaction() as session:
        for service in session.scalars(select(Service)):
            service.service_group = "ausweis" if service.name == AUSWEIS else "melde"
    day = today() + timedelta(days=1)
    booked(app, office, day, 9, email="erika@example.de")
    booked(app, office, day, 10, email="erika@example.de")

    def book(title: str, hour: int) -> str:
        with app.test_request_context("/"):
            location = booking.get_location(office.location_id)
            assert location is not None
            try:
                booking.book(
                    location=location,
                    services=booking.services_by_ids([office.service_ids[title]]),
                    persons=1,
                    starts_at=at(day, hour),
                    name="Erika Mustermann",
                    email="Erika@Example.de",
                    citizen_id=None,
                    language="de",
                )
            except booking.OverLimit as over:
                return f"over {len(over.bookings)}"
            return "booked"

    assert book(AUSWEIS, 11) == "over 2"
    assert book(WOHNSITZ, 11) == "booked"


def test_a_booking_racing_the_closure_of_its_day_never_stands(app: Flask) -> None:
    """Closing a day and booking a time on it at once: the booking is refused, or it is made
    first and cancelled by the closure; never an open appointment on a closed day."""
    from server.appointments import booking

    office = make_office(app, counters=2)
    for offset in range(2, 5):
        day = today() + timedelta(days=offset)

        def close(wait: Wait, day: date = day) -> object:
            with app.test_request_context("/"):
                try:
                    wait()
                    return domain.close_day(office.location_id, day, "Streik", clerk="x")
                finally:
                    db.session.close()

        def book(wait: Wait, day: date = day) -> object:
            with app.test_request_context("/"):
                try:
                    location = booking.get_location(office.location_id)
                    assert location is not None
                    services = booking.services_by_ids([office.service_ids[AUSWEIS]])
                    wait()
                    return booking.book(
                        location=location,
                        services=services,
                        persons=1,
                        starts_at=at(day, 9),
                        name="Max Mustermann",
                        email=f"max{day.isoformat()}@example.de",
                        citizen_id=None,
                        language="de",
                    )
                except booking.SlotTaken:
                    return "refused"
                finally:
                    db.session.close()

        together([close, book])
        with app.app_context():
            start, end = at(day, 0), at(day + timedelta(days=1), 0)
            standing = db.session.scalar(
                select(func.count(Appointment.id)).where(
                    Appointment.location_id == office.location_id,
                    Appointment.starts_at >= start,
                    Appointment.starts_at < end,
                    Appointment.status.in_(("held", "confirmed")),
                )
            )
            assert standing == 0


def test_a_counter_out_of_service_is_neither_offered_nor_called_to(app: Flask) -> None:
    from server.appointments.models import Counter

    office = make_office(app, counters=2)
    waiting = appointment(app, office, at(today(), 0, 10), name="Erika Mustermann")
    with app.app_context(), db.transaction() as session:
        closed = session.scalars(
            select(Counter).where(Counter.location_id == office.location_id).order_by(Counter.id)
        ).all()[1]
        closed.active = False
        closed_id = closed.id
    browser = clerk(app)
    url = day_url(office)
    act(browser, url, waiting, "ankunft")
    page = browser.get(f"{url}?schalter={closed_id}")
    offered = [option.get_text(strip=True) for option in soup(page).select("select option")]
    assert offered == ["Schalter 1"]
    refused = browser.post(
        f"/verwaltung/termine/termin/{booking_id(app, waiting)}",
        data={"csrf_token": csrf_token(page), "aktion": "aufrufen", "schalter": str(closed_id)},
    )
    assert refused.status_code in (409, 422)
    assert "Wählen Sie einen Schalter dieses Standorts." in text_of(refused)
