"""The office's side of appointments (the clerks' role ``appointments``): a location's day,
arrivals with waiting numbers, calling to a counter, done and no-show, and closing a day.

What the database guarantees:
- one ``Visit`` per booking (``booking_id`` unique), created while the booking's row is locked:
  a check-in clicked twice, in two tabs or by two clerks, is one arrival with one number;
- waiting numbers are taken from one row per location and day by ``last_number + 1`` (the
  database runs updates of one row one after the other) and ``(location, day, number)`` is
  unique, so a number is never given twice on a day;
- calling, done and no-show are conditional updates on the status the clerk saw: two clicks
  make one change, and the second is told what happened;
- closing a day locks the location's row (bookings take it shared, ``booking.book``), inserts
  the closure once and cancels every open appointment of the day with one mail each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.appointments.models import (
    Appointment,
    AppointmentStatus,
    Closure,
    Counter,
    Location,
    Slot,
    Visit,
    VisitStatus,
    WaitingNumbers,
)
from server.db import as_utc, insert_once, lock_row, utcnow
from server.extensions import db
from server.formatting import city_day_bounds, city_time, city_today

OPEN = (AppointmentStatus.HELD.value, AppointmentStatus.CONFIRMED.value)
#: Shown in a day's list: what was booked, also what was cancelled (not expired holds).
LISTED = (*OPEN, AppointmentStatus.CANCELLED.value)
#: How many calls the display shows at once, the newest first.
CALLS_SHOWN = 6


class OfficeError(Exception):
    """The action cannot be done (any more); the message says why, in the clerk's words."""


class AlreadyDone(OfficeError):
    """The action was done already (another click, tab or clerk): nothing changed now."""


@dataclass(frozen=True)
class Row:
    booking: Appointment
    visit: Visit | None


@dataclass(frozen=True)
class ClosedDay:
    created: bool  # False: the day was closed already
    cancelled: int  # appointments cancelled now (each with a mail)


def all_locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.id)).unique())


def get_location(location_id: int) -> Location | None:
    return db.session.get(Location, location_id)


def get_booking(booking_id: int) -> Appointment | None:
    return db.session.get(Appointment, booking_id)


def day_of(booking: Appointment) -> date:
    """The city's day of the appointment."""
    return city_time(as_utc(booking.starts_at)).date()


def closure_of(location: Location, day: date) -> Closure | None:
    return db.session.scalar(
        select(Closure).where(Closure.location_id == location.id, Closure.day == day)
    )


def _bookings_of_day(
    session: Session, location_id: int, day: date, statuses: tuple[str, ...]
) -> list[Appointment]:
    start, end = city_day_bounds(day)
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.location_id == location_id,
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status.in_(statuses),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        ).unique()
    )


def day_list(location: Location, day: date) -> list[Row]:
    """The day's appointments at the location in time order, each with what happened."""
    bookings = _bookings_of_day(db.session, location.id, day, LISTED)
    visits = {
        visit.booking_id: visit
        for visit in db.session.scalars(
            select(Visit).where(Visit.booking_id.in_([b.id for b in bookings]))
        ).unique()
    }
    return [Row(booking, visits.get(booking.id)) for booking in bookings]


def cancelled_count(location: Location, day: date) -> int:
    return len(_bookings_of_day(db.session, location.id, day, (AppointmentStatus.CANCELLED.value,)))


def count_to_serve_today() -> int:
    """The work overview's number: today's confirmed appointments not yet done or missed."""
    start, end = city_day_bounds(city_today())
    bookings = set(
        db.session.scalars(
            select(Appointment.id).where(
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status == AppointmentStatus.CONFIRMED.value,
            )
        )
    )
    finished = set(
        db.session.scalars(
            select(Visit.booking_id).where(
                Visit.day == city_today(),
                Visit.status.in_([VisitStatus.DONE.value, VisitStatus.NO_SHOW.value]),
            )
        )
    )
    return len(bookings - finished)


