"""Statistics per location and service for a period of days (city time): bookings,
cancellations, no-shows and the mean wait from arrival to call. An appointment for several
services counts for each of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from server.appointments.models import Appointment, AppointmentStatus, Visit, VisitStatus
from server.appointments.texts import service_name
from server.db import as_utc
from server.extensions import db
from server.formatting import city_day_bounds, city_today

DEFAULT_DAYS = 30
LONGEST_PERIOD = 366


@dataclass
class Line:
    location: str
    service: str
    bookings: int = 0
    cancelled: int = 0
    no_shows: int = 0
    served: int = 0
    waits: list[float] = field(default_factory=list)  # minutes from arrival to call

    @property
    def mean_wait(self) -> float | None:
        return sum(self.waits) / len(self.waits) if self.waits else None


def period(first: str, last: str) -> tuple[date, date, str | None]:
    """The period asked for (``von``, ``bis``), by default the last 30 days up to today."""
    today = city_today()
    try:
        end = date.fromisoformat(last) if last else today
        start = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return today - timedelta(days=DEFAULT_DAYS - 1), today, _("Geben Sie gültige Daten an.")
    if start > end or (end - start).days >= LONGEST_PERIOD:
        return (
            today - timedelta(days=DEFAULT_DAYS - 1),
            today,
            _("Der Zeitraum muss vorwärts laufen und darf höchstens ein Jahr lang sein."),
        )
    return start, end, None


def statistics(first: date, last: date) -> list[Line]:
    """One line per location and service with appointments in the period, by name."""
    start, _end = city_day_bounds(first)
    _start, end = city_day_bounds(last)
    bookings = list(
        db.session.scalars(
            select(Appointment).where(
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status != AppointmentStatus.EXPIRED.value,
            )
        ).unique()
    )
    visits = {
        visit.booking_id: visit
        for visit in db.session.scalars(
            select(Visit).where(Visit.booking_id.in_([b.id for b in bookings]))
        ).unique()
    }
    lines: dict[tuple[int, int], Line] = {}
    for booking in bookings:
        visit = visits.get(booking.id)
        for service in booking.services:
            line = lines.setdefault(
                (booking.location_id, service.id),
                Line(booking.location.name, service_name(service)),
            )
            line.bookings += 1
            if booking.status == AppointmentStatus.CANCELLED.value:
                line.cancelled += 1
            if visit is None:
                continue
            if visit.status == VisitStatus.NO_SHOW.value:
                line.no_shows += 1
            if visit.status == VisitStatus.DONE.value:
                line.served += 1
            if visit.checked_in_at is not None and visit.called_at is not None:
                waited = as_utc(visit.called_at) - as_utc(visit.checked_in_at)
                line.waits.append(waited.total_seconds() / 60)
    return sorted(lines.values(), key=lambda line: (line.location, line.service))
