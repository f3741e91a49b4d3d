"""Setting up the offices on both databases: services, locations, counters, services offered,
opening hours and the closures list; changes that would orphan a future appointment are refused
with the appointments named, also when a booking races them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time, timedelta

from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from server.appointments import admin
from server.appointments import booking as domain
from server.appointments.models import Appointment, Counter, Location, OpeningHours, Service
from server.appointments.slots import Span
from server.auth.roles import Role
from server.db import as_utc
from server.extensions import db
from tests.checking_client import CheckingClient, csrf_token
from tests.integration.accounts_helpers import text_of
from tests.integration.appointments.helpers import make_office, soup
from tests.integration.appointments.office_helpers import (
    AUSWEIS,
    WOHNSITZ,
    appointment,
    at,
    booked,
    clerk,
    day_url,
    today,
)
from tests.threads import Wait, together

SERVICES = "/verwaltung/termine/dienste"


def setup_url(location_id: int) -> str:
    return f"/verwaltung/termine/{location_id}/einrichtung"


def hours_url(location_id: int) -> str:
    return f"/verwaltung/termine/{location_id}/oeffnungszeiten"


def send(
    browser: CheckingClient, url: str, data: Mapping[str, object], page: str | None = None
) -> TestResponse:
    """Post ``data`` with the CSRF token of the page (``page``, else ``url``)."""
    form = browser.get(page or url)
    return browser.post(url, data={"csrf_token": csrf_token(form), **data})


def summary(response: object) -> str:
    box = soup(response).select_one("#error-summary")  # type: ignore[arg-type]
    assert box is not None, text_of(response)[:1500]  # type: ignore[arg-type]
    return " ".join(box.get_text(" ").split())


def title(response: object) -> str:
    found = soup(response).title  # type: ignore[arg-type]
    assert found is not None
    return found.get_text(strip=True)


SERVICE = {
    "name": "Reisepass beantragen",
    "name_en": "Apply for a passport",
    "minuten": "25",
    "mitbringen": "Biometrisches Passfoto\n\n  Alter Reisepass  \n",
    "mitbringen_en": "Biometric photo\nOld passport",
    "gruppe": "ausweise",
}


# --- services ----------------------------------------------------------------------------------


def test_only_the_appointments_role_sets_up_the_offices(app: Flask) -> None:
    office = make_office(app)
    other = clerk(app, "bussgeld", roles=(Role.FINES,))
    for url in (
        SERVICES,
        f"{SERVICES}/neu",
        setup_url(office.location_id),
        hours_url(office.location_id),
    ):
        assert other.get(url).status_code == 403, url


def test_a_clerk_creates_a_service_the_citizens_can_choose_with_what_to_bring(
    app: Flask,
) -> None:
    browser = clerk(app)
    empty = send(browser, f"{SERVICES}/neu", {**SERVICE, "name": " ", "minuten": "0"})
    assert empty.status_code == 422
    assert title(empty).startswith("Fehler:")
    assert "Geben Sie den Namen des Dienstes ein." in summary(empty)
    assert "Die Minuten müssen zwischen 1 und 480 liegen." in summary(empty)
    wrong_group = send(browser, f"{SERVICES}/neu", {**SERVICE, "gruppe": "Ausweise!"})
    assert "Kleinbuchstaben" in summary(wrong_group)

    made = send(browser, f"{SERVICES}/neu", SERVICE)
    assert made.status_code == 303
    listed = browser.get(SERVICES)
    assert "Der Dienst „Reisepass beantragen“ ist angelegt." in text_of(listed)
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == "Reisepass beantragen"))
        assert service is not None
        assert service.bring == "Biometrisches Passfoto\nAlter Reisepass"
        assert (service.duration_minutes, service.service_group) == (25, "ausweise")
        assert service.active
    start = browser.get("/termine")
    assert "Reisepass beantragen" in text_of(start)

    # the same name again (another click, another clerk): refused, one service
    again = send(browser, f"{SERVICES}/neu", SERVICE)
    assert again.status_code == 409
    assert "Einen Dienst mit diesem Namen gibt es bereits." in summary(again)
    with app.app_context():
        slugs = db.session.scalars(
            select(Service.slug).where(Service.name == "Reisepass beantragen")
        ).all()
    assert slugs == ["reisepass-beantragen"]


def test_editing_a_service_keeps_booked_lengths_and_deactivating_keeps_its_appointments(
    app: Flask,
) -> None:
    office = make_office(app)
    number = booked(app, office, today() + timedelta(days=3), 9, email="max@example.de")
    browser = clerk(app)
    url = f"{SERVICES}/{office.service_ids[AUSWEIS]}"
    page = browser.get(url)
    assert soup(page).select_one("#minuten")["value"] == "20"  # type: ignore[index]
    assert "Offene Termine mit diesem Dienst: 1." in text_of(page)
    changed = send(browser, url, {**SERVICE, "name": AUSWEIS, "minuten": "40"})
    assert changed.status_code == 303
    with app.app_context():
        service = db.session.get(Service, office.service_ids[AUSWEIS])
        assert service is not None
        assert service.duration_minutes == 40
        kept = db.session.scalar(select(Appointment).where(Appointment.number == number))
        assert kept is not None
        assert kept.ends_at - kept.starts_at == timedelta(minutes=20)

    listed = browser.get(SERVICES)
    row = soup(listed).find("tr", attrs={"data-service": str(office.service_ids[AUSWEIS])})
    assert row is not None
    assert "Angeboten" in row.get_text()
    off = send(
        browser,
        f"{url}/angebot",
        {"angeboten": "0"},
        page=SERVICES,
    )
    assert off.status_code == 303
    listed = browser.get(SERVICES)
    assert "wird nicht mehr angeboten. Gebuchte Termine bleiben bestehen." in text_of(listed)
    row = soup(listed).find("tr", attrs={"data-service": str(office.service_ids[AUSWEIS])})
    assert row is not None
    assert "Nicht mehr angeboten" in row.get_text()
    # a second click changes nothing and says so
    again = send(browser, f"{url}/angebot", {"angeboten": "0"}, page=SERVICES)
    assert again.status_code == 303
    assert "Das war bereits so." in text_of(browser.get(SERVICES))
    # citizens no longer choose it; the appointment booked stands
    assert AUSWEIS not in text_of(browser.get("/termine"))
    assert WOHNSITZ in text_of(browser.get("/termine"))
    with app.app_context():
        kept = db.session.scalar(select(Appointment).where(Appointment.number == number))
        assert kept is not None
        assert kept.status == "confirmed"
        assert db.session.get(Service, office.service_ids[AUSWEIS]) is not None
    back = send(browser, f"{url}/angebot", {"angeboten": "1"}, page=SERVICES)
    assert back.status_code == 303
    assert AUSWEIS in text_of(browser.get("/termine"))


def test_a_deactivated_service_cannot_be_booked_even_from_a_page_shown_before(
    app: Flask,
) -> None:
    office = make_office(app)
    with app.test_request_context("/"):
        location = domain.get_location(office.location_id)
        services = domain.services_by_ids([office.service_ids[AUSWEIS]])
        assert location is not None
        admin.set_service_active(office.service_ids[AUSWEIS], False, clerk="termine")
        try:
            domain.book(
                location=location,
                services=services,
                persons=1,
                starts_at=at(today() + timedelta(days=2), 9),
                name="Max",
                email="max@example.de",
                citizen_id=None,
                language="de",
            )
        except domain.SlotTaken:
            pass
        else:
            raise AssertionError("booked a service no longer offered")


# --- locations, counters, services offered ---------------------------------------------------


def test_a_clerk_creates_a_location_and_sets_it_up_until_it_can_be_booked(app: Flask) -> None:
    office = make_office(app)  # the services exist
    browser = clerk(app)
    locations = browser.get("/verwaltung/termine/")
    assert soup(locations).find("a", string="Neuen Standort anlegen") is not None
    empty = send(browser, "/verwaltung/termine/standorte/neu", {"name": "", "adresse": ""})
    assert empty.status_code == 422
    assert title(empty).startswith("Fehler:")
    assert "Geben Sie den Namen des Standorts ein." in summary(empty)
    taken = send(
        browser,
        "/verwaltung/termine/standorte/neu",
        {"name": "Bürgerbüro Mitte", "adresse": "Markt 1"},
    )
    assert "Einen Standort mit diesem Namen gibt es bereits." in summary(taken)
    made = send(
        browser,
        "/verwaltung/termine/standorte/neu",
        {"name": "Bürgerbüro Nord", "adresse": "Nordstraße 2, 12345 Musterstadt"},
    )
    assert made.status_code == 303
    with app.app_context():
        north = db.session.scalar(select(Location.id).where(Location.name == "Bürgerbüro Nord"))
    assert north is not None
    page = browser.get(made.headers["Location"])
    assert "Der Standort „Bürgerbüro Nord“ ist angelegt." in text_of(page)
    assert "Noch keine Schalter" in text_of(page)

    # services offered (checkboxes), a counter, hours
    saved = send(
        browser,
        setup_url(north),
        {
            "name": "Bürgerbüro Nord",
            "adresse": "Nordstraße 2, 12345 Musterstadt",
            "dienste": [str(office.service_ids[AUSWEIS])],
        },
    )
    assert saved.status_code == 303
    token = csrf_token(browser.get(setup_url(north)))
    counter = send(
        browser,
        f"/verwaltung/termine/{north}/schalter",
        {"schalter-neu-name": "Schalter A", "schalter-neu-csrf_token": token},
        page=setup_url(north),
    )
    assert counter.status_code == 303
    twice = send(
        browser,
        f"/verwaltung/termine/{north}/schalter",
        {"schalter-neu-name": "Schalter A", "schalter-neu-csrf_token": token},
        page=setup_url(north),
    )
    assert twice.status_code == 409
    assert "Einen Schalter mit diesem Namen gibt es hier bereits." in summary(twice)
    week = {
        "montag": "",
        "dienstag": "",
        "mittwoch": "",
        "donnerstag": "",
        "freitag": "",
        "samstag": "",
        "sonntag": "",
    }
    everyday = {day: "0:00-12:00, 12:00-23:50" for day in week}
    assert send(browser, hours_url(north), everyday).status_code == 303
    page = browser.get(setup_url(north))
    assert "Die Öffnungszeiten sind gespeichert." in text_of(page)
    assert "Montag 00:00-12:00, 12:00-23:50" in text_of(page)
    boxes = soup(page).select("input[name=dienste]")
    assert [b["value"] for b in boxes if b.has_attr("checked")] == [
        str(office.service_ids[AUSWEIS])
    ]

    # the citizens can now book there
    times = browser.get(
        f"/termine/zeiten?dienst={office.service_ids[AUSWEIS]}&personen=1&standort={north}"
    )
    assert times.status_code in (200, 303)
    with app.test_request_context("/"):
        location = domain.get_location(north)
        assert location is not None
        found = domain.offers([location], domain.services_by_ids([office.service_ids[AUSWEIS]]), 1)
        assert found
        assert found[0].offers


def test_opening_hours_are_checked_and_shown_with_their_weekday(app: Flask) -> None:
    office = make_office(app)
    browser = clerk(app)
    url = hours_url(office.location_id)
    page = browser.get(url)
    assert soup(page).select_one("#montag")["value"] == "00:00-23:50"  # type: ignore[index]
    week = {
        d: ""
        for d in ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
    }
    wrong = send(
        browser,
        url,
        {**week, "montag": "8-12, 11:00-15:00", "dienstag": "12-8", "mittwoch": "morgens"},
    )
    assert wrong.status_code == 422
    assert title(wrong).startswith("Fehler:")
    text = summary(wrong)
    assert "Montag: Die Zeiten eines Tages dürfen sich nicht überschneiden." in text
    assert "Dienstag: Die Öffnungszeit muss vor der Schließzeit liegen." in text
    assert "Mittwoch: „morgens“ ist keine Zeitspanne wie 8:00-12:00." in text
    assert soup(wrong).select_one("#mittwoch")["value"] == "morgens"  # type: ignore[index]
    good = send(browser, url, {**week, "montag": "8-12; 14:00–18:00", "freitag": "8.30-12"})
    assert good.status_code == 303
    with app.app_context():
        rows = db.session.execute(
            select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
            .where(OpeningHours.location_id == office.location_id)
            .order_by(OpeningHours.weekday, OpeningHours.opens)
        ).all()
    assert [tuple(r) for r in rows] == [
        (0, time(8), time(12)),
        (0, time(14), time(18)),
        (4, time(8, 30), time(12)),
    ]
    shown = text_of(browser.get(setup_url(office.location_id)))
    assert "Montag 08:00-12:00, 14:00-18:00" in shown
    assert "Dienstag geschlossen" in shown


def test_changes_that_would_orphan_future_appointments_are_refused_naming_them(
    app: Flask,
) -> None:
    office = make_office(app, counters=2)
    day = today() + timedelta(days=3)
    number = appointment(app, office, at(day, 10), name="Erika Mustermann")
    browser = clerk(app)

    # taking the service away from the location
    refused = send(
        browser,
        setup_url(office.location_id),
        {
            "name": "Bürgerbüro Mitte",
            "adresse": "Rathausplatz 1",
            "dienste": [str(office.service_ids[WOHNSITZ])],
        },
    )
    assert refused.status_code == 409
    assert title(refused).startswith("Fehler:")
    text = summary(refused)
    assert "noch Termine für die Dienste gebucht" in text
    assert "Betroffene Termine: 1." in text
    assert number in text
    assert "Erika Mustermann" in text
    link = soup(refused).select_one("#error-summary a")
    assert link is not None
    assert link["href"] == day_url(office, day)
    with app.app_context():
        location = db.session.get(Location, office.location_id)
        assert location is not None
        assert {s.id for s in location.services} == set(office.service_ids.values())

    # hours that no longer cover it (10:00-10:20 city time)
    week = {
        d: "0:00-23:50"
        for d in ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
    }
    weekday = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")[
        day.weekday()
    ]
    shorter = send(
        browser, hours_url(office.location_id), {**week, weekday: "8:00-10:10, 11:00-16:00"}
    )
    assert shorter.status_code == 409
    assert "Die neuen Öffnungszeiten schließen gebuchte Termine aus." in summary(shorter)
    assert number in summary(shorter)
    around = send(
        browser, hours_url(office.location_id), {**week, weekday: "8:00-10:20, 11:00-16:00"}
    )
    assert around.status_code == 303

    # its counter out of service; the other one goes
    with app.app_context():
        counters = db.session.scalars(
            select(Counter.id).where(Counter.location_id == office.location_id).order_by(Counter.id)
        ).all()
    busy, free = counters
    out = send(
        browser,
        f"/verwaltung/termine/schalter/{busy}",
        {"aktion": "stilllegen"},
        page=setup_url(office.location_id),
    )
    assert out.status_code == 409
    assert "An diesem Schalter sind noch Termine gebucht." in summary(out)
    assert number in summary(out)
    ok = send(
        browser,
        f"/verwaltung/termine/schalter/{free}",
        {"aktion": "stilllegen"},
        page=setup_url(office.location_id),
    )
    assert ok.status_code == 303
    page = browser.get(setup_url(office.location_id))
    assert "„Schalter 2“ ist außer Betrieb." in text_of(page)
    row = soup(page).find("tr", attrs={"data-counter": str(free)})
    assert row is not None
    assert "Außer Betrieb" in row.get_text()
    renamed = send(
        browser,
        f"/verwaltung/termine/schalter/{free}",
        {"aktion": "umbenennen", f"schalter-{free}-name": "Schalter 1"},
        page=setup_url(office.location_id),
    )
    assert renamed.status_code == 409
    assert "Einen Schalter mit diesem Namen gibt es hier bereits." in summary(renamed)
    renamed = send(
        browser,
        f"/verwaltung/termine/schalter/{free}",
        {"aktion": "umbenennen", f"schalter-{free}-name": "Schalter B"},
        page=setup_url(office.location_id),
    )
    assert renamed.status_code == 303

    # the counter out of service takes no bookings: one counter, one appointment a time
    with app.test_request_context("/"):
        location = domain.get_location(office.location_id)
        assert location is not None
        services = domain.services_by_ids([office.service_ids[AUSWEIS]])
        starts = {
            o.starts_at for d in domain.offers([location], services, 1, days=1) for o in d.offers
        }
        made = domain.book(
            location=location,
            services=services,
            persons=1,
            starts_at=min(starts),
            name="Max",
            email="max@example.de",
            citizen_id=None,
            language="de",
        )
        assert made.booking.counter_id == busy


def test_closures_are_listed_with_their_reason(app: Flask) -> None:
    from server.appointments import office as office_domain

    office = make_office(app)
    closed = today() + timedelta(days=5)
    with app.test_request_context("/"):
        office_domain.close_day(office.location_id, closed, "Betriebsausflug", clerk="termine")
    browser = clerk(app)
    page = browser.get(setup_url(office.location_id))
    table = [t for t in soup(page).select("table") if "Schließtage ab heute" in t.get_text()]
    assert table
    assert "Betriebsausflug" in table[0].get_text()
    assert closed.strftime("%d.%m.%Y") in table[0].get_text()


# --- races -------------------------------------------------------------------------------------


def test_a_booking_racing_a_change_that_takes_its_time_away_never_orphans_it(
    app: Flask,
) -> None:
    """Taking the service away, shortening the hours or taking the only counter out of service
    while a citizen books: the change is refused naming the appointment, or the booking is
    refused; never an appointment without its service, hours or counter."""
    office = make_office(app)
    with app.app_context():
        counter_id = db.session.scalar(
            select(Counter.id).where(Counter.location_id == office.location_id)
        )
    assert counter_id is not None
    changes: dict[str, Callable[[], object]] = {
        "service": lambda: admin.update_location(
            office.location_id,
            "Bürgerbüro Mitte",
            "Rathausplatz 1",
            [office.service_ids[WOHNSITZ]],
            clerk="x",
        ),
        "hours": lambda: admin.set_hours(
            office.location_id, [Span(d, time(0), time(1)) for d in range(7)], clerk="x"
        ),
        "counter": lambda: admin.set_counter_active(counter_id, False, clerk="x"),
    }
    for offset, (name, change) in enumerate(changes.items(), start=2):
        day = today() + timedelta(days=offset)

        def clerk_changes(
            wait: Wait, change: Callable[[], object] = change, day: date = day
        ) -> object:
            with app.test_request_context("/"):
                try:
                    wait()
                    change()
                    return "changed"
                except admin.WouldOrphan as refused:
                    named = {as_utc(b.starts_at) for b in refused.bookings}
                    return "refused, naming it" if at(day, 9) in named else "refused"
                finally:
                    db.session.close()

        def citizen_books(wait: Wait, day: date = day) -> object:
            with app.test_request_context("/"):
                try:
                    location = domain.get_location(office.location_id)
                    assert location is not None
                    services = domain.services_by_ids([office.service_ids[AUSWEIS]])
                    wait()
                    domain.book(
                        location=location,
                        services=services,
                        persons=1,
                        starts_at=at(day, 9),
                        name="Max",
                        email=f"max{day}@example.de",
                        citizen_id=None,
                        language="de",
                    )
                    return "booked"
                except domain.SlotTaken:
                    return "not booked"
                finally:
                    db.session.close()

        outcome: list[object] = together([clerk_changes, citizen_books])
        assert outcome in (["changed", "not booked"], ["refused, naming it", "booked"]), (
            name,
            outcome,
        )
        # undo what changed, for the next change
        with app.test_request_context("/"):
            if outcome[0] == "changed":
                if name == "service":
                    admin.update_location(
                        office.location_id,
                        "Bürgerbüro Mitte",
                        "Rathausplatz 1",
                        list(office.service_ids.values()),
                        clerk="x",
                    )
                if name == "hours":
                    admin.set_hours(
                        office.location_id,
                        [Span(d, time(0), time(23, 50)) for d in range(7)],
                        clerk="x",
                    )
        with app.app_context():
            standing = db.session.scalar(
                select(func.count(Appointment.id)).where(
                    Appointment.starts_at == at(day, 9),
                    Appointment.status.in_(("held", "confirmed")),
                )
            )
        assert standing == (0 if outcome[0] == "changed" else 1), (name, outcome)
        # and cancel what was booked, so that the next change meets only its own race
        with app.test_request_context("/"):
            for made in db.session.scalars(select(Appointment)).all():
                domain.cancel(made)