# --- arrivals ----------------------------------------------------------------------------------


def _visit_of(session: Session, booking_id: int) -> Visit | None:
    return session.scalar(
        select(Visit)
        .where(Visit.booking_id == booking_id)
        .execution_options(populate_existing=True)
    )


def _already(visit: Visit) -> AlreadyDone:
    status = VisitStatus(visit.status)
    if status is VisitStatus.WAITING:
        return AlreadyDone(
            _(
                "Die Ankunft ist bereits erfasst: Wartenummer %(number)s.",
                number=visit.waiting_number,
            )
        )
    if status is VisitStatus.CALLED:
        return AlreadyDone(
            _(
                "Wartenummer %(number)s ist bereits aufgerufen (%(counter)s).",
                number=visit.waiting_number,
                counter=visit.counter.name if visit.counter else "",
            )
        )
    if status is VisitStatus.DONE:
        return AlreadyDone(_("Dieser Termin ist bereits als erledigt vermerkt."))
    return AlreadyDone(_("Dieser Termin ist bereits als „nicht erschienen“ vermerkt."))


def _locked_booking(session: Session, booking_id: int) -> Appointment:
    booking = lock_row(session, Appointment, booking_id)
    if booking is None:
        raise OfficeError(_("Diesen Termin gibt es nicht."))
    if booking.status != AppointmentStatus.CONFIRMED.value:
        raise OfficeError(_("Dieser Termin ist nicht gebucht oder inzwischen abgesagt."))
    return booking


def _next_number(session: Session, location_id: int, day: date) -> int:
    insert_once(
        session,
        WaitingNumbers,
        {"location_id": location_id, "day": day, "last_number": 0},
        ["location_id", "day"],
    )
    taken = session.execute(
        update(WaitingNumbers)
        .where(WaitingNumbers.location_id == location_id, WaitingNumbers.day == day)
        .values(last_number=WaitingNumbers.last_number + 1)
        .returning(WaitingNumbers.last_number)
    ).scalar_one()
    return int(taken)


def check_in(booking_id: int) -> Visit:
    """The citizen has arrived (today): a waiting number. Raises ``AlreadyDone`` when the
    arrival is recorded already, ``OfficeError`` when the appointment is not today's."""
    with db.transaction() as session:
        booking = _locked_booking(session, booking_id)
        day = day_of(booking)
        if day != city_today():
            raise OfficeError(_("Ankommen kann man nur am Tag des Termins."))
        existing = _visit_of(session, booking.id)
        if existing is not None:
            raise _already(existing)
        visit = Visit(
            booking_id=booking.id,
            location_id=booking.location_id,
            day=day,
            waiting_number=_next_number(session, booking.location_id, day),
            status=VisitStatus.WAITING.value,
            checked_in_at=utcnow(),
        )
        session.add(visit)
        session.flush()
    return visit


def _change(
    booking_id: int, seen: tuple[VisitStatus, ...], new: VisitStatus, **values: object
) -> Visit:
    """The conditional update from a status the clerk saw to ``new``; else why not."""
    with db.transaction() as session:
        result = session.execute(
            update(Visit)
            .execution_options(synchronize_session=False)
            .where(Visit.booking_id == booking_id, Visit.status.in_([s.value for s in seen]))
            .values(status=new.value, **values)
        )
        visit = _visit_of(session, booking_id)
        if not getattr(result, "rowcount", 0):
            if visit is None:
                raise OfficeError(_("Die Person ist noch nicht angekommen."))
            if VisitStatus(visit.status) is new or VisitStatus(visit.status).final:
                raise _already(visit)
            raise OfficeError(_("Die Person ist noch nicht aufgerufen."))
        assert visit is not None
    return visit


