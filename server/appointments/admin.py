"""Setting up the city's offices (the clerks' role ``appointments``): services with their
minutes and what to bring, locations with their address, counters, services offered and opening
hours. Closures are made by closing a day (``office.close_day``).

Nothing a booking names is deleted: a service or a counter is deactivated. A change that would
leave a future appointment without its service, its hours or its counter is refused with
``WouldOrphan``, which names the appointments (the clerk moves or cancels them first, or closes
their day, which cancels them with a mail).

What the database guarantees: every change to a location's services, hours and counters takes
the location's row exclusively (``lock_row``) and counts the affected appointments under it; a
booking or a move takes the same row shared and reads the services, hours and counters again
under it (``booking._still_offered``), so no appointment is booked into what a clerk is
removing. Names are unique where they must be (a location's, a counter's per location, a
service's slug) by unique constraints, so two clerks creating the same thing make it once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from itertools import pairwise

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.appointments.models import (
    Appointment,
    AppointmentStatus,
    Closure,
    Counter,
    Location,
    OpeningHours,
    Service,
    booking_services,
)
from server.appointments.slots import Span, day_runs, is_start_in
from server.db import as_utc, insert_once, lock_row, utcnow
from server.extensions import db
from server.formatting import city_time, city_today, city_zone

OPEN = (AppointmentStatus.HELD.value, AppointmentStatus.CONFIRMED.value)
WEEKDAYS = range(7)


class SetupError(Exception):
    """The change cannot be made; the message says why, in the clerk's words."""


class WouldOrphan(SetupError):
    """The change would leave future appointments without their service, hours or counter."""

    def __init__(self, message: str, bookings: Sequence[Appointment]) -> None:
        super().__init__(message)
        self.bookings = list(bookings)


@dataclass(frozen=True)
class ServiceData:
    name: str
    name_en: str
    duration_minutes: int
    bring: str
    bring_en: str
    service_group: str


# --- reading -----------------------------------------------------------------------------------


def every_service() -> list[Service]:
    """Every service, the deactivated ones too, active first."""
    return list(db.session.scalars(select(Service).order_by(Service.active.desc(), Service.name)))


def get_service(service_id: int) -> Service | None:
    return db.session.get(Service, service_id)


def get_counter(counter_id: int) -> Counter | None:
    return db.session.get(Counter, counter_id)


def closures_from_today(location: Location) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure)
            .where(Closure.location_id == location.id, Closure.day >= city_today())
            .order_by(Closure.day)
        )
    )


def open_count(service: Service) -> int:
    """The service's appointments not yet over (held or confirmed)."""
    return len(_future(db.session, service_id=service.id))


def _future(
    session: Session,
    *,
    location_id: int | None = None,
    service_id: int | None = None,
    counter_id: int | None = None,
) -> list[Appointment]:
    """Open appointments not yet over, earliest first."""
    query = select(Appointment).where(Appointment.status.in_(OPEN), Appointment.ends_at > utcnow())
    if location_id is not None:
        query = query.where(Appointment.location_id == location_id)
    if counter_id is not None:
        query = query.where(Appointment.counter_id == counter_id)
    if service_id is not None:
        query = query.where(
            Appointment.id.in_(
                select(booking_services.c.booking_id).where(
                    booking_services.c.service_id == service_id
                )
            )
        )
    return list(session.scalars(query.order_by(Appointment.starts_at, Appointment.id)).unique())


# --- services ----------------------------------------------------------------------------------


def _slug(name: str) -> str:
    """The service's id in words (``reisepass-beantragen``), made from its name."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower().translate(table))
    return slug.strip("-")[:40] or "dienst"


def create_service(data: ServiceData, *, clerk: str) -> Service:
    """A new service (active, offered at no location yet). Its slug is made from the name and
    is unique: a second service of the same name (another click, another clerk) is refused."""
    from server.audit import log as audit

    with db.transaction() as session:
        values = {"slug": _slug(data.name), **_service_values(data), "active": True}
        service_id = insert_once(session, Service, values, ["slug"])
        if service_id is None:
            raise SetupError(_("Einen Dienst mit diesem Namen gibt es bereits."))
        audit.record(
            f"clerk:{clerk}",
            "appointments.service.create",
            "appointment_service",
            service_id,
            data.name,
        )
    service = db.session.get(Service, service_id)
    assert service is not None
    return service


def _service_values(data: ServiceData) -> dict[str, object]:
    return {
        "name": data.name,
        "name_en": data.name_en,
        "duration_minutes": data.duration_minutes,
        "bring": _lines(data.bring),
        "bring_en": _lines(data.bring_en),
        "service_group": data.service_group,
    }


def _lines(text: str) -> str:
    """One item per line, without empty lines or surrounding spaces."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def update_service(service_id: int, data: ServiceData, *, clerk: str) -> Service:
    """New names, minutes, what to bring and group. Appointments already booked keep their
    length; new ones take the new minutes."""
    from server.audit import log as audit

    with db.transaction() as session:
        service = lock_row(session, Service, service_id)
        if service is None:
            raise SetupError(_("Diesen Dienst gibt es nicht."))
        same_name = select(Service.id).where(Service.name == data.name, Service.id != service_id)
        if session.scalar(same_name) is not None:
            raise SetupError(_("Einen Dienst mit diesem Namen gibt es bereits."))
        for key, value in _service_values(data).items():
            setattr(service, key, value)
        audit.record(
            f"clerk:{clerk}",
            "appointments.service.change",
            "appointment_service",
            service_id,
            data.name,
        )
    return service


