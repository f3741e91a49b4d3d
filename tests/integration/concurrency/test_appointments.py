"""Appointments: N browsers book the same free time, confirm one link, cancel or move one
appointment, or book more than the limit allows for one address, all at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import altcha
from sqlalchemy import select

from server.appointments import booking as domain
from server.appointments.models import Appointment, AppointmentStatus, Location, Slot
from server.db import as_utc, utcnow
from server.mail.models import OutboxMail
from tests.integration.appointments.helpers import Office, make_office
from tests.integration.concurrency.harness import (
    Browser,
    N,
    Portal,
    Reply,
    assert_race,
    csrf_of,
    form_fields,
    race,
)

AUSWEIS = "Personalausweis beantragen"


def office(portal: Portal) -> Office:
    return make_office(portal.app, name=portal.unique("Bürgerbüro "))


def free_times(
    portal: Portal, place: Office, count: int = 1, *, disjoint: bool = False
) -> list[str]:
    """The first free times an anonymous visitor may book (after the emergency slots), as the
    times page sends them; ``disjoint``: no two of them overlap (an appointment spans several
    cells of the grid, so neighbouring times compete for the same counter)."""
    hours = int(portal.app.config["APPOINTMENT_EMERGENCY_HOURS"])
    with portal.db() as session:
        location = session.get(Location, place.location_id)
        assert location is not None
        services = domain.services_by_ids([place.service_ids[AUSWEIS]])
        days = domain.offers(
            [location], services, 1, days=2, not_before=utcnow() + timedelta(hours=hours)
        )
        starts = [offer.starts_at for day in days for offer in day.offers]
        length = timedelta(minutes=services[0].duration_minutes)
    if disjoint:
        apart: list[datetime] = []
        for start in starts:
            if not apart or start >= apart[-1] + length:
                apart.append(start)
        starts = apart
    assert len(starts) >= count
    return [f"{place.location_id}@{domain.moment_value(start)}" for start in starts[:count]]


def details_path(place: Office, zeit: str) -> str:
    return (
        f"/termine/angaben?dienst={place.service_ids[AUSWEIS]}&personen=1"
        f"&standort={place.location_id}&zeit={zeit}"
    )


def times_path(place: Office) -> str:
    return (
        f"/termine/zeiten?dienst={place.service_ids[AUSWEIS]}&personen=1"
        f"&standort={place.location_id}"
    )


def solved(browser: Browser) -> str:
    """What the widget sends: the portal's challenge, solved by ALTCHA's solver."""
    challenge = altcha.Challenge.from_dict(browser.page("/termine/pruefung").json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def prove(browser: Browser, place: Office) -> None:
    """The proof of work an anonymous browser solves before it sees free times."""
    shown = browser.get(
        times_path(place), params={"altcha": solved(browser)}, allow_redirects=False
    )
    assert shown.status_code == 303, (shown.status_code, shown.text[:300])


def booked(portal: Portal, place: Office, zeit: str, *, confirmed: bool) -> domain.Booked:
    """An appointment made directly (held, or confirmed through its link), with its tokens."""
    with portal.db():
        location = domain.get_location(place.location_id)
        start = domain.moment_of(zeit.partition("@")[2])
        assert location is not None
        assert start is not None
        made = domain.book(
            location=location,
            services=domain.services_by_ids([place.service_ids[AUSWEIS]]),
            persons=1,
            starts_at=start,
            name="Erika Mustermann",
            email=portal.unique("erika") + "@example.de",
            citizen_id=None,
            language="de",
        )
        if confirmed:
            assert domain.confirm(made.booking)
        return made


def manage_token(portal: Portal, number: str) -> str:
    """The link of the confirmation mail."""
    with portal.db() as session:
        body = session.scalar(
            select(OutboxMail.body).where(OutboxMail.subject == f"Terminbestätigung {number}")
        )
    assert body is not None
    return body.split("/termine/t/", 1)[1].split()[0]


def mails(portal: Portal, subject: str) -> int:
    return portal.count(select(OutboxMail).where(OutboxMail.subject == subject))


def test_book_the_same_time(portal: Portal) -> None:
    """N people book the last free time they all see: one appointment; everyone else is told
    the time is taken and offered the next ones."""
    place = office(portal)
    [zeit] = free_times(portal, place)
    browsers = portal.browsers()
    fields: dict[int, dict[str, object]] = {}

    def prepare(browser: Browser, index: int) -> None:
        prove(browser, place)
        page = browser.page(details_path(place, zeit)).text
        fields[index] = {
            **form_fields(page, "/termine/angaben"),
            "name": f"Person {index}",
            "email": f"person{index}-{portal.unique('x')}@example.de",
        }

    replies = race(
        browsers, lambda b, i: b.post("/termine/angaben", data=fields[i]), prepare=prepare
    )
    start = domain.moment_of(zeit.partition("@")[2])
    effects = portal.count(
        select(Appointment).where(
            Appointment.location_id == place.location_id,
            Appointment.starts_at == start,
            Appointment.status.in_(domain.OPEN),
        )
    )
    assert_race(
        replies,
        effects=effects,
        what="appointments at one time",
        loser=lambda r: r.status == 409 and "Diese Zeit ist inzwischen vergeben" in r.text,
        winner=lambda r: r.status == 200 and "Bitte bestätigen Sie den Termin" in r.text,
    )


def test_limit_per_address(portal: Portal) -> None:
    """N bookings of one address at N different times: exactly the limit (2) is booked."""
    place = office(portal)
    times = free_times(portal, place, N, disjoint=True)
    email = portal.unique("hamster") + "@example.de"
    browsers = portal.browsers()
    fields: dict[int, dict[str, object]] = {}

    def prepare(browser: Browser, index: int) -> None:
        prove(browser, place)
        page = browser.page(details_path(place, times[index])).text
        fields[index] = {
            **form_fields(page, "/termine/angaben"),
            "name": "Hamster",
            "email": email,
        }

    replies = race(
        browsers, lambda b, i: b.post("/termine/angaben", data=fields[i]), prepare=prepare
    )
    effects = portal.count(select(Appointment).where(Appointment.email == email))

    def over(reply: Reply) -> bool:
        return (
            reply.status == 409
            and "Für diese E-Mail-Adresse sind schon 2 Termine offen" in reply.text
        )

    problems = [r for r in replies if not over(r) and "Bitte bestätigen" not in r.text]
    assert effects == 2, effects
    assert sum(1 for r in replies if over(r)) == N - 2
    assert not problems, [r.summary() for r in problems[:3]]


def test_confirm(portal: Portal) -> None:
    """The confirmation link's button pressed in N browsers at once: confirmed once, one
    confirmation mail; the others read that it is already confirmed."""
    place = office(portal)
    [zeit] = free_times(portal, place)
    held = booked(portal, place, zeit, confirmed=False)
    link = f"/termine/bestaetigen/{held.confirm_token}"
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page(link).text)

    replies = race(
        portal.browsers(),
        lambda b, i: b.post(link, data={"csrf_token": tokens[i]}),
        prepare=prepare,
    )
    assert_race(
        replies,
        effects=mails(portal, f"Terminbestätigung {held.booking.number}"),
        what="confirmations",
        winner=lambda r: "Ihr Termin ist bestätigt" in r.text,
    )


def _granted(portal: Portal, number: str) -> list[Browser]:
    token = manage_token(portal, number)
    browsers = portal.browsers()
    for browser in browsers:
        assert browser.page(f"/termine/t/{token}").url.endswith(f"/termine/termin/{number}")
    return browsers


def test_cancel(portal: Portal) -> None:
    place = office(portal)
    [zeit] = free_times(portal, place)
    done = booked(portal, place, zeit, confirmed=True)
    number = done.booking.number
    page = f"/termine/termin/{number}"
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page(page).text)

    replies = race(
        _granted(portal, number),
        lambda b, i: b.post(f"{page}/absagen", data={"csrf_token": tokens[i]}),
        prepare=prepare,
    )
    assert portal.count(select(Slot).where(Slot.booking_id == done.booking.id)) == 0
    assert_race(
        replies,
        effects=mails(portal, f"Termin {number} abgesagt"),
        what="cancellations",
        loser=lambda r: r.status == 200 and "bereits abgesagt" in r.text,
        winner=lambda r: r.status == 200 and "Ihr Termin ist abgesagt" in r.text,
    )


def test_move(portal: Portal) -> None:
    place = office(portal)
    zeit, later = free_times(portal, place, 2)[0], free_times(portal, place, 6)[-1]
    done = booked(portal, place, zeit, confirmed=True)
    number = done.booking.number
    page = f"/termine/termin/{number}/verschieben"
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page(page).text)

    replies = race(
        _granted(portal, number),
        lambda b, i: b.post(page, data={"csrf_token": tokens[i], "zeit": later}),
        prepare=prepare,
    )
    with portal.db() as session:
        moved = session.get(Appointment, done.booking.id)
        assert moved is not None
        assert moved.status == AppointmentStatus.CONFIRMED.value
        assert domain.moment_value(as_utc(moved.starts_at)) == later.partition("@")[2]
    assert_race(
        replies,
        effects=mails(portal, f"Termin {number} verschoben"),
        what="moves",
        loser=lambda r: r.status == 200 and "liegt bereits zu dieser Zeit" in r.text,
        winner=lambda r: r.status == 200 and "Ihr Termin ist verschoben" in r.text,
    )


def test_one_proof_books_once(portal: Portal) -> None:
    """One solved proof of work, N tabs of its browser booking N different times at once: one
    appointment; the other tabs are asked for a new proof, and nothing of theirs is booked."""
    place = office(portal)
    times = free_times(portal, place, N)
    first, *others = portal.browsers()
    prove(first, place)
    for browser in others:  # the same browser's tabs: one session
        browser.cookies.update(first.cookies)
    tabs = [first, *others]
    fields: dict[int, dict[str, object]] = {}

    def prepare(browser: Browser, index: int) -> None:
        page = browser.page(details_path(place, times[index])).text
        fields[index] = {
            **form_fields(page, "/termine/angaben"),
            "name": "Hamster",
            "email": f"tab{index}-{portal.unique('x')}@example.de",
        }

    replies = race(tabs, lambda b, i: b.post("/termine/angaben", data=fields[i]), prepare=prepare)
    effects = portal.count(select(Appointment).where(Appointment.location_id == place.location_id))
    assert_race(
        replies,
        effects=effects,
        what="appointments with one proof of work",
        loser=lambda r: r.status == 422 and "Diese Prüfung wurde schon verwendet" in r.text,
        winner=lambda r: r.status == 200 and "Bitte bestätigen Sie den Termin" in r.text,
    )


def test_one_solution_sent_at_once(portal: Portal) -> None:
    """One solved challenge sent by N browsers at once: it opens the free times for one; the
    others are told it was used already."""
    place = office(portal)
    browsers = portal.browsers()
    payload = solved(browsers[0])
    replies = race(
        browsers,
        lambda b, i: b.get(times_path(place), params={"altcha": payload}, allow_redirects=False),
    )
    opened = [r for r in replies if r.status == 303]
    refused = [r for r in replies if r.status == 422 and "schon verwendet" in r.text]
    assert len(opened) == 1, [r.summary() for r in replies[:3]]
    assert len(refused) == N - 1