def call(booking_id: int, counter_id: int) -> Visit:
    """Call the waiting person to ``counter_id``: the call display shows number and counter."""
    visit = db.session.scalar(select(Visit).where(Visit.booking_id == booking_id))
    counter = db.session.get(Counter, counter_id)
    if visit is not None and (
        counter is None or counter.location_id != visit.location_id or not counter.active
    ):
        raise OfficeError(_("Wählen Sie einen Schalter dieses Standorts."))
    return _change(
        booking_id,
        (VisitStatus.WAITING,),
        VisitStatus.CALLED,
        counter_id=counter_id,
        called_at=utcnow(),
    )


def finish(booking_id: int) -> Visit:
    return _change(booking_id, (VisitStatus.CALLED,), VisitStatus.DONE, finished_at=utcnow())


def no_show(booking_id: int) -> Visit:
    """The person did not come: before arriving (no number), or waiting or called."""
    with db.transaction() as session:
        booking = _locked_booking(session, booking_id)
        day = day_of(booking)
        if day > city_today():
            raise OfficeError(_("Dieser Termin liegt noch in der Zukunft."))
        visit = _visit_of(session, booking.id)
        if visit is None:
            visit = Visit(
                booking_id=booking.id,
                location_id=booking.location_id,
                day=day,
                waiting_number=None,
                status=VisitStatus.NO_SHOW.value,
                finished_at=utcnow(),
            )
            session.add(visit)
            session.flush()
            return visit
    return _change(
        booking_id,
        (VisitStatus.WAITING, VisitStatus.CALLED),
        VisitStatus.NO_SHOW,
        finished_at=utcnow(),
    )


def calls(location: Location, limit: int = CALLS_SHOWN) -> list[Visit]:
    """Today's calls still standing at the location, the newest first (the call display)."""
    return list(
        db.session.scalars(
            select(Visit)
            .where(
                Visit.location_id == location.id,
                Visit.day == city_today(),
                Visit.status == VisitStatus.CALLED.value,
            )
            .order_by(Visit.called_at.desc(), Visit.id.desc())
            .limit(limit)
        ).unique()
    )


def waiting_count(location: Location) -> int:
    return len(
        db.session.scalars(
            select(Visit.id).where(
                Visit.location_id == location.id,
                Visit.day == city_today(),
                Visit.status == VisitStatus.WAITING.value,
            )
        ).all()
    )


# --- closing a day -----------------------------------------------------------------------------


def close_day(location_id: int, day: date, reason: str, *, clerk: str) -> ClosedDay:
    """No appointments at the location on ``day``: the closure once, and every open appointment
    of the day cancelled with a mail in its booking's language. A second call (another click,
    another clerk) changes nothing and says so (``created`` False)."""
    from server.appointments import office_mail
    from server.audit import log as audit

    if day < city_today():
        raise OfficeError(_("Ein vergangener Tag kann nicht mehr geschlossen werden."))
    with db.transaction() as session:
        if lock_row(session, Location, location_id) is None:
            raise OfficeError(_("Diesen Standort gibt es nicht."))
        created = (
            insert_once(
                session,
                Closure,
                {"location_id": location_id, "day": day, "reason": reason[:140]},
                ["location_id", "day"],
            )
            is not None
        )
        cancelled = 0
        for booking in _bookings_of_day(session, location_id, day, OPEN):
            result = session.execute(
                update(Appointment)
                .execution_options(synchronize_session=False)
                .where(Appointment.id == booking.id, Appointment.status.in_(OPEN))
                .values(status=AppointmentStatus.CANCELLED.value, cancelled_at=utcnow())
            )
            if not getattr(result, "rowcount", 0):
                continue
            session.execute(delete(Slot).where(Slot.booking_id == booking.id))
            session.refresh(booking)
            office_mail.tell_closed(booking, reason)
            cancelled += 1
        if created or cancelled:
            audit.record(
                f"clerk:{clerk}",
                "appointments.day.close",
                "appointment_location",
                location_id,
                f"{day.isoformat()} {cancelled}",
            )
    return ClosedDay(created, cancelled)


def days_around(day: date) -> tuple[date, date]:
    return day - timedelta(days=1), day + timedelta(days=1)
