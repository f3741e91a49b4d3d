"""Appointments as the Bürgerbüro sees them: bookings on a given day, a logged-in clerk."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from server.appointments import booking as domain
from server.appointments.models import Appointment, AppointmentStatus, Location, booking_services
from server.auth.roles import Role
from server.db import utcnow
from server.extensions import db
from server.formatting import city_day_start, city_today
from tests.checking_client import CheckingClient, checking_client
from tests.factories import make_clerk
from tests.integration.appointments.helpers import Office
from tests.integration.helpers import log_in_clerk

AUSWEIS = "Personalausweis beantragen"
WOHNSITZ = "Wohnsitz anmelden"


def clerk(
    app: Flask, username: str = "termine", roles: tuple[Role, ...] = (Role.APPOINTMENTS,)
) -> CheckingClient:
    """A clerk of the given roles, logged in."""
    make_clerk(app, username=username, display_name="Tina Termin", roles=roles)
    browser = checking_client(app)
    log_in_clerk(browser, username)
    return browser


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return city_day_start(day) + timedelta(hours=hour, minutes=minute)


def appointment(
    app: Flask,
    office: Office,
    starts_at: datetime,
    *,
    name: str = "Erika Mustermann",
    email: str = "erika@example.de",
    services: tuple[str, ...] = (AUSWEIS,),
    status: AppointmentStatus = AppointmentStatus.CONFIRMED,
    language: str = "de",
) -> str:
    """An appointment written as it stands (also at a time already past today); its number."""
    from server.readable_codes import new_readable_code

    with app.app_context(), db.transaction() as session:
        location = session.get(Location, office.location_id)
        assert location is not None
        booking = Appointment(
            number=f"T-{new_readable_code(8)}",
            location_id=location.id,
            counter_id=location.counters[0].id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=20),
            persons=1,
            name=name,
            email=email,
            status=status.value,
            language=language,
            confirmed_at=utcnow() if status is AppointmentStatus.CONFIRMED else None,
            hold_expires_at=utcnow() + timedelta(minutes=30),
        )
        session.add(booking)
        session.flush()
        session.execute(
            booking_services.insert(),
            [{"booking_id": booking.id, "service_id": office.service_ids[s]} for s in services],
        )
        return booking.number


def booked(
    app: Flask, office: Office, day: date, hour: int, *, email: str, confirmed: bool = True
) -> str:
    """An appointment booked as a citizen does (cells taken, mails sent); its number."""
    with app.test_request_context("/"):
        location = domain.get_location(office.location_id)
        assert location is not None
        made = domain.book(
            location=location,
            services=domain.services_by_ids([office.service_ids[AUSWEIS]]),
            persons=1,
            starts_at=at(day, hour),
            name="Max Mustermann",
            email=email,
            citizen_id=None,
            language="de",
        )
        if confirmed:
            assert domain.confirm(made.booking)
        return made.booking.number


def booking_id(app: Flask, number: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Appointment.id).where(Appointment.number == number))
        assert found is not None
        return int(found)


def today() -> date:
    return city_today()


def day_url(office: Office, day: date | None = None) -> str:
    return f"/verwaltung/termine/{office.location_id}" + (f"?tag={day.isoformat()}" if day else "")