def set_service_active(service_id: int, active: bool, *, clerk: str) -> bool:
    """Offer the service again, or no longer (its booked appointments stand); True when this
    call changed it, False when it was so already (a second click)."""
    from server.audit import log as audit

    with db.transaction() as session:
        result = session.execute(
            update(Service)
            .execution_options(synchronize_session=False)
            .where(Service.id == service_id, Service.active.is_(not active))
            .values(active=active)
        )
        changed = bool(getattr(result, "rowcount", 0))
        if changed:
            action = "activate" if active else "deactivate"
            audit.record(
                f"clerk:{clerk}",
                f"appointments.service.{action}",
                "appointment_service",
                service_id,
            )
    return changed


# --- locations ---------------------------------------------------------------------------------


def _name_taken(session: Session, name: str, location_id: int | None) -> bool:
    query = select(Location.id).where(Location.name == name)
    if location_id is not None:
        query = query.where(Location.id != location_id)
    return session.scalar(query) is not None


def create_location(name: str, address: str, *, clerk: str) -> Location:
    """A new location: no counters, hours or services yet, so nothing to book there yet."""
    from server.audit import log as audit

    with db.transaction() as session:
        location_id = insert_once(session, Location, {"name": name, "address": address}, ["name"])
        if location_id is None:
            raise SetupError(_("Einen Standort mit diesem Namen gibt es bereits."))
        audit.record(
            f"clerk:{clerk}",
            "appointments.location.create",
            "appointment_location",
            location_id,
            name,
        )
    location = db.session.get(Location, location_id)
    assert location is not None
    return location


def _locked_location(session: Session, location_id: int) -> Location:
    location = lock_row(session, Location, location_id)
    if location is None:
        raise SetupError(_("Diesen Standort gibt es nicht."))
    return location


def update_location(
    location_id: int, name: str, address: str, service_ids: Sequence[int], *, clerk: str
) -> Location:
    """Name, address and the services offered. A service with future appointments at the
    location cannot be taken away (``WouldOrphan`` names them)."""
    from server.audit import log as audit

    with db.transaction() as session:
        location = _locked_location(session, location_id)
        if _name_taken(session, name, location_id):
            raise SetupError(_("Einen Standort mit diesem Namen gibt es bereits."))
        wanted = list(session.scalars(select(Service).where(Service.id.in_(list(service_ids)))))
        removed = {s.id for s in location.services} - {s.id for s in wanted}
        affected = [
            booking
            for booking in _future(session, location_id=location_id)
            if removed & {s.id for s in booking.services}
        ]
        if affected:
            raise WouldOrphan(
                _(
                    "An diesem Standort sind noch Termine für die Dienste gebucht, die Sie "
                    "abwählen wollen."
                ),
                affected,
            )
        location.name = name
        location.address = address
        location.services = sorted(wanted, key=lambda s: s.id)
        audit.record(
            f"clerk:{clerk}",
            "appointments.location.change",
            "appointment_location",
            location_id,
            name,
        )
    return location


# --- counters ----------------------------------------------------------------------------------


def add_counter(location_id: int, name: str, *, clerk: str) -> int:
    """A new counter at the location (free from now on); its id."""
    from server.audit import log as audit

    with db.transaction() as session:
        _locked_location(session, location_id)
        counter_id = insert_once(
            session,
            Counter,
            {"location_id": location_id, "name": name, "active": True},
            ["location_id", "name"],
        )
        if counter_id is None:
            raise SetupError(_("Einen Schalter mit diesem Namen gibt es hier bereits."))
        audit.record(
            f"clerk:{clerk}", "appointments.counter.add", "appointment_location", location_id, name
        )
    return counter_id


