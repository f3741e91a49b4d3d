"""The Bürgerbüro's appointments: N clerks press the same arrival step at once (arrived, call,
done, no-show), or close the same day at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from server.appointments.models import Appointment, Visit
from server.auth.roles import Role
from server.formatting import city_today
from server.mail.models import OutboxMail
from tests.integration.appointments.helpers import make_office
from tests.integration.appointments.office_helpers import appointment, at, booked, booking_id
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    Reply,
    assert_race,
    form_fields,
    race,
)
from tests.integration.concurrency.harness import N as PARALLEL


def clerks(portal: Portal) -> list[Browser]:
    return portal.clerks("termine-race", [Role.APPOINTMENTS])


def press(portal: Portal, location_id: int, number: str, action: str) -> list[Reply]:
    """Every clerk's browser shows the day and presses the row's button at the same moment."""
    page = f"/verwaltung/termine/{location_id}"
    target = f"/verwaltung/termine/termin/{booking_id(portal.app, number)}"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        html = browser.page(page).text
        fields[index] = {**form_fields(html, target, with_field="aktion"), "aktion": action}

    return race(
        clerks(portal),
        lambda browser, index: browser.post(target, data=fields[index]),
        prepare=prepare,
    )


def says(text: str, status: int | None = None) -> Callable[[Reply], bool]:
    return lambda reply: text in reply.text and status in (None, reply.status)


def visit_status(portal: Portal, number: str) -> str | None:
    with portal.db() as session:
        return session.scalar(
            select(Visit.status).join(Appointment).where(Appointment.number == number)
        )


def test_arrival_steps(portal: Portal) -> None:
    """Arrived N times at once: one arrival with number 1. Then called, done and (for another
    booking) no-show, each N times at once: one change; the others read that it is done."""
    place = make_office(portal.app, name=portal.unique("Bürgerbüro "))
    number = appointment(portal.app, place, at(city_today(), 0, 10))
    absent = appointment(portal.app, place, at(city_today(), 0, 20))

    replies = press(portal, place.location_id, number, "ankunft")
    visits = portal.count(select(Visit).where(Visit.location_id == place.location_id))
    assert_race(
        replies,
        effects=visits,
        what="arrivals",
        loser=lambda r: r.status == 409 and "bereits erfasst: Wartenummer 1" in r.text,
        winner=lambda r: "Angekommen: Wartenummer 1." in r.text,
    )
    for action, status, loser_says, winner_says in (
        ("aufrufen", "called", "ist bereits aufgerufen", "Wartenummer 1 ist aufgerufen"),
        ("erledigt", "done", "bereits als erledigt vermerkt", "Erledigt."),
    ):
        replies = press(portal, place.location_id, number, action)
        assert visit_status(portal, number) == status
        assert_race(
            replies,
            effects=sum(1 for r in replies if r.redirected),
            what=action,
            loser=says(loser_says, 409),
            winner=says(winner_says),
        )
    replies = press(portal, place.location_id, absent, "nicht-erschienen")
    assert visit_status(portal, absent) == "no_show"
    assert_race(
        replies,
        effects=portal.count(
            select(Visit).where(Visit.status == "no_show", Visit.location_id == place.location_id)
        ),
        what="no-shows",
        loser=lambda r: r.status == 409 and "bereits als „nicht erschienen“ vermerkt" in r.text,
        winner=lambda r: "Als „nicht erschienen“ vermerkt." in r.text,
    )


def test_close_day(portal: Portal) -> None:
    """N clerks close the same day at once: one closure, each appointment cancelled with one
    mail; the others read that the day is closed already."""
    place = make_office(portal.app, name=portal.unique("Bürgerbüro "), counters=2)
    day = city_today() + timedelta(days=3)
    numbers = [
        booked(portal.app, place, day, hour, email=portal.unique("erika") + "@example.de")
        for hour in (9, 10)
    ]
    page = f"/verwaltung/termine/{place.location_id}?tag={day.isoformat()}"
    target = f"/verwaltung/termine/{place.location_id}/schliessen"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = {**form_fields(browser.page(page).text, target), "grund": "Streik"}

    replies = race(
        clerks(portal),
        lambda browser, index: browser.post(target, data=fields[index]),
        prepare=prepare,
    )
    mails = portal.count(
        select(OutboxMail).where(OutboxMail.subject.in_([f"Termin {n} entfällt" for n in numbers]))
    )
    assert mails == 2
    assert len(replies) == PARALLEL
    assert_race(
        replies,
        effects=sum(1 for r in replies if r.redirected),
        what="closures",
        loser=lambda r: r.status == 409 and "Dieser Tag ist bereits geschlossen." in r.text,
        winner=lambda r: "Abgesagte Termine: 2" in r.text,
    )
