"""The appointment as an iCalendar file (RFC 5545) for the citizen's calendar."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event

from server.appointments.models import Appointment, AppointmentStatus
from server.appointments.texts import bring_lines, service_names
from server.db import as_utc, utcnow


def ics_of(booking: Appointment) -> bytes:
    """One event in UTC; the same UID for the booking's every version, so a calendar replaces
    a moved appointment and marks a cancelled one."""
    host = urlsplit(str(current_app.config["PORTAL_BASE_URL"])).hostname or "localhost"
    cancelled = booking.status == AppointmentStatus.CANCELLED.value
    calendar = Calendar()
    calendar.add("prodid", "-//Buergerportal//Termine//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.number}@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", as_utc(booking.starts_at))
    event.add("dtend", as_utc(booking.ends_at))
    event.add("summary", _("Termin: %(services)s", services=service_names(booking)))
    event.add("location", f"{booking.location.name}, {booking.location.address}")
    lines = [_("Buchungsnummer: %(number)s", number=booking.number)]
    bring = bring_lines(booking)
    if bring:
        lines += ["", _("Bitte bringen Sie mit:"), *(f"- {item}" for item in bring)]
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