def rename_counter(counter_id: int, name: str, *, clerk: str) -> Counter:
    from server.audit import log as audit

    with db.transaction() as session:
        counter = lock_row(session, Counter, counter_id)
        if counter is None:
            raise SetupError(_("Diesen Schalter gibt es nicht."))
        taken = session.scalar(
            select(Counter.id).where(
                Counter.location_id == counter.location_id,
                Counter.name == name,
                Counter.id != counter_id,
            )
        )
        if taken is not None:
            raise SetupError(_("Einen Schalter mit diesem Namen gibt es hier bereits."))
        old, counter.name = counter.name, name
        audit.record(
            f"clerk:{clerk}",
            "appointments.counter.rename",
            "appointment_location",
            counter.location_id,
            f"{old} → {name}",
        )
    return counter


def set_counter_active(counter_id: int, active: bool, *, clerk: str) -> bool:
    """Take the counter into service again, or out of it. A counter with future appointments
    is not taken out (``WouldOrphan`` names them). True when this call changed it."""
    from server.audit import log as audit

    counter = db.session.get(Counter, counter_id)
    if counter is None:
        raise SetupError(_("Diesen Schalter gibt es nicht."))
    with db.transaction() as session:
        _locked_location(session, counter.location_id)
        if not active:
            affected = _future(session, counter_id=counter_id)
            if affected:
                raise WouldOrphan(_("An diesem Schalter sind noch Termine gebucht."), affected)
        result = session.execute(
            update(Counter)
            .execution_options(synchronize_session=False)
            .where(Counter.id == counter_id, Counter.active.is_(not active))
            .values(active=active)
        )
        changed = bool(getattr(result, "rowcount", 0))
        if changed:
            action = "activate" if active else "deactivate"
            audit.record(
                f"clerk:{clerk}",
                f"appointments.counter.{action}",
                "appointment_location",
                counter.location_id,
                counter.name,
            )
    session.refresh(counter)
    return changed


# --- opening hours -----------------------------------------------------------------------------


def span_problems(spans: Sequence[Span]) -> list[tuple[int, str]]:
    """What is wrong with a week's spans: (weekday, message) for a span that does not open
    before it closes, and for spans of one day that overlap."""
    problems = []
    for weekday in WEEKDAYS:
        day = sorted((s for s in spans if s.weekday == weekday), key=lambda s: s.opens)
        for span in day:
            if span.opens >= span.closes:
                problems.append((weekday, _("Die Öffnungszeit muss vor der Schließzeit liegen.")))
        for earlier, later in pairwise(day):
            if later.opens < earlier.closes:
                problems.append(
                    (weekday, _("Die Zeiten eines Tages dürfen sich nicht überschneiden."))
                )
    return problems


def _fits(booking: Appointment, spans: Sequence[Span]) -> bool:
    grid = int(current_app.config["APPOINTMENT_SLOT_MINUTES"])
    start, end = as_utc(booking.starts_at), as_utc(booking.ends_at)
    day = city_time(start).date()
    cells = max(1, int((end - start) / timedelta(minutes=grid)))
    return is_start_in(day_runs(day, spans, city_zone(), grid), start, cells)


def set_hours(location_id: int, spans: Sequence[Span], *, clerk: str) -> None:
    """The location's week of opening hours, replaced as a whole. Hours that no longer cover a
    future appointment are refused (``WouldOrphan`` names it)."""
    from server.audit import log as audit

    if span_problems(spans):
        raise SetupError(_("Die Öffnungszeiten sind nicht stimmig."))
    with db.transaction() as session:
        location = _locked_location(session, location_id)
        affected = [b for b in _future(session, location_id=location_id) if not _fits(b, spans)]
        if affected:
            raise WouldOrphan(
                _("Die neuen Öffnungszeiten schließen gebuchte Termine aus."), affected
            )
        location.hours = [
            OpeningHours(weekday=s.weekday, opens=s.opens, closes=s.closes)
            for s in sorted(spans, key=lambda s: (s.weekday, s.opens))
        ]
        audit.record(
            f"clerk:{clerk}",
            "appointments.hours.change",
            "appointment_location",
            location_id,
            hours_text(spans),
        )


def hours_text(spans: Sequence[Span]) -> str:
    """``0 08:00-12:00, 0 14:00-18:00, 1 ...`` for the audit log."""

    def clock(moment: time) -> str:
        return moment.strftime("%H:%M")

    return ", ".join(
        f"{s.weekday} {clock(s.opens)}-{clock(s.closes)}"
        for s in sorted(spans, key=lambda s: (s.weekday, s.opens))
    )
